//! Workbook import: laboratory DGA workbooks in, typed assets and samples plus row-level
//! issues out.

pub mod headers;
pub mod values;
