import { afterEach, describe, expect, it, vi } from "vitest";
import { notices } from "./notices.svelte";

describe("notices", () => {
  afterEach(() => {
    notices.clear();
    vi.useRealTimers();
  });

  it("shows the same confirmation once, and its time starts again", () => {
    vi.useFakeTimers();
    notices.info("log.saved", { id: "TR-0024" }, 3000);
    vi.advanceTimersByTime(2000);
    notices.info("log.saved", { id: "TR-0024" }, 3000);
    expect(notices.list).toHaveLength(1);
    vi.advanceTimersByTime(2000); // the first one's time is up, the second's is not
    expect(notices.list).toHaveLength(1);
    vi.advanceTimersByTime(1001);
    expect(notices.list).toHaveLength(0);
  });

  it("keeps confirmations that differ, and errors beside them", () => {
    notices.info("log.saved", { id: "TR-0024" }, 0);
    notices.info("log.saved", { id: "TR-0025" }, 0);
    notices.error({ code: "sync.server_unreachable", message: "no answer" });
    notices.info("settings.saved", undefined, 0);
    expect(notices.list.map((n) => (n.kind === "info" ? `${n.key} ${n.params?.id ?? ""}`.trim() : n.error.code))).toEqual([
      "log.saved TR-0024",
      "log.saved TR-0025",
      "sync.server_unreachable",
      "settings.saved",
    ]);
  });
});
