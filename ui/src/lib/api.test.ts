// The UI's calls against Tauri's mock runtime: every command Rust registers is reachable
// through `api` (a command the UI forgot, or one Rust dropped, fails here), and each call
// carries the argument keys of the generated wrapper (which src-tauri/tests/ipc.rs keeps equal
// to the Rust signature; this part checks `api`'s wiring, not the generation).
import { afterEach, describe, expect, it } from "vitest";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { api } from "./api";
import { COMMAND_ARGS, type CommandName } from "./commands";

afterEach(() => clearMocks());

describe("api", () => {
  it("calls every registered command with its Rust argument keys", async () => {
    const calls: { cmd: string; args: Record<string, unknown> }[] = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args: (args ?? {}) as Record<string, unknown> });
      return null;
    });
    for (const [name, call] of Object.entries(api)) {
      await (call as (...a: unknown[]) => Promise<unknown>)(`arg-of-${name}`, [], () => {}, null);
    }
    const registered = Object.keys(COMMAND_ARGS).sort();
    expect([...new Set(calls.map((c) => c.cmd))].sort()).toEqual(registered);
    for (const { cmd, args } of calls) {
      expect(Object.keys(args).sort(), cmd).toEqual([...COMMAND_ARGS[cmd as CommandName]].sort());
    }
  });

  it("passes what the caller gave under the Rust names", async () => {
    const calls: { cmd: string; args: Record<string, unknown> }[] = [];
    mockIPC((cmd, args) => {
      calls.push({ cmd, args: (args ?? {}) as Record<string, unknown> });
      return null;
    });
    await api.testProfile("abc", "team-fn", "TR-1");
    await api.requeueRejected();
    await api.openWorkbook("C:\\Users\\김철수\\lab.xlsx", [], () => {}, "not_detected");
    expect(calls[0]).toEqual({ cmd: "test_profile", args: { sha256: "abc", function: "team-fn", assetId: "TR-1" } });
    expect(calls[1]).toEqual({ cmd: "requeue_rejected", args: { ids: null } });
    expect(calls[2].args.path).toBe("C:\\Users\\김철수\\lab.xlsx");
    expect(calls[2].args.blankGas).toBe("not_detected");
  });
});
