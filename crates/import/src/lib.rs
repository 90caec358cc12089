//! Workbook import: laboratory DGA workbooks (xlsx, xlsm, xlsb, xls, ods, csv) in, typed
//! assets and samples plus row-level issues out. Pure of any store: the caller decides where
//! the result goes.

pub mod error;
mod fold;
pub mod headers;
pub mod import;
pub mod issue;
pub mod memory;
mod outcome;
pub mod sink;
pub mod source;
pub mod template;
pub mod typed;
pub mod values;
pub mod write;

pub use error::ImportError;
pub use import::{
    BlankColumn, BlankGasChoice, BlankGasReport, Import, ImportOptions, ImportedSample, Progress,
    SheetMapping, SheetRole, Summary, import_file, import_into,
};
pub use issue::{Issue, Severity};
pub use memory::MappingMemory;
pub use sink::SampleSink;
pub use source::{Format, TextEncoding};
pub use values::BlankGas;
pub use write::{WriteFileError, replace_file};
