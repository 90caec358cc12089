//! Dissolved-gas analysis (DGA) of transformer oil: domain types, diagnosis methods and the
//! diagnosis contract that every engine speaks.
//!
//! The crate is pure: no I/O, no clock, no global state besides the built-in limit tables.
//! [`contract::diagnose`] is the embedded engine; the Lambda function wraps the same call.

pub mod answer;
pub mod consensus;
pub mod contract;
pub mod domain;
pub mod evaluation;
pub mod gas;
pub mod geometry;
pub mod layout;
pub mod limits;
pub mod logbook;
pub mod methods;
pub mod numeric;
pub mod readout;
pub mod restart;

pub use answer::{Answer, ContractAnswerError, ProfileRef, Summary};
pub use consensus::{ActionKind, Fault, Severity};
pub use contract::{
    CONTRACT_VERSION, Diagnosis, DiagnosisError, DiagnosisOptions, DiagnosisRequest, ENGINE_NAME,
    ENGINE_VERSION, Envelope, ErrorBody, ResponseKeys, diagnose, handle_json, handle_value,
};
pub use domain::{Asset, History, HistoryError, OilPreservation, Sample};
pub use gas::{Gas, GasReadings, GasValue};
pub use logbook::{LogEntry, LogEvent, LogProblem, SampleSource};
pub use restart::{OilProcessing, OilTreatment};
