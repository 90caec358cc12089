//! Cell value parsing (being written).
