//! The sync token lives in the OS credential store (macOS Keychain, Windows Credential
//! Manager, the Secret Service on Linux), under the app's identifier and the server URL; never
//! in the database or a configuration file. `SUBSTATION_SYNC_TOKEN` overrides it, for servers
//! and CI that have no credential store.

use crate::SyncError;

/// The credential store's service name: the app's identifier.
pub const KEYRING_SERVICE: &str = substation_store::APP_IDENTIFIER;
/// A token in the environment wins over the credential store (headless machines, CI).
pub const TOKEN_ENV: &str = "SUBSTATION_SYNC_TOKEN";

/// The credential store's user name for a server: its URL without a trailing slash.
pub fn account(server: &str) -> String {
    server.trim().trim_end_matches('/').to_owned()
}

fn entry(server: &str) -> Result<keyring::Entry, SyncError> {
    keyring::Entry::new(KEYRING_SERVICE, &account(server)).map_err(keyring_error)
}

fn keyring_error(error: keyring::Error) -> SyncError {
    SyncError::Keyring(error.to_string())
}

/// The token for `server`: `SUBSTATION_SYNC_TOKEN` if set, else the credential store's.
pub fn load_token(server: &str) -> Result<String, SyncError> {
    if let Some(token) = std::env::var(TOKEN_ENV)
        .ok()
        .filter(|t| !t.trim().is_empty())
    {
        return Ok(token.trim().to_owned());
    }
    match entry(server)?.get_password() {
        Ok(token) => Ok(token),
        Err(keyring::Error::NoEntry) => Err(SyncError::NoToken(account(server))),
        Err(error) => Err(keyring_error(error)),
    }
}

/// Stores the token for `server` in the credential store.
pub fn store_token(server: &str, token: &str) -> Result<(), SyncError> {
    let token = token.trim();
    if token.is_empty() {
        return Err(SyncError::Usage("the token is empty".into()));
    }
    entry(server)?.set_password(token).map_err(keyring_error)
}

/// Removes the token for `server`; `false` when there was none.
pub fn delete_token(server: &str) -> Result<bool, SyncError> {
    match entry(server)?.delete_credential() {
        Ok(()) => Ok(true),
        Err(keyring::Error::NoEntry) => Ok(false),
        Err(error) => Err(keyring_error(error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_account_is_the_url_without_its_trailing_slash() {
        assert_eq!(
            account(" https://sync.example/ "),
            "https://sync.example".to_owned()
        );
    }

    #[test]
    fn the_mock_store_keeps_a_token_per_entry_and_refuses_empty_ones() {
        keyring::set_default_credential_builder(keyring::mock::default_credential_builder());
        // The mock keeps a credential per Entry value (not per service and user), so the
        // round trip is checked on one entry; the functions above are thin over it.
        let entry = entry("https://sync.example/").expect("entry");
        assert!(matches!(entry.get_password(), Err(keyring::Error::NoEntry)));
        entry.set_password("t0ken").expect("set");
        assert_eq!(entry.get_password().expect("get"), "t0ken");
        entry.delete_credential().expect("delete");
        assert!(matches!(entry.get_password(), Err(keyring::Error::NoEntry)));
        assert!(store_token("https://sync.example", "  ").is_err());
        assert!(
            !delete_token("https://sync.example").expect("nothing to delete"),
            "a fresh mock entry has no credential"
        );
    }
}
