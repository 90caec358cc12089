//! The device a request authenticated as.

use std::sync::Arc;

/// The device a request authenticated as.
#[derive(Debug, Clone)]
pub(crate) struct Device {
    pub id: i64,
    pub name: Arc<str>,
}
