// Generated from crates/app by `UPDATE_BINDINGS=1 cargo test -p substation-app bindings`.
// Do not edit by hand.

/** Every code, for the UI's tests. */
export const ERROR_CODES: readonly ErrorCode[] = [
  "no_such_asset",
  "run_in_progress",
  "unsupported_file",
  "export_name",
  "unreadable_file",
  "invalid_settings",
  "write_failed",
  "file_in_use",
  "file_read_only",
  "no_sync_server",
  "no_sync_token",
  "sync_in_progress",
  "internal",
  "import.file_unreadable",
  "import.file_too_large",
  "import.file_encrypted",
  "import.not_a_workbook",
  "import.sheet_unreadable",
  "import.mapping_invalid",
  "import.workbook_unmapped",
  "import.cancelled",
  "store.database_unopenable",
  "store.database_too_new",
  "store.database_migration_failed",
  "store.database_error",
  "store.database_corrupt_json",
  "store.database_writer_stopped",
  "store.invalid_store_request",
  "store.profile_in_use",
  "store.no_such_asset",
  "store.invalid_log_entry",
  "store.sample_date_taken",
  "store.import_abandoned",
  "bad_gas_reading",
  "bad_date",
  "report.no_such_asset",
  "report.empty_selection",
  "report.no_korean_font",
  "report.font_unusable",
  "report.layout",
  "report.pdf_unwritable",
  "run.no_such_run",
  "run.no_such_batch",
  "run.engine_changed",
  "run.internal",
  "sync.bad_server_url",
  "sync.insecure_server_url",
  "sync.unauthorized",
  "sync.forbidden",
  "sync.request_refused",
  "sync.server_error",
  "sync.server_unreachable",
  "sync.bad_answer",
  "sync.protocol_version_mismatch",
  "sync.cancelled",
  "sync.no_token",
  "sync.credential_store_unavailable",
  "sync.http_client_unavailable",
  "sync.usage",
  "profile.profile_format",
  "profile.profile_filter",
  "profile.profile_invalid",
  "profile.profile_too_large",
  "profile.no_such_profile",
  "engine.no_function",
  "engine.no_region",
  "engine.no_credentials",
  "engine.request_too_large",
  "engine.throttled",
  "engine.function_not_found",
  "engine.function_misconfigured",
  "engine.access_denied",
  "engine.service_error",
  "engine.lambda_refused",
  "engine.timeout",
  "engine.request_not_sent",
  "engine.connection",
  "engine.request_not_built",
  "engine.unknown",
  "engine.function_error",
  "engine.malformed_response",
  "engine.unsupported_contract_version",
  "engine.request_transform_failed",
  "engine.internal",
  "engine.not_called",
  "engine.malformed_request",
  "engine.invalid_request",
  "engine.invalid_limits",
  "engine.no_sample_since_oil_processed",
  "engine.answer_not_json",
  "engine.no_samples",
  "engine.function_refused",
  "engine.answer_missing_field",
  "engine.answer_unexpected_value",
  "engine.answer_filter_failed",
];

export type ErrorCode = "no_such_asset" | "run_in_progress" | "unsupported_file" | "export_name" | "unreadable_file" | "invalid_settings" | "write_failed" | "file_in_use" | "file_read_only" | "no_sync_server" | "no_sync_token" | "sync_in_progress" | "internal" | "import.file_unreadable" | "import.file_too_large" | "import.file_encrypted" | "import.not_a_workbook" | "import.sheet_unreadable" | "import.mapping_invalid" | "import.workbook_unmapped" | "import.cancelled" | "store.database_unopenable" | "store.database_too_new" | "store.database_migration_failed" | "store.database_error" | "store.database_corrupt_json" | "store.database_writer_stopped" | "store.invalid_store_request" | "store.profile_in_use" | "store.no_such_asset" | "store.invalid_log_entry" | "store.sample_date_taken" | "store.import_abandoned" | "bad_gas_reading" | "bad_date" | "report.no_such_asset" | "report.empty_selection" | "report.no_korean_font" | "report.font_unusable" | "report.layout" | "report.pdf_unwritable" | "run.no_such_run" | "run.no_such_batch" | "run.engine_changed" | "run.internal" | "sync.bad_server_url" | "sync.insecure_server_url" | "sync.unauthorized" | "sync.forbidden" | "sync.request_refused" | "sync.server_error" | "sync.server_unreachable" | "sync.bad_answer" | "sync.protocol_version_mismatch" | "sync.cancelled" | "sync.no_token" | "sync.credential_store_unavailable" | "sync.http_client_unavailable" | "sync.usage" | "profile.profile_format" | "profile.profile_filter" | "profile.profile_invalid" | "profile.profile_too_large" | "profile.no_such_profile" | "engine.no_function" | "engine.no_region" | "engine.no_credentials" | "engine.request_too_large" | "engine.throttled" | "engine.function_not_found" | "engine.function_misconfigured" | "engine.access_denied" | "engine.service_error" | "engine.lambda_refused" | "engine.timeout" | "engine.request_not_sent" | "engine.connection" | "engine.request_not_built" | "engine.unknown" | "engine.function_error" | "engine.malformed_response" | "engine.unsupported_contract_version" | "engine.request_transform_failed" | "engine.internal" | "engine.not_called" | "engine.malformed_request" | "engine.invalid_request" | "engine.invalid_limits" | "engine.no_sample_since_oil_processed" | "engine.answer_not_json" | "engine.no_samples" | "engine.function_refused" | "engine.answer_missing_field" | "engine.answer_unexpected_value" | "engine.answer_filter_failed";

export type ErrorView = { code: ErrorCode, message: string, message_ko: string | null, };

export type EngineChoice = "embedded" | "lambda";

export type Language = "auto" | "en" | "ko";

export type Settings = { engine: EngineChoice, 
/**
 * AWS named profile (SSO profiles included); empty for the default chain.
 */
aws_profile: string | null, aws_region: string | null, function_name: string, 
/**
 * The function profile Lambda runs call a team's own function through (the SHA-256 of
 * its file, kept in the local cache); empty for the built-in contract.
 */
function_profile: string | null, 
/**
 * A Lambda-compatible endpoint (a local emulator); empty for AWS itself.
 */
endpoint_url: string | null, 
/**
 * Calls in flight at once; empty for the engine's default (64 on Lambda, the core count
 * embedded).
 */
concurrency: number | null, 
/**
 * Seconds one call may take before it is abandoned (and retried once).
 */
timeout_seconds: number, language: Language, 
/**
 * Where the local cache lives; empty for the app-data folder.
 */
database_path: string | null, 
/**
 * The central service to sync with (`https://…`); empty for none. Its token is kept in
 * the OS credential store, never here.
 */
sync_server: string | null, 
/**
 * Sync by itself when a server and a token are set (at start, after each run and import,
 * and every few minutes); otherwise only on "Sync now".
 */
sync_automatically: boolean, };

export type AppInfo = { version: string, data_dir: string, 
/**
 * Where the desktop app writes its log files (a rolling file a day), when it keeps them.
 */
log_dir: string | null, database: string, 
/**
 * The bundled sample fleet, when the app has one.
 */
sample_fleet: string | null, 
/**
 * The operating system's language, `en` or `ko`, for `Language::Auto`.
 */
system_language: string, 
/**
 * Set when the settings file could not be read and defaults are in use.
 */
settings_problem: string | null, settings: Settings, 
/**
 * Transformers already in the local cache.
 */
cached_assets: number, 
/**
 * The workbook the app was launched with ("Open with", or a command-line argument), to
 * open at once.
 */
open_on_start: string | null, };

export type OpenProgress = { sheet: string, rows_read: number, };

export type IssueView = { 
/**
 * `error` (the row was left out) or `warning`.
 */
severity: string, 
/**
 * The transformer whose stored sample came from this row, when one did (a warning's row
 * is imported; an error's row is left out).
 */
asset_id: string | null, code: string, sheet: string, row: number | null, column: string | null, header: string | null, raw: string | null, message_en: string, message_ko: string, };

export type SheetView = { name: string, 
/**
 * `assets`, `samples` or `ignored`.
 */
role: string, header_row: number | null, 
/**
 * (column letter, header, field key) of each mapped column.
 */
columns: Array<MappedColumnView>, unrecognised: Array<string>, };

export type MappedColumnView = { column: string, header: string, field: string, };

export type BlankColumnView = { sheet: string, column: string, header: string, gas: string, blank: number, values: number, };

export type OpenedWorkbook = { batch_id: number | null, file_name: string, path: string, format: string, assets: number, samples: number, first_sample: string | null, last_sample: string | null, rows_read: number, rows_left_out: number, duplicates_merged: number, errors: number, warnings: number, 
/**
 * The first issues (errors first); `issues` pages through all of them.
 */
issues: Array<IssueView>, issues_total: number, sheets: Array<SheetView>, 
/**
 * Nothing usable was found: the header-mapping assistant should open.
 */
needs_mapping: boolean, 
/**
 * What blank gas cells were read as: `not_measured` or `not_detected`.
 */
blank_gas: string, 
/**
 * Who chose: `default`, `remembered` (an earlier choice for this header row) or `option`.
 */
blank_gas_chosen_by: string, 
/**
 * Gas columns with blank cells beside values (the ones the choice decides).
 */
blank_gas_columns: Array<BlankColumnView>, 
/**
 * What the cache gained.
 */
assets_new: number, samples_new: number, samples_updated: number, millis: number, };

export type FieldChoice = { key: string, label_en: string, label_ko: string, required_for_samples: boolean, };

export type HeaderChoice = { header: string, field: string, };

export type FleetFilter = { 
/**
 * Only the transformers of this import.
 */
batch_id: number | null, search: string | null, substation: string | null, 
/**
 * IEEE status 1–3, or 0 for the transformers not diagnosed yet.
 */
status: number | null, fault: string | null, 
/**
 * `worst` (default: severity, status, then id), `id`, `name`, `substation`, `date`.
 */
sort: string | null, 
/**
 * The sort reversed: best first, Z to A, oldest first.
 */
reverse: boolean, offset: number, limit: number, };

export type FleetRowView = { asset_id: string, name: string | null, substation: string | null, latest_sample: string | null, ieee_status: number | null, iec_state: string | null, fault: string | null, severity: string | null, diagnosed_at: string | null, 
/**
 * A team's own function's result (read through its profile): its own fault label, the
 * number its severity came from, its headline, the profile's name. `None` for the
 * built-in contract.
 */
fault_label: string | null, score: number | null, headline: string | null, profile: string | null, };

export type FleetPage = { rows: Array<FleetRowView>, total: number, offset: number, 
/**
 * Transformers per IEEE status 1, 2 and 3 over the whole filter (not only this page), then
 * those with no diagnosis yet, then those diagnosed without an IEEE status (by a team's
 * own function).
 */
status_counts: [number, number, number, number, number], };

export type NameplateView = { id: string, name: string | null, substation: string | null, manufacturer: string | null, year_of_manufacture: number | null, rated_kv: number | null, rated_mva: number | null, oil_volume_litres: number | null, oil_preservation: string | null, communicating_oltc: boolean | null, };

export type GasCell = { ppm: number | null, below_detection: boolean, };

export type SampleView = { date: string, 
/**
 * In the order of `AssetView::gases`.
 */
gases: Array<GasCell>, sheet: string, row: number, };

export type DuvalPoint = { date: string, 
/**
 * %CH4, %C2H4, %C2H2.
 */
triangle_1: [number, number, number] | null, triangle_1_zone: string | null, 
/**
 * Pentagon centroid (x, y).
 */
pentagon_1: [number, number] | null, pentagon_1_zone: string | null, };

export type GasLimitView = { gas: string, table1_ppm: number, table2_ppm: number, status: number, rate_ppm_per_year: number | null, };

export type FindingView = { code: string, gas: string | null, message: string, };

export type DiagnosisView = { engine: string, latest_sample: string, samples_used: number, fault: string, fault_description: string, severity: string, fault_suspected: boolean, paper_involved: boolean, ieee_status: number, iec_state: string, tdcg_condition: number, 
/**
 * The recommended action in one sentence, and its machine form.
 */
action: string, action_code: string, resample_within_days: number, expert_review: boolean, 
/**
 * The method whose reading is the fault (e.g. `duval_triangle_1`), when one is.
 */
decided_by: string | null, agreeing: Array<string>, 
/**
 * Methods naming one part of a mixed fault.
 */
partly_agreeing: Array<string>, disagreeing: Array<string>, 
/**
 * Each disagreeing method and why the consensus did not follow it (English).
 */
overruled: Array<[string, string]>, 
/**
 * Who made the call, who agrees, who disagrees and why, in one English line.
 */
verdict_line: string | null, 
/**
 * The consensus rules first, then each method's findings.
 */
rules: Array<FindingView>, 
/**
 * The same rules grouped by gas, the most alarming gas first, the whole sample's last
 * (`substation_dga::readout::rules_by_gas`, as the report prints them).
 */
rule_groups: Array<RuleGroupView>, 
/**
 * Each method's verdict in one line: (method, result).
 */
methods: Array<[string, string]>, };

export type HistoryEntry = { id: number, run_id: number, created_at: string, latest_sample: string | null, ieee_status: number | null, fault: string | null, severity: string | null, };

export type AssetView = { nameplate: NameplateView, 
/**
 * Column order of `SampleView::gases`.
 */
gases: Array<string>, samples: Array<SampleView>, duval: Array<DuvalPoint>, 
/**
 * IEEE limits for the trend charts.
 */
limits: Array<GasLimitView>, 
/**
 * The latest stored diagnosis, explained.
 */
diagnosis: DiagnosisView | null, 
/**
 * The latest stored answer when a team's own function made it (then `diagnosis` is
 * absent): the summary its profile read and the answer as it came.
 */
answer: CustomAnswerView | null, 
/**
 * A diagnosis computed now by the embedded engine, when none is stored yet: the preview
 * is useful before any run.
 */
preview: DiagnosisView | null, history: Array<HistoryEntry>, 
/**
 * The logbook, newest first.
 */
log: Array<LogEntryView>, 
/**
 * The latest oil processing: the diagnosis uses only the samples since (trend charts
 * mark it).
 */
oil_processed: OilProcessedView | null, };

export type LogEntryView = { uuid: string, 
/**
 * YYYY-MM-DD.
 */
date: string, 
/**
 * `sample`, `oil_processed`, `inspection`, `repair`, `resample_requested`, `note`.
 */
kind: string, author: string, text: string, 
/**
 * A sample's source (`lab`, `portable`); an oil processing's treatment (`degassed`,
 * `filtered`, `replaced`).
 */
detail: string | null, 
/**
 * A typed-in sample's readings, in the order of `AssetView::gases`.
 */
gases: Array<GasCell> | null, created_at: string, 
/**
 * The laptop it came from through sync.
 */
origin: string | null, };

export type OilProcessedView = { date: string, treatment: string, };

export type NewLogEntry = { asset_id: string, 
/**
 * YYYY-MM-DD.
 */
date: string, kind: string, author: string, text: string, 
/**
 * For `oil_processed`: `degassed`, `filtered` or `replaced`.
 */
treatment: string | null, 
/**
 * For `sample`: `lab` or `portable`.
 */
source: string | null, 
/**
 * For `sample`: (gas code as in `AssetView::gases`, what was typed), e.g. ("C2H2", "<0.5").
 */
gases: Array<[string, string]>, };

export type CustomAnswerView = { summary: SummaryView, 
/**
 * The answer as the function gave it, JSON text (its keys in their order).
 */
answer_json: string, diagnosed_at: string, };

export type SummaryView = { severity: string, score: number | null, 
/**
 * The tool's fault code, when the function's label maps to one.
 */
fault: string | null, 
/**
 * The function's own label.
 */
fault_label: string | null, action: string | null, headline: string | null, latest_sample: string, profile: string | null, };

export type ProfileView = { name: string, 
/**
 * SHA-256 of its file: what the settings store to choose it.
 */
sha256: string, description: string | null, 
/**
 * The function it names, if any.
 */
function: string | null, 
/**
 * Stored answers it read.
 */
answers: number, };

export type ProfileTestView = { asset_id: string, function: string, 
/**
 * The event sent, as JSON text.
 */
request_json: string | null, 
/**
 * The function's answer, as it came.
 */
answer_json: string | null, summary: SummaryView | null, 
/**
 * `request`, `call` or `answer`.
 */
failed_step: string | null, error: ErrorView | null, };

export type RuleGroupView = { gas: string | null, worst: FindingView, 
/**
 * The others, most alarming first.
 */
others: Array<FindingView>, };

export type DuvalZones = { 
/**
 * (zone, vertices as %CH4, %C2H4, %C2H2).
 */
triangle_1: Array<[string, Array<[number, number, number]>]>, 
/**
 * (zone, vertices as x, y).
 */
pentagon_1: Array<[string, Array<[number, number]>]>, pentagon_outline: Array<[number, number]>, };

export type BatchView = { id: number, file_name: string, imported_at: string, assets: number, samples_new: number, 
/**
 * The laptop that imported it, for samples pulled from the central service; empty for an
 * import made here.
 */
origin: string | null, };

export type RunView = { id: number, 
/**
 * The import the run diagnosed; empty when it covered the whole cache.
 */
batch_id: number | null, engine: string, state: string, started_at: string, finished_at: string | null, assets: number, succeeded: number, failed: number, reused: number, 
/**
 * What the run still owes (no result yet): a resume dispatches only these.
 */
owed: number, 
/**
 * The laptop that made the run, for diagnoses pulled from the central service (always
 * finished, owing nothing, never resumed here); empty for a run made here.
 */
origin: string | null, };

export type CacheHistory = { batches: Array<BatchView>, runs: Array<RunView>, outbox_pending: number, 
/**
 * Transformers in the cache now.
 */
cached_assets: number, };

export type RunRequest = { 
/**
 * One import's transformers; empty for the whole cache.
 */
batch_id: number | null, 
/**
 * Retry a run: dispatch only what it still owes.
 */
resume_run: number | null, 
/**
 * Override the engine in the settings for this run.
 */
engine: EngineChoice | null, 
/**
 * One transformer (after a logbook entry changed its history).
 */
asset_id: string | null, concurrency: number | null, 
/**
 * Reuse a stored diagnosis of an identical request.
 */
reuse: boolean, };

export type RunCounts = { total: number, queued: number, in_flight: number, done: number, failed: number, retried: number, throttled: number, limit: number, per_second: number, eta_seconds: number | null, };

export type AssetOutcome = { asset_id: string, ieee_status: number | null, iec_state: string | null, fault: string | null, severity: string | null, 
/**
 * A team's own function's fault label, and the profile that read it (absent for the
 * built-in contract).
 */
fault_label: string | null, profile: string | null, headline: string | null, score: number | null, error_code: ErrorCode | null, error: string | null, };

export type RunEvent = { "kind": "progress", counts: RunCounts, outcomes: Array<AssetOutcome>, } | { "kind": "finished", summary: RunSummary, };

export type StopReason = { code: ErrorCode, 
/**
 * The engine's own words (English).
 */
message: string, };

export type RunSummary = { run_id: number, 
/**
 * `finished`, `cancelled` or `stopped` (a fault no transformer could get past).
 */
ending: string, assets: number, diagnosed: number, reused: number, failed: number, not_run: number, seconds: number, 
/**
 * Why the run stopped, when it did.
 */
stop: StopReason | null, };

export type ExportFormat = "xlsx" | "csv";

export type ExportResult = { path: string, rows: number, };

export type ReportResult = { path: string, pages: number, transformers: number, };

export type SyncStatusView = { 
/**
 * The server in the settings; `None` when sync is not set up.
 */
server: string | null, 
/**
 * A token for that server is in the credential store.
 */
has_token: boolean, 
/**
 * Why the credential store could not be asked, when it could not.
 */
token_problem: ErrorView | null, automatic: boolean, 
/**
 * A sync is going now (Sync now, or the background one).
 */
running: boolean, 
/**
 * Changes not delivered yet.
 */
pending: number, 
/**
 * Batches sent but not answered yet: resent first by the next sync.
 */
open_batches: number, delivered: number, rejected_count: number, 
/**
 * The oldest rejected changes, with the service's reasons.
 */
rejected: Array<RejectedItemView>, last_success_at: string | null, last_error: string | null, last_error_at: string | null, 
/**
 * The code of the last sync's error since the app started (`sync.server_unreachable`
 * means offline, the normal state of a field laptop, not a fault); `None` after a success.
 */
last_error_code: ErrorCode | null, };

export type RejectedItemView = { 
/**
 * The outbox row, to queue it again ([`crate::App::requeue_rejected`]).
 */
id: number, 
/**
 * `asset`, `samples` or `diagnosis`.
 */
entity: string, 
/**
 * Which one: the transformer's id, or the diagnosis's.
 */
key: string, reason: string, };

export type SyncEvent = { "kind": "progress", 
/**
 * `push` (uploading) or `pull` (bringing in other laptops' diagnoses).
 */
phase: string, pending_at_start: number, pending: number, sent: number, rejected: number, pulled: number, 
/**
 * Waiting this long before trying again…
 */
waiting_seconds: number | null, 
/**
 * …because the last attempt failed so.
 */
retry_reason: string | null, } | { "kind": "finished", summary: SyncSummary, } | { "kind": "failed", error: ErrorView, };

export type SyncSummary = { 
/**
 * Changes the service answered (applied, already there, or rejected).
 */
sent: number, applied: number, 
/**
 * Changes the service had already (an earlier answer was lost on the way).
 */
duplicate: number, rejected: number, 
/**
 * Changes from other laptops brought into the cache.
 */
pulled: number, 
/**
 * Changes still waiting (0 after a complete sync).
 */
pending: number, 
/**
 * Attempts that failed and were retried.
 */
retries: number, seconds: number, };
