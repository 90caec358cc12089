import { beforeEach, describe, expect, it, vi } from "vitest";
import type { SyncEvent, SyncStatusView, SyncSummary } from "./bindings";

let status: SyncStatusView;
let script: SyncEvent[] = [];
let failWith: unknown = null;
const summary: SyncSummary = { sent: 5, applied: 5, duplicate: 0, rejected: 0, pulled: 2, pending: 0, retries: 1, seconds: 0.4 };

vi.mock("./api", () => ({
  isErrorView: (v: unknown) => typeof v === "object" && v !== null && "code" in v && "message" in v,
  api: {
    syncStatus: vi.fn(async () => ({ ...status })),
    syncNow: vi.fn(async (onEvent: (e: SyncEvent) => void) => {
      for (const event of script) onEvent(event);
      if (failWith) throw failWith;
      status = { ...status, pending: 0, delivered: status.delivered + 5, last_success_at: "2026-11-26 10:00:00" };
      return summary;
    }),
    cancelSync: vi.fn(async () => true),
  },
}));

const { sync } = await import("./sync.svelte");
const { notices } = await import("./notices.svelte");

describe("sync state", () => {
  beforeEach(() => {
    status = {
      server: "https://sync.example.com", has_token: true, token_problem: null, automatic: true, running: false,
      pending: 5, open_batches: 0, delivered: 10, rejected_count: 0, rejected: [],
      last_success_at: null, last_error: null, last_error_at: null, last_error_code: null,
    };
    script = [];
    failWith = null;
    sync.running = false;
    sync.last = null;
    notices.list = [];
  });

  it("Sync now shows progress, keeps the summary and re-reads the status", async () => {
    script = [
      { kind: "progress", phase: "push", pending_at_start: 5, pending: 5, sent: 0, rejected: 0, pulled: 0, waiting_seconds: 0.5, retry_reason: "the server answered 503" },
      { kind: "progress", phase: "pull", pending_at_start: 5, pending: 0, sent: 5, rejected: 0, pulled: 2, waiting_seconds: null, retry_reason: null },
    ];
    const done = sync.syncNow();
    expect(sync.running).toBe(true);
    await done;
    expect(sync.running).toBe(false);
    expect(sync.progress).toBeNull();
    expect(sync.last).toEqual(summary);
    expect(sync.status?.pending).toBe(0);
    expect(sync.status?.delivered).toBe(15);
    expect(notices.list).toHaveLength(0);
  });

  it("a failed sync is reported once and leaves nothing spinning", async () => {
    failWith = { code: "sync.server_unreachable", message: "the server could not be reached", message_ko: null };
    script = [{ kind: "failed", error: failWith as never }];
    await sync.syncNow();
    expect(sync.running).toBe(false);
    expect(notices.list.map((n) => (n.kind === "error" ? n.error.code : n.key))).toEqual(["sync.server_unreachable"]);
  });

  it("the background sync's events drive the same state, and its end refreshes the status", async () => {
    sync.handle({ kind: "progress", phase: "push", pending_at_start: 5, pending: 3, sent: 2, rejected: 0, pulled: 0, waiting_seconds: null, retry_reason: null });
    expect(sync.running).toBe(true);
    expect(sync.progress?.sent).toBe(2);
    status = { ...status, pending: 0 };
    sync.handle({ kind: "failed", error: { code: "sync.unauthorized", message: "401", message_ko: null } });
    expect(sync.running).toBe(false);
    await new Promise((r) => setTimeout(r, 0));
    expect(sync.status?.pending).toBe(0);
  });
});
