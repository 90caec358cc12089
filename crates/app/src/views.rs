//! What the UI receives: shaped for the screens, typed in TypeScript from these definitions
//! (see `bindings`). Dates are ISO `YYYY-MM-DD` text; counts are plain numbers.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::ErrorCode;
use crate::settings::{EngineChoice, Settings};

/// What the UI needs to know at start.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AppInfo {
    pub version: String,
    pub data_dir: String,
    /// Where the desktop app writes its log files (a rolling file a day), when it keeps them.
    pub log_dir: Option<String>,
    pub database: String,
    /// The bundled sample fleet, when the app has one.
    pub sample_fleet: Option<String>,
    /// The operating system's language, `en` or `ko`, for `Language::Auto`.
    pub system_language: String,
    /// Set when the settings file could not be read and defaults are in use.
    pub settings_problem: Option<String>,
    pub settings: Settings,
    /// Transformers already in the local cache.
    pub cached_assets: u32,
    /// The workbook the app was launched with ("Open with", or a command-line argument), to
    /// open at once.
    pub open_on_start: Option<String>,
}

/// Reading a workbook: how far it got.
#[derive(Debug, Clone, Serialize, TS)]
pub struct OpenProgress {
    pub sheet: String,
    pub rows_read: u32,
}

/// One import issue, located as Excel shows it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct IssueView {
    /// `error` (the row was left out) or `warning`.
    pub severity: String,
    /// The transformer whose stored sample came from this row, when one did (a warning's row
    /// is imported; an error's row is left out).
    pub asset_id: Option<String>,
    pub code: String,
    pub sheet: String,
    pub row: Option<u32>,
    pub column: Option<String>,
    pub header: Option<String>,
    pub raw: Option<String>,
    pub message_en: String,
    pub message_ko: String,
}

/// How one sheet was read.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SheetView {
    pub name: String,
    /// `assets`, `samples` or `ignored`.
    pub role: String,
    pub header_row: Option<u32>,
    /// (column letter, header, field key) of each mapped column.
    pub columns: Vec<MappedColumnView>,
    pub unrecognised: Vec<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct MappedColumnView {
    pub column: String,
    pub header: String,
    pub field: String,
}

/// A workbook opened and stored in the cache as one import.
#[derive(Debug, Clone, Serialize, TS)]
pub struct OpenedWorkbook {
    pub batch_id: Option<i64>,
    pub file_name: String,
    pub path: String,
    pub format: String,
    pub assets: u32,
    pub samples: u32,
    pub first_sample: Option<String>,
    pub last_sample: Option<String>,
    pub rows_read: u32,
    pub rows_left_out: u32,
    pub duplicates_merged: u32,
    pub errors: u32,
    pub warnings: u32,
    /// The first issues (errors first); `issues` pages through all of them.
    pub issues: Vec<IssueView>,
    pub issues_total: u32,
    pub sheets: Vec<SheetView>,
    /// Nothing usable was found: the header-mapping assistant should open.
    pub needs_mapping: bool,
    /// What blank gas cells were read as: `not_measured` or `not_detected`.
    pub blank_gas: String,
    /// Who chose: `default`, `remembered` (an earlier choice for this header row) or `option`.
    pub blank_gas_chosen_by: String,
    /// Gas columns with blank cells beside values (the ones the choice decides).
    pub blank_gas_columns: Vec<BlankColumnView>,
    /// What the cache gained.
    pub assets_new: u32,
    pub samples_new: u32,
    pub samples_updated: u32,
    pub millis: u32,
}

/// A gas column with blank cells beside values.
#[derive(Debug, Clone, Serialize, TS)]
pub struct BlankColumnView {
    pub sheet: String,
    pub column: String,
    pub header: String,
    pub gas: String,
    pub blank: u32,
    pub values: u32,
}

/// A field the header-mapping assistant offers.
#[derive(Debug, Clone, Serialize, TS)]
pub struct FieldChoice {
    pub key: String,
    pub label_en: String,
    pub label_ko: String,
    pub required_for_samples: bool,
}

/// The user's mapping of a header to a field (the assistant's answer).
#[derive(Debug, Clone, Deserialize, TS)]
pub struct HeaderChoice {
    pub header: String,
    pub field: String,
}

/// Which transformers the fleet table shows.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(default)]
pub struct FleetFilter {
    /// Only the transformers of this import.
    pub batch_id: Option<i64>,
    pub search: Option<String>,
    pub substation: Option<String>,
    /// IEEE status 1–3, or 0 for the transformers not diagnosed yet.
    pub status: Option<u8>,
    pub fault: Option<String>,
    /// `worst` (default: severity, status, then id), `id`, `name`, `substation`, `date`.
    pub sort: Option<String>,
    /// The sort reversed: best first, Z to A, oldest first.
    #[serde(default)]
    pub reverse: bool,
    pub offset: u32,
    pub limit: u32,
}

/// One row of the fleet table.
#[derive(Debug, Clone, Serialize, TS)]
pub struct FleetRowView {
    pub asset_id: String,
    pub name: Option<String>,
    pub substation: Option<String>,
    pub latest_sample: Option<String>,
    pub ieee_status: Option<u8>,
    pub iec_state: Option<String>,
    pub fault: Option<String>,
    pub severity: Option<String>,
    pub diagnosed_at: Option<String>,
    /// A team's own function's result (read through its profile): its own fault label, the
    /// number its severity came from, its headline, the profile's name. `None` for the
    /// built-in contract.
    pub fault_label: Option<String>,
    pub score: Option<f64>,
    pub headline: Option<String>,
    pub profile: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct FleetPage {
    pub rows: Vec<FleetRowView>,
    pub total: u32,
    pub offset: u32,
    /// Transformers per IEEE status 1, 2 and 3 over the whole filter (not only this page), then
    /// those with no diagnosis yet, then those diagnosed without an IEEE status (by a team's
    /// own function).
    pub status_counts: [u32; 5],
}

/// A transformer's nameplate.
#[derive(Debug, Clone, Serialize, TS)]
pub struct NameplateView {
    pub id: String,
    pub name: Option<String>,
    pub substation: Option<String>,
    pub manufacturer: Option<String>,
    pub year_of_manufacture: Option<i32>,
    pub rated_kv: Option<f64>,
    pub rated_mva: Option<f64>,
    pub oil_volume_litres: Option<f64>,
    pub oil_preservation: Option<String>,
    pub communicating_oltc: Option<bool>,
}

/// One gas value in a sample: measured ppm, below detection (with its limit), or absent.
#[derive(Debug, Clone, Serialize, TS)]
pub struct GasCell {
    pub ppm: Option<f64>,
    pub below_detection: bool,
}

/// One sample row of the gas history.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SampleView {
    pub date: String,
    /// In the order of `AssetView::gases`.
    pub gases: Vec<GasCell>,
    pub sheet: String,
    pub row: u32,
}

/// Where a sample falls on Duval Triangle 1 and Pentagon 1.
#[derive(Debug, Clone, Serialize, TS)]
pub struct DuvalPoint {
    pub date: String,
    /// %CH4, %C2H4, %C2H2.
    pub triangle_1: Option<[f64; 3]>,
    pub triangle_1_zone: Option<String>,
    /// Pentagon centroid (x, y).
    pub pentagon_1: Option<[f64; 2]>,
    pub pentagon_1_zone: Option<String>,
}

/// A gas's IEEE C57.104-2019 limits for this transformer (from its latest diagnosis).
#[derive(Debug, Clone, Serialize, TS)]
pub struct GasLimitView {
    pub gas: String,
    pub table1_ppm: f64,
    pub table2_ppm: f64,
    pub status: u8,
    pub rate_ppm_per_year: Option<f64>,
}

/// A rule that fired, and why.
#[derive(Debug, Clone, Serialize, TS)]
pub struct FindingView {
    pub code: String,
    pub gas: Option<String>,
    pub message: String,
}

/// The rules that fired about one gas (or, with `gas` empty, about the whole sample): the
/// transformer view shows one line per gas, its worst finding, and opens to the rest.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RuleGroupView {
    pub gas: Option<String>,
    pub worst: FindingView,
    /// The others, most alarming first.
    pub others: Vec<FindingView>,
}

/// A diagnosis explained.
#[derive(Debug, Clone, Serialize, TS)]
pub struct DiagnosisView {
    pub engine: String,
    pub latest_sample: String,
    pub samples_used: u32,
    pub fault: String,
    pub fault_description: String,
    pub severity: String,
    pub fault_suspected: bool,
    pub paper_involved: bool,
    pub ieee_status: u8,
    pub iec_state: String,
    pub tdcg_condition: u8,
    /// The recommended action in one sentence, and its machine form.
    pub action: String,
    pub action_code: String,
    pub resample_within_days: u32,
    pub expert_review: bool,
    /// The method whose reading is the fault (e.g. `duval_triangle_1`), when one is.
    pub decided_by: Option<String>,
    pub agreeing: Vec<String>,
    /// Methods naming one part of a mixed fault.
    pub partly_agreeing: Vec<String>,
    pub disagreeing: Vec<String>,
    /// Each disagreeing method and why the consensus did not follow it (English).
    pub overruled: Vec<(String, String)>,
    /// Who made the call, who agrees, who disagrees and why, in one English line.
    pub verdict_line: Option<String>,
    /// The consensus rules first, then each method's findings.
    pub rules: Vec<FindingView>,
    /// The same rules grouped by gas, the most alarming gas first, the whole sample's last
    /// (`substation_dga::readout::rules_by_gas`, as the report prints them).
    pub rule_groups: Vec<RuleGroupView>,
    /// Each method's verdict in one line: (method, result).
    pub methods: Vec<(String, String)>,
}

/// One diagnosis in the history of a transformer.
#[derive(Debug, Clone, Serialize, TS)]
pub struct HistoryEntry {
    pub id: i64,
    pub run_id: i64,
    pub created_at: String,
    pub latest_sample: Option<String>,
    pub ieee_status: Option<u8>,
    pub fault: Option<String>,
    pub severity: Option<String>,
}

/// Everything the transformer view shows.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AssetView {
    pub nameplate: NameplateView,
    /// Column order of `SampleView::gases`.
    pub gases: Vec<String>,
    pub samples: Vec<SampleView>,
    pub duval: Vec<DuvalPoint>,
    /// IEEE limits for the trend charts.
    pub limits: Vec<GasLimitView>,
    /// The latest stored diagnosis, explained.
    pub diagnosis: Option<DiagnosisView>,
    /// The latest stored answer when a team's own function made it (then `diagnosis` is
    /// absent): the summary its profile read and the answer as it came.
    pub answer: Option<CustomAnswerView>,
    /// A diagnosis computed now by the embedded engine, when none is stored yet: the preview
    /// is useful before any run.
    pub preview: Option<DiagnosisView>,
    pub history: Vec<HistoryEntry>,
    /// The logbook, newest first.
    pub log: Vec<LogEntryView>,
    /// The latest oil processing: the diagnosis uses only the samples since (trend charts
    /// mark it).
    pub oil_processed: Option<OilProcessedView>,
}

/// One logbook entry, for the transformer view.
#[derive(Debug, Clone, Serialize, TS)]
pub struct LogEntryView {
    pub uuid: String,
    /// YYYY-MM-DD.
    pub date: String,
    /// `sample`, `oil_processed`, `inspection`, `repair`, `resample_requested`, `note`.
    pub kind: String,
    pub author: String,
    pub text: String,
    /// A sample's source (`lab`, `portable`); an oil processing's treatment (`degassed`,
    /// `filtered`, `replaced`).
    pub detail: Option<String>,
    /// A typed-in sample's readings, in the order of `AssetView::gases`.
    pub gases: Option<Vec<GasCell>>,
    pub created_at: String,
    /// The laptop it came from through sync.
    pub origin: Option<String>,
}

/// The oil processing a transformer's history restarts at.
#[derive(Debug, Clone, Serialize, TS)]
pub struct OilProcessedView {
    pub date: String,
    pub treatment: String,
}

/// A logbook entry to add, from the transformer view's form.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct NewLogEntry {
    pub asset_id: String,
    /// YYYY-MM-DD.
    pub date: String,
    pub kind: String,
    pub author: String,
    #[serde(default)]
    pub text: String,
    /// For `oil_processed`: `degassed`, `filtered` or `replaced`.
    #[serde(default)]
    pub treatment: Option<String>,
    /// For `sample`: `lab` or `portable`.
    #[serde(default)]
    pub source: Option<String>,
    /// For `sample`: (gas code as in `AssetView::gases`, what was typed), e.g. ("C2H2", "<0.5").
    #[serde(default)]
    pub gases: Vec<(String, String)>,
}

/// A team's own function's answer, for the transformer view.
#[derive(Debug, Clone, Serialize, TS)]
pub struct CustomAnswerView {
    pub summary: crate::profiles::SummaryView,
    /// The answer as the function gave it, JSON text (its keys in their order).
    pub answer_json: String,
    pub diagnosed_at: String,
}

/// Zone outlines for drawing the Duval plots; same lines the engine classifies with.
#[derive(Debug, Clone, Serialize, TS)]
pub struct DuvalZones {
    /// (zone, vertices as %CH4, %C2H4, %C2H2).
    pub triangle_1: Vec<(String, Vec<[f64; 3]>)>,
    /// (zone, vertices as x, y).
    pub pentagon_1: Vec<(String, Vec<[f64; 2]>)>,
    pub pentagon_outline: Vec<[f64; 2]>,
}

/// An import as listed in the history.
#[derive(Debug, Clone, Serialize, TS)]
pub struct BatchView {
    pub id: i64,
    pub file_name: String,
    pub imported_at: String,
    pub assets: u32,
    pub samples_new: u32,
    /// The laptop that imported it, for samples pulled from the central service; empty for an
    /// import made here.
    pub origin: Option<String>,
}

/// A run as listed in the history.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RunView {
    pub id: i64,
    /// The import the run diagnosed; empty when it covered the whole cache.
    pub batch_id: Option<i64>,
    pub engine: String,
    pub state: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub assets: u32,
    pub succeeded: u32,
    pub failed: u32,
    pub reused: u32,
    /// What the run still owes (no result yet): a resume dispatches only these.
    pub owed: u32,
    /// The laptop that made the run, for diagnoses pulled from the central service (always
    /// finished, owing nothing, never resumed here); empty for a run made here.
    pub origin: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct CacheHistory {
    pub batches: Vec<BatchView>,
    pub runs: Vec<RunView>,
    pub outbox_pending: u32,
    /// Transformers in the cache now.
    pub cached_assets: u32,
}

/// What to diagnose.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct RunRequest {
    /// One import's transformers; empty for the whole cache.
    pub batch_id: Option<i64>,
    /// Retry a run: dispatch only what it still owes.
    pub resume_run: Option<i64>,
    /// Override the engine in the settings for this run.
    pub engine: Option<EngineChoice>,
    /// One transformer (after a logbook entry changed its history).
    #[serde(default)]
    pub asset_id: Option<String>,
    pub concurrency: Option<u32>,
    /// Reuse a stored diagnosis of an identical request.
    #[serde(default)]
    pub reuse: bool,
}

/// Live counts of a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
pub struct RunCounts {
    pub total: u32,
    pub queued: u32,
    pub in_flight: u32,
    pub done: u32,
    pub failed: u32,
    pub retried: u32,
    pub throttled: u32,
    pub limit: u32,
    pub per_second: f64,
    pub eta_seconds: Option<f64>,
}

/// One transformer's outcome as it lands.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AssetOutcome {
    pub asset_id: String,
    pub ieee_status: Option<u8>,
    pub iec_state: Option<String>,
    pub fault: Option<String>,
    pub severity: Option<String>,
    /// A team's own function's fault label, and the profile that read it (absent for the
    /// built-in contract).
    pub fault_label: Option<String>,
    pub profile: Option<String>,
    pub headline: Option<String>,
    pub score: Option<f64>,
    pub error_code: Option<ErrorCode>,
    pub error: Option<String>,
}

/// What a run streams to the UI, coalesced to about ten messages a second.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RunEvent {
    /// The latest counts and the outcomes that landed since the previous message.
    Progress {
        counts: RunCounts,
        outcomes: Vec<AssetOutcome>,
    },
    Finished {
        summary: RunSummary,
    },
}

/// How a run ended.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RunSummary {
    pub run_id: i64,
    /// `finished`, `cancelled` or `stopped` (a fault no transformer could get past).
    pub ending: String,
    pub assets: u32,
    pub diagnosed: u32,
    pub reused: u32,
    pub failed: u32,
    pub not_run: u32,
    pub seconds: f64,
    /// Why the run stopped, when it did.
    pub stop: Option<StopReason>,
}

/// The failure that stopped a run: no transformer could get past it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct StopReason {
    pub code: ErrorCode,
    /// The engine's own words (English).
    pub message: String,
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Xlsx,
    Csv,
}

/// A PDF report written.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ReportResult {
    pub path: String,
    pub pages: u32,
    pub transformers: u32,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct ExportResult {
    pub path: String,
    pub rows: u32,
}

/// Where sync with the central service stands, read from the cache (works offline).
#[derive(Debug, Clone, Serialize, TS)]
pub struct SyncStatusView {
    /// The server in the settings; `None` when sync is not set up.
    pub server: Option<String>,
    /// A token for that server is in the credential store.
    pub has_token: bool,
    /// Why the credential store could not be asked, when it could not.
    pub token_problem: Option<crate::error::ErrorView>,
    pub automatic: bool,
    /// A sync is going now (Sync now, or the background one).
    pub running: bool,
    /// Changes not delivered yet.
    pub pending: u32,
    /// Batches sent but not answered yet: resent first by the next sync.
    pub open_batches: u32,
    pub delivered: u32,
    pub rejected_count: u32,
    /// The oldest rejected changes, with the service's reasons.
    pub rejected: Vec<RejectedItemView>,
    pub last_success_at: Option<String>,
    pub last_error: Option<String>,
    pub last_error_at: Option<String>,
    /// The code of the last sync's error since the app started (`sync.server_unreachable`
    /// means offline, the normal state of a field laptop, not a fault); `None` after a success.
    pub last_error_code: Option<ErrorCode>,
}

/// A change the service refused.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RejectedItemView {
    /// The outbox row, to queue it again ([`crate::App::requeue_rejected`]).
    pub id: i64,
    /// `asset`, `samples` or `diagnosis`.
    pub entity: String,
    /// Which one: the transformer's id, or the diagnosis's.
    pub key: String,
    pub reason: String,
}

/// What a sync streams to the UI.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SyncEvent {
    Progress {
        /// `push` (uploading) or `pull` (bringing in other laptops' diagnoses).
        phase: String,
        pending_at_start: u32,
        pending: u32,
        sent: u32,
        rejected: u32,
        pulled: u32,
        /// Waiting this long before trying again…
        waiting_seconds: Option<f64>,
        /// …because the last attempt failed so.
        retry_reason: Option<String>,
    },
    Finished {
        summary: SyncSummary,
    },
    /// The sync stopped early; what it stored stays stored, and the next one resumes.
    Failed {
        error: crate::error::ErrorView,
    },
}

/// What a sync did.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SyncSummary {
    /// Changes the service answered (applied, already there, or rejected).
    pub sent: u32,
    pub applied: u32,
    /// Changes the service had already (an earlier answer was lost on the way).
    pub duplicate: u32,
    pub rejected: u32,
    /// Changes from other laptops brought into the cache.
    pub pulled: u32,
    /// Changes still waiting (0 after a complete sync).
    pub pending: u32,
    /// Attempts that failed and were retried.
    pub retries: u32,
    pub seconds: f64,
}
