import { describe, expect, it } from "vitest";
import type { SyncStatusView } from "./bindings";
import { syncBadge } from "./sync.svelte";

const base: SyncStatusView = {
  server: "https://sync.example.com", has_token: true, token_problem: null, automatic: true, running: false,
  pending: 0, open_batches: 0, delivered: 10, rejected_count: 0, rejected: [],
  last_success_at: "2026-11-26 08:00:00", last_error: null, last_error_at: null, last_error_code: null,
};

describe("the top bar's sync state", () => {
  it("says off without a server and asks for a token without one", () => {
    expect(syncBadge(null, false)).toBe("off");
    expect(syncBadge({ ...base, server: null }, false)).toBe("off");
    expect(syncBadge({ ...base, has_token: false }, false)).toBe("no_token");
  });
  it("shows a sync going, from this window or the background", () => {
    expect(syncBadge(base, true)).toBe("running");
    expect(syncBadge({ ...base, running: true }, false)).toBe("running");
  });
  it("reports a failure until a later success, then what waits", () => {
    const failed = { ...base, pending: 4, last_error: "connection refused", last_error_at: "2026-11-26 09:00:00" };
    expect(syncBadge(failed, false)).toBe("failed");
    // Unreachable is being offline, not a fault.
    expect(syncBadge({ ...failed, last_error_code: "sync.server_unreachable" }, false)).toBe("offline");
    expect(syncBadge({ ...failed, last_error_code: "sync.unauthorized" }, false)).toBe("failed");
    expect(syncBadge({ ...failed, last_success_at: "2026-11-26 09:05:00" }, false)).toBe("waiting");
    expect(syncBadge({ ...base, last_success_at: null }, false)).toBe("never");
    expect(syncBadge(base, false)).toBe("synced");
  });
});
