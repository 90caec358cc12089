// Sync with the central service: where it stands (read from the local cache, so it works
// offline), "Sync now" with live progress, and the background sync's progress, which Rust
// emits as the `background-sync` event.
import { listen } from "@tauri-apps/api/event";
import { api } from "./api";
import { EVENTS } from "./commands";
import type { SyncEvent, SyncStatusView, SyncSummary } from "./bindings";
import { notices } from "./notices.svelte";
import type { ShownError } from "./errors";


export type SyncProgressView = Extract<SyncEvent, { kind: "progress" }>;

/** What the top bar's sync button says: one word of state and a count. */
export type SyncBadge = "off" | "no_token" | "running" | "offline" | "failed" | "waiting" | "synced" | "never";

export function syncBadge(status: SyncStatusView | null, running: boolean): SyncBadge {
  if (running || status?.running) return "running";
  if (!status || status.server === null) return "off";
  if (!status.has_token) return "no_token";
  // The last attempt failed after the last success: say so until a sync succeeds.
  if (status.last_error_at && (!status.last_success_at || status.last_error_at > status.last_success_at)) {
    // Unreachable is the normal state of a field laptop, not a fault: nothing is lost.
    return status.last_error_code === "sync.server_unreachable" ? "offline" : "failed";
  }
  if (status.pending > 0) return "waiting";
  return status.last_success_at ? "synced" : "never";
}

/** The last sync's error, while it is newer than the last success. Its code is kept with it
 *  (one from before codes were kept reads as unexpected, its message as the detail). */
export function lastSyncError(status: SyncStatusView | null): ShownError | null {
  if (!status?.last_error) return null;
  if (status.last_success_at && (status.last_error_at ?? "") <= status.last_success_at) return null;
  return { code: status.last_error_code ?? "ui.unexpected", message: status.last_error, message_ko: null };
}

class SyncState {
  status = $state<SyncStatusView | null>(null);
  /** A sync this window started or the background one, while it runs. */
  running = $state(false);
  progress = $state<SyncProgressView | null>(null);
  last = $state<SyncSummary | null>(null);
  panelOpen = $state(false);
  #listening = false;

  async refresh() {
    try {
      this.status = await api.syncStatus();
    } catch (error) {
      notices.error(error);
    }
  }

  /** Starts listening to the background sync (once) and reads the status. */
  async init() {
    if (!this.#listening) {
      this.#listening = true;
      try {
        await listen<SyncEvent>(EVENTS.backgroundSync, (event) => this.handle(event.payload));
      } catch {
        // Outside the app (unit tests) there is no event system; the status still works.
      }
    }
    await this.refresh();
  }

  handle(event: SyncEvent) {
    if (event.kind === "progress") {
      this.running = true;
      this.progress = event;
    } else {
      this.running = false;
      this.progress = null;
      if (event.kind === "finished") this.last = event.summary;
      void this.refresh();
    }
  }

  /** Queues rejected items again (these, or all); the next sync sends them. */
  async requeue(ids?: number[]) {
    try {
      this.status = await api.requeueRejected(ids);
    } catch (error) {
      notices.error(error);
    }
  }

  async syncNow() {
    if (this.running) return;
    this.running = true;
    this.progress = null;
    try {
      this.last = await api.syncNow((event) => this.handle(event));
    } catch (error) {
      notices.error(error);
    } finally {
      this.running = false;
      this.progress = null;
      await this.refresh();
    }
  }

  async cancel() {
    await api.cancelSync();
  }
}

export const sync = new SyncState();
