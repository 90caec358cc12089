//! Server URLs: https, or plain http to this computer only.

use crate::SyncError;

/// A URL's host is this computer: plain http may go there, and compressing a body for it costs
/// more than it saves.
pub fn is_loopback(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => bare.eq_ignore_ascii_case("localhost"),
    }
}

/// Parses a server URL: https, or http to the loopback only.
pub fn check_url(text: &str) -> Result<reqwest::Url, SyncError> {
    let url = reqwest::Url::parse(text.trim())
        .map_err(|e| SyncError::BadUrl(format!("{text} is not a URL: {e}")))?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err(SyncError::BadUrl(format!("{text} names no host")));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(SyncError::Insecure(
            url.host_str().unwrap_or_default().to_owned(),
        )),
        other => Err(SyncError::BadUrl(format!(
            "{text}: the scheme must be https, not {other}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ServerConfig, SyncClient};

    #[test]
    fn plain_http_goes_only_to_this_computer() {
        for ok in [
            "https://sync.example.org",
            "https://10.1.2.3:8443/base/",
            "http://127.0.0.1:8080",
            "http://127.8.9.10",
            "http://[::1]:9000",
            "http://localhost:3000/",
            "http://LOCALHOST",
        ] {
            assert!(check_url(ok).is_ok(), "{ok}");
        }
        for insecure in [
            "http://sync.example.org",
            "http://10.0.0.5",
            "http://[::2]",
            "http://localhost.example.org",
            "http://128.0.0.1",
        ] {
            assert!(
                matches!(check_url(insecure), Err(SyncError::Insecure(_))),
                "{insecure}"
            );
        }
        for bad in ["ftp://sync.example.org", "sync.example.org", ""] {
            assert!(matches!(check_url(bad), Err(SyncError::BadUrl(_))), "{bad}");
        }
        assert_eq!(
            SyncClient::new(ServerConfig::new("http://example.org", "t"))
                .err()
                .map(|e| e.code().to_owned()),
            Some("insecure_server_url".into())
        );
    }
}
