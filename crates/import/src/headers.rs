//! Header recognition (being written).
