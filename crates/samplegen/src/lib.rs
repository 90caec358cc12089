//! Realistic sample DGA workbooks for Substation Bulk: a clean fleet, a Korean lab export,
//! a deliberately messy workbook and large synthetic workbooks for benchmarks. Every
//! generator is deterministic: the same seed writes the same bytes.

pub mod big;
pub mod fault;
pub mod fleet;
pub mod gases;
pub mod korean;
pub mod messy;
pub mod model;
pub mod names;
pub mod xlsx;
