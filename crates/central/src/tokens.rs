//! Bearer tokens: `sbk_` and 256 random bits in base64url. The service keeps only their
//! SHA-256, so a copy of the database does not let anyone upload.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use substation_sync_protocol::MAX_ID_CHARS;

use crate::{Error, connect};

/// Every token starts with this, so that a leaked one is recognisable (secret scanners).
pub const TOKEN_PREFIX: &str = "sbk_";
/// `sbk_` and 43 base64url characters (32 bytes, no padding).
const TOKEN_LEN: usize = TOKEN_PREFIX.len() + 43;

/// A token just issued: the only time the token itself is known.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub id: i64,
    pub device: String,
    pub token: String,
}

/// A token as `token list` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct TokenInfo {
    pub id: i64,
    pub device: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Which tokens to revoke.
#[derive(Debug, Clone)]
pub enum RevokeBy {
    /// Every active token of the device.
    Device(String),
    /// One token, by the id `token issue` and `token list` print.
    Id(i64),
}

pub(crate) fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Whether `token` could be one of ours; others are refused without asking the database.
pub(crate) fn plausible(token: &str) -> bool {
    token.len() == TOKEN_LEN
        && token.starts_with(TOKEN_PREFIX)
        && token[TOKEN_PREFIX.len()..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn generate() -> Result<String, Error> {
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret)
        .map_err(|err| Error::Invalid(format!("no randomness for a token: {err}")))?;
    Ok(format!(
        "{TOKEN_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret)
    ))
}

fn check_device_name(device: &str) -> Result<(), Error> {
    if device.trim().is_empty() || device.trim() != device {
        return Err(Error::Invalid(
            "the device name must not be empty nor start or end with spaces".into(),
        ));
    }
    if device.chars().count() > MAX_ID_CHARS || device.chars().any(char::is_control) {
        return Err(Error::Invalid(format!(
            "the device name must be at most {MAX_ID_CHARS} characters, without control characters"
        )));
    }
    Ok(())
}

/// Issues a new token for `device`, creating the device when it is new. A device may hold
/// several tokens (issue the new one, then revoke the old by id).
pub async fn issue_token(database_url: &str, device: &str) -> Result<IssuedToken, Error> {
    check_device_name(device)?;
    let token = generate()?;
    let mut client = connect(database_url).await?;
    let tx = client.transaction().await?;
    let device_id: i64 = tx
        .query_one(
            "INSERT INTO device (name) VALUES ($1)
             ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name
             RETURNING id",
            &[&device],
        )
        .await?
        .get(0);
    let id: i64 = tx
        .query_one(
            "INSERT INTO device_token (device_id, token_sha256) VALUES ($1, $2) RETURNING id",
            &[&device_id, &hash(&token)],
        )
        .await?
        .get(0);
    tx.commit().await?;
    Ok(IssuedToken {
        id,
        device: device.to_owned(),
        token,
    })
}

/// Revokes tokens; returns how many were active and are revoked now. Unknown devices and ids
/// are an error; revoking a revoked token again changes nothing and returns 0.
pub async fn revoke_tokens(database_url: &str, by: &RevokeBy) -> Result<u64, Error> {
    let client = connect(database_url).await?;
    let (known, revoked) = match by {
        RevokeBy::Device(name) => {
            let known = client
                .query_opt("SELECT 1 FROM device WHERE name = $1", &[name])
                .await?
                .is_some();
            let revoked = client
                .execute(
                    "UPDATE device_token SET revoked_at = now()
                     WHERE revoked_at IS NULL
                       AND device_id = (SELECT id FROM device WHERE name = $1)",
                    &[name],
                )
                .await?;
            (known, revoked)
        }
        RevokeBy::Id(id) => {
            let known = client
                .query_opt("SELECT 1 FROM device_token WHERE id = $1", &[id])
                .await?
                .is_some();
            let revoked = client
                .execute(
                    "UPDATE device_token SET revoked_at = now()
                     WHERE revoked_at IS NULL AND id = $1",
                    &[id],
                )
                .await?;
            (known, revoked)
        }
    };
    if !known {
        return Err(Error::Invalid(match by {
            RevokeBy::Device(name) => format!("no device is named {name:?}"),
            RevokeBy::Id(id) => format!("no token has the id {id}"),
        }));
    }
    Ok(revoked)
}

/// Every token ever issued, oldest first.
pub async fn list_tokens(database_url: &str) -> Result<Vec<TokenInfo>, Error> {
    let client = connect(database_url).await?;
    let rows = client
        .query(
            "SELECT t.id, d.name, t.created_at, t.revoked_at
             FROM device_token t JOIN device d ON d.id = t.device_id
             ORDER BY t.id",
            &[],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|row| TokenInfo {
            id: row.get(0),
            device: row.get(1),
            created_at: row.get(2),
            revoked_at: row.get(3),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_are_plausible_and_distinct() {
        let a = generate().expect("token");
        let b = generate().expect("token");
        assert!(plausible(&a), "{a}");
        assert_ne!(a, b);
        assert_eq!(hash(&a).len(), 32);
        assert!(!plausible("sbk_short"));
        assert!(!plausible(&a.replace("sbk_", "xyz_")));
        assert!(!plausible(&format!("{}!", &a[..a.len() - 1])));
    }

    #[test]
    fn device_names_are_checked() {
        assert!(check_device_name("laptop-7").is_ok());
        assert!(check_device_name("현장 노트북 1").is_ok());
        assert!(check_device_name("").is_err());
        assert!(check_device_name(" padded").is_err());
        assert!(check_device_name("tab\there").is_err());
        assert!(check_device_name(&"x".repeat(MAX_ID_CHARS + 1)).is_err());
    }
}
