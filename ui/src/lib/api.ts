// The one place the UI talks to Rust. Every call is typed by the generated bindings; errors
// arrive as `ErrorView` ({code, message, message_ko}).
import { Channel, invoke } from "@tauri-apps/api/core";
import type {
  AppInfo,
  AssetView,
  CacheHistory,
  DuvalZones,
  ErrorView,
  ExportFormat,
  ExportResult,
  FieldChoice,
  FleetFilter,
  FleetPage,
  HeaderChoice,
  IssueView,
  OpenProgress,
  OpenedWorkbook,
  ProfileTestView,
  ProfileView,
  RunEvent,
  RunRequest,
  RunSummary,
  Settings,
  SyncEvent,
  SyncStatusView,
  SyncSummary,
} from "./bindings";

export type * from "./bindings";

/** True when a thrown value is an error from a command. */
export function isErrorView(value: unknown): value is ErrorView {
  return typeof value === "object" && value !== null && "code" in value && "message" in value;
}

export const api = {
  appInfo: (systemLanguage: string) => invoke<AppInfo>("app_info", { systemLanguage }),
  saveSettings: (settings: Settings) => invoke<Settings>("save_settings", { settings }),
  profiles: () => invoke<ProfileView[]>("profiles"),
  addProfile: (path: string) => invoke<ProfileView>("add_profile", { path }),
  exportProfile: (sha256: string, path: string) => invoke<null>("export_profile", { sha256, path }),
  removeProfile: (sha256: string) => invoke<null>("remove_profile", { sha256 }),
  /** One transformer through a profile (`null`: the built-in contract): request, answer, summary. */
  testProfile: (sha256: string | null, functionName: string | null, assetId: string) =>
    invoke<ProfileTestView>("test_profile", { sha256, function: functionName, assetId }),
  /** `blankGas`: what a blank gas cell means ("not_detected" | "not_measured"); null keeps the remembered choice. */
  openWorkbook: (path: string, mapping: HeaderChoice[], onProgress: (p: OpenProgress) => void, blankGas: string | null = null) => {
    const channel = new Channel<OpenProgress>();
    channel.onmessage = onProgress;
    return invoke<OpenedWorkbook>("open_workbook", { path, mapping, blankGas, onProgress: channel });
  },
  /** Stops the workbook being opened; nothing of it is stored. */
  cancelOpen: () => invoke<boolean>("cancel_open"),
  importIssues: (offset: number, limit: number) => invoke<IssueView[]>("import_issues", { offset, limit }),
  headerFields: () => invoke<FieldChoice[]>("header_fields"),
  fleet: (filter: FleetFilter) => invoke<FleetPage>("fleet", { filter }),
  asset: (id: string) => invoke<AssetView>("asset", { id }),
  duvalZones: () => invoke<DuvalZones>("duval_zones"),
  history: () => invoke<CacheHistory>("history"),
  /** One Channel per run (not per transformer): the Rust side coalesces to ~10 messages/s. */
  diagnose: (request: RunRequest, onEvent: (e: RunEvent) => void) => {
    const channel = new Channel<RunEvent>();
    channel.onmessage = onEvent;
    return invoke<RunSummary>("diagnose", { request, onEvent: channel });
  },
  cancelRun: () => invoke<boolean>("cancel_run"),
  exportFleet: (path: string, format: ExportFormat, filter: FleetFilter) =>
    invoke<ExportResult>("export_fleet", { path, format, filter }),
  syncStatus: () => invoke<SyncStatusView>("sync_status"),
  /** The token goes to the OS credential store, never to the settings file. */
  setSyncToken: (token: string) => invoke<SyncStatusView>("set_sync_token", { token }),
  forgetSyncToken: () => invoke<SyncStatusView>("forget_sync_token"),
  /** Shows the app's log folder in the system's file manager. */
  openLogFolder: () => invoke<null>("open_log_folder"),
  /** Rejected items back in the queue: these, or all of them. */
  requeueRejected: (ids?: number[]) => invoke<SyncStatusView>("requeue_rejected", { ids: ids ?? null }),
  syncNow: (onEvent: (e: SyncEvent) => void) => {
    const channel = new Channel<SyncEvent>();
    channel.onmessage = onEvent;
    return invoke<SyncSummary>("sync_now", { onEvent: channel });
  },
  cancelSync: () => invoke<boolean>("cancel_sync"),
};
