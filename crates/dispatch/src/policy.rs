//! What the dispatcher does about faults: how many calls it keeps in flight, how long it
//! waits before trying again, how often it tries.

use std::time::Duration;

/// The dispatcher's fault policy. The defaults suit AWS Lambda; the embedded engine only
/// needs `concurrency`.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Most calls in flight at once (at least 1). Throttling lowers the working limit below
    /// this; successes raise it back.
    pub concurrency: usize,
    /// How long one attempt may take before it counts as timed out.
    pub attempt_timeout: Duration,
    /// Retries of an attempt that timed out. Each is paid compute on Lambda, so one.
    pub timeout_retries: u32,
    /// Retries after a 5xx answer or a connection failure.
    pub transient_retries: u32,
    /// Retries after throttling, counted over the asset's whole run. Throttling is not a
    /// failure, but a function whose concurrency is zero would otherwise throttle for ever.
    pub throttle_retries: u32,
    /// First backoff ceiling; it doubles per retry of the same call, up to `backoff_cap`.
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            concurrency: 64,
            attempt_timeout: Duration::from_secs(60),
            timeout_retries: 1,
            // 250 ms doubling over 7 retries: up to ~32 s in all, enough to ride out a
            // Wi-Fi drop or a server restart.
            transient_retries: 7,
            throttle_retries: 40,
            backoff_base: Duration::from_millis(250),
            backoff_cap: Duration::from_secs(20),
        }
    }
}

/// The kinds of engine a host can choose; each host spells the choice its own way (a flag,
/// a setting) and turns it into this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineKind {
    /// In this process: one call per core, nothing to retry.
    Embedded,
    /// AWS Lambda (our function or a team's own): the defaults above.
    Lambda,
}

impl Policy {
    /// The embedded engine's policy: one call per core, nothing to retry.
    pub fn embedded() -> Self {
        Policy {
            concurrency: std::thread::available_parallelism().map_or(2, |n| n.get()),
            ..Policy::default()
        }
    }

    /// The policy of a run on `engine`: its defaults, then what the user chose (at least one
    /// call in flight; an attempt's timeout), fitted under this process's open-file limit
    /// ([`crate::fit_open_files`]), since each call in flight may hold a socket. The one place
    /// both hosts build a policy.
    pub fn for_engine(
        engine: EngineKind,
        concurrency: Option<usize>,
        attempt_timeout: Option<Duration>,
    ) -> Self {
        let mut policy = match engine {
            EngineKind::Embedded => Policy::embedded(),
            EngineKind::Lambda => Policy::default(),
        };
        if let Some(n) = concurrency {
            policy.concurrency = n.max(1);
        }
        if let Some(timeout) = attempt_timeout {
            policy.attempt_timeout = timeout;
        }
        policy.concurrency = crate::fit_open_files(policy.concurrency).max(1);
        policy
    }

    /// Exponential backoff with full jitter ("Exponential Backoff And Jitter", AWS
    /// Architecture Blog): a uniformly random wait up to `base × 2^retry`, capped. The
    /// randomness spreads out calls that failed together so they do not come back together.
    /// The sync client waits by the same rule (`substation_sync::RetryPolicy::delay`, which
    /// also obeys `Retry-After`); the two crates share nothing below them but the domain
    /// crate, and six lines do not make a crate of their own.
    pub fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self
            .backoff_base
            .saturating_mul(2u32.saturating_pow(retry.min(20)))
            .min(self.backoff_cap);
        ceiling.mul_f64(fastrand::f64())
    }
}

/// The working in-flight limit: additive increase, cut on throttling.
///
/// A throttle answer means the service ran everything else we had in flight, and no more: the
/// limit drops to that number (but at most halves per answer, so that one stray 429 does not
/// collapse the run). Each success adds `1 / limit`, about one more call per round trip, which
/// probes whether the service has room again. Against a fixed concurrency limit this settles
/// one call above it, costing one quick 429 per round trip.
#[derive(Debug, Clone)]
pub(crate) struct AdaptiveLimit {
    current: f64,
    ceiling: f64,
}

impl AdaptiveLimit {
    pub(crate) fn new(ceiling: usize) -> Self {
        let ceiling = ceiling.max(1) as f64;
        AdaptiveLimit {
            current: ceiling,
            ceiling,
        }
    }

    /// Calls allowed in flight now.
    pub(crate) fn allowed(&self) -> usize {
        self.current.floor() as usize
    }

    pub(crate) fn on_success(&mut self) {
        self.current = (self.current + 1.0 / self.current).min(self.ceiling);
    }

    /// `others_in_flight`: calls still in flight when the throttle answer came back.
    pub(crate) fn on_throttle(&mut self, others_in_flight: usize) {
        let floor = (self.current / 2.0).max(1.0);
        self.current = (others_in_flight as f64).clamp(floor, self.current);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_policy_for_an_engine_takes_its_defaults_then_the_users_choice() {
        let lambda = Policy::for_engine(EngineKind::Lambda, None, None);
        assert_eq!(lambda, Policy::default());
        let embedded = Policy::for_engine(EngineKind::Embedded, None, None);
        assert_eq!(embedded, Policy::embedded());
        let chosen = Policy::for_engine(EngineKind::Lambda, Some(0), Some(Duration::from_secs(5)));
        assert_eq!(chosen.concurrency, 1, "at least one call in flight");
        assert_eq!(chosen.attempt_timeout, Duration::from_secs(5));
        assert_eq!(
            chosen.transient_retries,
            Policy::default().transient_retries
        );
        // Far above any open-file limit: fitted under it where the system has one (Windows
        // has no per-process limit of that kind), never zero.
        let huge = Policy::for_engine(EngineKind::Lambda, Some(100_000_000), None);
        assert!(huge.concurrency >= 1);
        if cfg!(unix) {
            assert!(huge.concurrency < 100_000_000, "{}", huge.concurrency);
        }
    }

    #[test]
    fn backoff_stays_under_its_doubling_ceiling_and_the_cap() {
        let policy = Policy {
            backoff_base: Duration::from_millis(100),
            backoff_cap: Duration::from_secs(2),
            ..Policy::default()
        };
        for retry in 0..40 {
            let ceiling =
                Duration::from_millis(100 * 2u64.pow(retry.min(10))).min(policy.backoff_cap);
            for _ in 0..50 {
                assert!(policy.backoff(retry) <= ceiling);
            }
        }
        // Full jitter: the waits are spread over the whole range, not clustered at the top.
        let waits: Vec<Duration> = (0..200).map(|_| policy.backoff(4)).collect();
        assert!(waits.iter().any(|w| *w < Duration::from_millis(500)));
        assert!(waits.iter().any(|w| *w > Duration::from_millis(1100)));
    }

    #[test]
    fn the_limit_drops_to_what_the_service_ran_and_grows_back_slowly() {
        let mut limit = AdaptiveLimit::new(256);
        assert_eq!(limit.allowed(), 256);
        // 192 quick 429s come back while the 64 accepted calls keep running.
        for others in (64..256).rev() {
            limit.on_throttle(others);
        }
        assert_eq!(limit.allowed(), 64);
        // About one more call per round trip of 64 successes.
        let mut successes = 0;
        while limit.allowed() == 64 {
            limit.on_success();
            successes += 1;
        }
        assert_eq!(limit.allowed(), 65);
        assert!((60..=70).contains(&successes), "{successes}");
        limit.on_throttle(64);
        assert_eq!(limit.allowed(), 64);
    }

    #[test]
    fn one_stray_throttle_halves_at_most_and_the_limit_never_reaches_zero() {
        let mut limit = AdaptiveLimit::new(100);
        limit.on_throttle(3);
        assert_eq!(limit.allowed(), 50);
        for _ in 0..20 {
            limit.on_throttle(0);
        }
        assert_eq!(limit.allowed(), 1);
        for _ in 0..10_000 {
            limit.on_success();
        }
        assert_eq!(
            limit.allowed(),
            100,
            "never above the configured concurrency"
        );
    }
}
