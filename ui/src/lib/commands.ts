// Generated from src-tauri/src/lib.rs by `UPDATE_BINDINGS=1 cargo test --workspace --test ipc`.
// Do not edit by hand: every command the app registers, with its arguments' keys and types.

import { type Channel, invoke } from "@tauri-apps/api/core";
import type { AppInfo, AssetView, CacheHistory, DuvalZones, ExportFormat, ExportResult, FieldChoice, FleetFilter, FleetPage, HeaderChoice, IssueView, LogEntryView, NewLogEntry, OpenProgress, OpenedWorkbook, ProfileTestView, ProfileView, ReportResult, RunEvent, RunRequest, RunSummary, Settings, SyncEvent, SyncStatusView, SyncSummary } from "./bindings";

export const commands = {
  appInfo: (systemLanguage: string) => invoke<AppInfo>("app_info", { systemLanguage }),
  saveSettings: (settings: Settings) => invoke<Settings>("save_settings", { settings }),
  openWorkbook: (path: string, mapping: HeaderChoice[], blankGas: string | null, onProgress: Channel<OpenProgress>) => invoke<OpenedWorkbook>("open_workbook", { path, mapping, blankGas, onProgress }),
  cancelOpen: () => invoke<boolean>("cancel_open"),
  importIssues: (offset: number, limit: number) => invoke<IssueView[]>("import_issues", { offset, limit }),
  headerFields: () => invoke<FieldChoice[]>("header_fields"),
  fleet: (filter: FleetFilter) => invoke<FleetPage>("fleet", { filter }),
  asset: (id: string) => invoke<AssetView>("asset", { id }),
  addLogEntry: (entry: NewLogEntry) => invoke<LogEntryView>("add_log_entry", { entry }),
  duvalZones: () => invoke<DuvalZones>("duval_zones"),
  history: () => invoke<CacheHistory>("history"),
  diagnose: (request: RunRequest, onEvent: Channel<RunEvent>) => invoke<RunSummary>("diagnose", { request, onEvent }),
  cancelRun: () => invoke<boolean>("cancel_run"),
  exportFleet: (path: string, format: ExportFormat, filter: FleetFilter) => invoke<ExportResult>("export_fleet", { path, format, filter }),
  report: (path: string, asset: string | null, filter: FleetFilter, lang: string) => invoke<ReportResult>("report", { path, asset, filter, lang }),
  syncStatus: () => invoke<SyncStatusView>("sync_status"),
  setSyncToken: (token: string) => invoke<SyncStatusView>("set_sync_token", { token }),
  forgetSyncToken: () => invoke<SyncStatusView>("forget_sync_token"),
  requeueRejected: (ids: number[] | null) => invoke<SyncStatusView>("requeue_rejected", { ids }),
  openLogFolder: () => invoke<null>("open_log_folder"),
  syncNow: (onEvent: Channel<SyncEvent>) => invoke<SyncSummary>("sync_now", { onEvent }),
  cancelSync: () => invoke<boolean>("cancel_sync"),
  profiles: () => invoke<ProfileView[]>("profiles"),
  addProfile: (path: string) => invoke<ProfileView>("add_profile", { path }),
  exportProfile: (sha256: string, path: string) => invoke<null>("export_profile", { sha256, path }),
  removeProfile: (sha256: string) => invoke<null>("remove_profile", { sha256 }),
  testProfile: (sha256: string | null, functionName: string | null, assetId: string) => invoke<ProfileTestView>("test_profile", { sha256, function: functionName, assetId }),
};

/** A command's name, as Tauri registers it. */
export type CommandName = keyof typeof COMMAND_ARGS;

/** Each command's argument keys, for the UI's tests and the dev mock. */
export const COMMAND_ARGS = {
  app_info: ["systemLanguage"],
  save_settings: ["settings"],
  open_workbook: ["path", "mapping", "blankGas", "onProgress"],
  cancel_open: [],
  import_issues: ["offset", "limit"],
  header_fields: [],
  fleet: ["filter"],
  asset: ["id"],
  add_log_entry: ["entry"],
  duval_zones: [],
  history: [],
  diagnose: ["request", "onEvent"],
  cancel_run: [],
  export_fleet: ["path", "format", "filter"],
  report: ["path", "asset", "filter", "lang"],
  sync_status: [],
  set_sync_token: ["token"],
  forget_sync_token: [],
  requeue_rejected: ["ids"],
  open_log_folder: [],
  sync_now: ["onEvent"],
  cancel_sync: [],
  profiles: [],
  add_profile: ["path"],
  export_profile: ["sha256", "path"],
  remove_profile: ["sha256"],
  test_profile: ["sha256", "function", "assetId"],
} as const;

/** The events Rust emits to the window. */
export const EVENTS = {
  backgroundSync: "background-sync",
  openFile: "open-file",
} as const;
