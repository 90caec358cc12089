//! The sync protocol version a request speaks: checked once by the API's guard, read by the
//! handlers whose answers differ between versions.

use axum::http::HeaderMap;
use substation_sync_protocol::{OLDEST_PROTOCOL_VERSION, PROTOCOL_VERSION, VERSION_HEADER};

/// The protocol version a request speaks, once checked (by the API guard).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Version(pub u32);

/// The version a client asked for, if this service speaks it.
pub(crate) fn spoken(headers: &HeaderMap) -> Option<u32> {
    headers
        .get(VERSION_HEADER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|v| (OLDEST_PROTOCOL_VERSION..=PROTOCOL_VERSION).contains(v))
}
