//! Request rate limits: a token bucket per key (a device, or a client address), in memory (one
//! service process).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A bucket of `per_minute` requests per key, refilled continuously at `per_minute` a
/// minute: a key may burst a minute's worth, then goes at the steady rate.
#[derive(Debug)]
pub struct RateLimiter<K = i64> {
    per_minute: u32,
    buckets: Mutex<HashMap<K, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// Buckets untouched this long are full again and forgotten.
const FORGET_AFTER: Duration = Duration::from_secs(3600);

impl<K: Hash + Eq> RateLimiter<K> {
    /// `per_minute` 0 lets everything through.
    pub fn new(per_minute: u32) -> Self {
        RateLimiter {
            per_minute,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from `key`'s bucket at `now`; when it is empty, says how long until
    /// the next request would be allowed.
    pub fn check(&self, key: K, now: Instant) -> Result<(), Duration> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / 60.0;
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() > 10_000 {
            buckets
                .retain(|_, bucket| now.saturating_duration_since(bucket.updated) < FORGET_AFTER);
        }
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: capacity,
            updated: now,
        });
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * per_second).min(capacity);
        bucket.updated = bucket.updated.max(now);
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / per_second))
        }
    }
}

/// Whole seconds for `Retry-After`, rounded up, at least 1.
pub(crate) fn retry_after_secs(wait: Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_of_a_minutes_worth_then_the_steady_rate() {
        let limiter = RateLimiter::<i64>::new(60);
        let start = Instant::now();
        for _ in 0..60 {
            assert!(limiter.check(1, start).is_ok());
        }
        let wait = limiter.check(1, start).expect_err("empty");
        assert_eq!(retry_after_secs(wait), 1);
        // Another device has its own bucket.
        assert!(limiter.check(2, start).is_ok());
        // One request a second comes back.
        let later = start + Duration::from_millis(1_000);
        assert!(limiter.check(1, later).is_ok());
        assert!(limiter.check(1, later).is_err());
        // After a long pause the bucket is full, never more.
        let much_later = start + Duration::from_secs(3_600);
        for _ in 0..60 {
            assert!(limiter.check(1, much_later).is_ok());
        }
        assert!(limiter.check(1, much_later).is_err());
    }

    #[test]
    fn retry_after_says_how_long_to_wait() {
        let limiter = RateLimiter::<i64>::new(2);
        let start = Instant::now();
        assert!(limiter.check(7, start).is_ok());
        assert!(limiter.check(7, start).is_ok());
        let wait = limiter.check(7, start).expect_err("empty");
        assert_eq!(retry_after_secs(wait), 30);
        let wait = limiter
            .check(7, start + Duration::from_secs(20))
            .expect_err("still empty");
        assert_eq!(retry_after_secs(wait), 10);
        assert!(limiter.check(7, start + Duration::from_secs(31)).is_ok());
    }

    #[test]
    fn zero_means_no_limit() {
        let limiter = RateLimiter::<i64>::new(0);
        let now = Instant::now();
        for _ in 0..10_000 {
            assert!(limiter.check(1, now).is_ok());
        }
    }
}
