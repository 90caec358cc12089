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

/// For tests that need the real OS credential store: whether there is one. Windows' Credential
/// Manager and macOS's Keychain always are; on Linux `scripts/with-keyring` runs a Secret
/// Service and sets `SUBSTATION_KEYRING=1`. Without one the test should skip, which this
/// says on stderr, unless `SUBSTATION_REQUIRE_KEYRING=1` (as `scripts/test` and the Windows and
/// macOS CI set): then it panics. (Under Wine, whose credential store does not give back what
/// it keeps, `scripts/windows-tests` leaves these tests out and says so.)
#[doc(hidden)]
pub fn real_store_for_tests() -> bool {
    if cfg!(any(windows, target_os = "macos"))
        || std::env::var("SUBSTATION_KEYRING").as_deref() == Ok("1")
    {
        return true;
    }
    let hint = "no OS credential store here: run under scripts/with-keyring";
    if std::env::var("SUBSTATION_REQUIRE_KEYRING").as_deref() == Ok("1") {
        panic!("SUBSTATION_REQUIRE_KEYRING=1 but {hint}");
    }
    eprintln!("note: skipping: {hint}");
    false
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

    /// Against the real OS store: on Linux the Secret Service that `scripts/with-keyring` runs
    /// (a GNOME Keyring on a private session bus; scripts/test runs the tests so, and then
    /// requires it), the Credential Manager on Windows, the Keychain on macOS.
    #[test]
    fn the_os_credential_store_keeps_replaces_and_forgets_a_token() {
        if !real_store_for_tests() {
            return;
        }
        if std::env::var(TOKEN_ENV).is_ok() {
            eprintln!("note: skipping: {TOKEN_ENV} is set and would win over the store");
            return;
        }
        let server = format!("https://{}.keyring-test.example/", uuid::Uuid::new_v4());
        assert!(matches!(load_token(&server), Err(SyncError::NoToken(_))));
        store_token(&server, " first-token ").expect("store");
        // A new entry (as a new process would make) finds it, under the URL's one spelling.
        assert_eq!(
            load_token(server.trim_end_matches('/')).expect("load"),
            "first-token"
        );
        store_token(&server, "second-token").expect("replace");
        assert_eq!(load_token(&server).expect("load"), "second-token");
        assert!(delete_token(&server).expect("delete"));
        assert!(matches!(load_token(&server), Err(SyncError::NoToken(_))));
        assert!(!delete_token(&server).expect("nothing left to delete"));
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
