// The one place the UI talks to Rust, through the command wrappers generated from the Rust
// signatures (`commands.ts`) and typed by the generated bindings; errors arrive as `ErrorView`
// ({code, message, message_ko}).
import { Channel } from "@tauri-apps/api/core";
import { commands } from "./commands";
import type {
  ErrorView,
  ExportFormat,
  FleetFilter,
  HeaderChoice,
  NewLogEntry,
  OpenProgress,
  RunEvent,
  RunRequest,
  Settings,
  SyncEvent,
} from "./bindings";

export type * from "./bindings";

/** True when a thrown value is an error from a command. */
export function isErrorView(value: unknown): value is ErrorView {
  return typeof value === "object" && value !== null && "code" in value && "message" in value;
}

/** The app's commands, as the UI calls them: the generated wrappers (`commands.ts`), with the
 *  Channels made here. */
export const api = {
  appInfo: (systemLanguage: string) => commands.appInfo(systemLanguage),
  saveSettings: (settings: Settings) => commands.saveSettings(settings),
  profiles: () => commands.profiles(),
  addProfile: (path: string) => commands.addProfile(path),
  exportProfile: (sha256: string, path: string) => commands.exportProfile(sha256, path),
  removeProfile: (sha256: string) => commands.removeProfile(sha256),
  /** One transformer through a profile (`null`: the built-in contract): request, answer, summary. */
  testProfile: (sha256: string | null, functionName: string | null, assetId: string) =>
    commands.testProfile(sha256, functionName, assetId),
  /** `blankGas`: what a blank gas cell means ("not_detected" | "not_measured"); null keeps the remembered choice. */
  openWorkbook: (path: string, mapping: HeaderChoice[], onProgress: (p: OpenProgress) => void, blankGas: string | null = null) => {
    const channel = new Channel<OpenProgress>();
    channel.onmessage = onProgress;
    return commands.openWorkbook(path, mapping, blankGas, channel);
  },
  /** Stops the workbook being opened; nothing of it is stored. */
  cancelOpen: () => commands.cancelOpen(),
  importIssues: (offset: number, limit: number) => commands.importIssues(offset, limit),
  headerFields: () => commands.headerFields(),
  fleet: (filter: FleetFilter) => commands.fleet(filter),
  asset: (id: string) => commands.asset(id),
  /** Adds a logbook entry (stored, queued for sync); a sample or oil treatment is then diagnosed by a run of that transformer. */
  addLogEntry: (entry: NewLogEntry) => commands.addLogEntry(entry),
  duvalZones: () => commands.duvalZones(),
  history: () => commands.history(),
  /** One Channel per run (not per transformer): the Rust side coalesces to ~10 messages/s. */
  diagnose: (request: RunRequest, onEvent: (e: RunEvent) => void) => {
    const channel = new Channel<RunEvent>();
    channel.onmessage = onEvent;
    return commands.diagnose(request, channel);
  },
  cancelRun: () => commands.cancelRun(),
  exportFleet: (path: string, format: ExportFormat, filter: FleetFilter) => commands.exportFleet(path, format, filter),
  /** A PDF: one transformer (`asset`), else the fleet as `filter` selects it; Rust opens it. */
  report: (path: string, asset: string | null, filter: FleetFilter, lang: string) => commands.report(path, asset, filter, lang),
  syncStatus: () => commands.syncStatus(),
  /** The token goes to the OS credential store, never to the settings file. */
  setSyncToken: (token: string) => commands.setSyncToken(token),
  forgetSyncToken: () => commands.forgetSyncToken(),
  /** Shows the app's log folder in the system's file manager. */
  openLogFolder: () => commands.openLogFolder(),
  /** Rejected items back in the queue: these, or all of them. */
  requeueRejected: (ids?: number[]) => commands.requeueRejected(ids ?? null),
  syncNow: (onEvent: (e: SyncEvent) => void) => {
    const channel = new Channel<SyncEvent>();
    channel.onmessage = onEvent;
    return commands.syncNow(channel);
  },
  cancelSync: () => commands.cancelSync(),
};
