import { beforeEach, describe, expect, it, vi } from "vitest";
import type { AppInfo, FleetFilter, FleetPage, FleetRowView, HeaderChoice, OpenedWorkbook, RunRequest, RunSummary } from "./bindings";

const calls: FleetFilter[] = [];
const opens: { path: string; mapping: HeaderChoice[]; blankGas: string | null }[] = [];
const runs: RunRequest[] = [];
let openOnStart: string | null = null;
const settings = {
  engine: "embedded", aws_profile: null, aws_region: null, function_name: "f", function_profile: null, endpoint_url: null,
  concurrency: null, timeout_seconds: 60, language: "en", database_path: null, sync_server: null,
  sync_automatically: true,
} as const;
const TOTAL = 10_000;
vi.mock("./api", () => ({
  isErrorView: (v: unknown) => typeof v === "object" && v !== null && "code" in v && "message" in v,
  api: {
    appInfo: vi.fn(async (): Promise<AppInfo> => ({
      version: "0", data_dir: "/d", log_dir: null, database: "/d/db", sample_fleet: null, system_language: "en",
      settings_problem: null, settings: { ...settings }, cached_assets: 0, open_on_start: openOnStart,
    })),
    history: vi.fn(async () => ({ batches: [], runs: [], outbox_pending: 0, cached_assets: 0 })),
    headerFields: vi.fn(async () => []),
    openWorkbook: vi.fn(async (path: string, mapping: HeaderChoice[], _progress: unknown, blankGas: string | null = null): Promise<OpenedWorkbook> => {
      opens.push({ path, mapping, blankGas });
      return {
        batch_id: 4, file_name: "f.xlsx", path, format: "xlsx", assets: 1, samples: 1, first_sample: null, last_sample: null,
        rows_read: 1, rows_left_out: 0, duplicates_merged: 0, errors: 0, warnings: 0, issues: [], issues_total: 0,
        sheets: [], needs_mapping: false, blank_gas: blankGas ?? "not_measured", blank_gas_chosen_by: blankGas ? "option" : "default",
        blank_gas_columns: [{ sheet: "Samples", column: "G", header: "C2H2", gas: "C2H2", blank: 3, values: 9 }],
        assets_new: 1, samples_new: 1, samples_updated: 0, millis: 1,
      };
    }),
    diagnose: vi.fn(async (request: RunRequest): Promise<RunSummary> => {
      runs.push(request);
      return { run_id: 11, ending: "finished", assets: 0, diagnosed: 0, reused: 0, failed: 0, not_run: 0, seconds: 0, stop: null };
    }),
    fleet: vi.fn(async (filter: FleetFilter): Promise<FleetPage> => {
      calls.push(filter);
      const rows: FleetRowView[] = [];
      for (let i = filter.offset; i < Math.min(TOTAL, filter.offset + filter.limit); i++) {
        rows.push({ asset_id: `TR-${i}`, name: null, substation: null, latest_sample: null, ieee_status: null, iec_state: null, fault: null, severity: null, diagnosed_at: null, fault_label: null, score: null, headline: null, profile: null });
      }
      return { rows, total: TOTAL, offset: filter.offset, status_counts: [1, 2, 3, TOTAL - 6, 0] };
    }),
  },
}));

const { FleetData, PAGE_SIZE } = await import("./fleet.svelte");
const { RunController } = await import("./run.svelte");
const { toErrorView } = await import("./notices.svelte");
const { app, resumeRequest } = await import("./app.svelte");
const { fleet: sharedFleet } = await import("./fleet.svelte");

const settle = () => new Promise((r) => setTimeout(r, 0));

describe("fleet paging", () => {
  beforeEach(() => {
    calls.length = 0;
  });

  it("loads the first page, then only the pages the visible rows need, once each", async () => {
    const fleet = new FleetData();
    fleet.batchId = 7;
    fleet.reset();
    await settle();
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ batch_id: 7, offset: 0, limit: PAGE_SIZE, sort: "worst", search: null });
    expect(fleet.total).toBe(TOTAL);
    expect(fleet.counts).toEqual([1, 2, 3, TOTAL - 6, 0]);
    expect(fleet.row(5)?.asset_id).toBe("TR-5");

    fleet.ensure(5_000, 5_040);
    fleet.ensure(5_010, 5_050); // same page, already on its way
    await settle();
    expect(calls.map((c) => c.offset)).toEqual([0, 5_000]);
    expect(fleet.row(5_020)?.asset_id).toBe("TR-5020");
    expect(fleet.row(3_000)).toBeUndefined();
  });

  it("a new filter drops the pages, trims the search and shows the whole cache when asked", async () => {
    const fleet = new FleetData();
    fleet.batchId = 3;
    fleet.reset();
    await settle();
    fleet.search = "  동서울 ";
    fleet.wholeCache = true;
    fleet.status = 3;
    fleet.reset();
    expect(fleet.row(0)).toBeUndefined();
    await settle();
    expect(calls[calls.length - 1]).toMatchObject({ batch_id: null, search: "동서울", status: 3, offset: 0 });
  });
});

describe("run events", () => {
  it("records outcomes per message and bumps the version once per message, not per outcome", () => {
    const run = new RunController();
    const before = run.liveVersion;
    const counts = { total: 3, queued: 1, in_flight: 1, done: 1, failed: 0, retried: 0, throttled: 0, limit: 2, per_second: 4, eta_seconds: 0.5 };
    run.handle({
      kind: "progress",
      counts,
      outcomes: [
        { asset_id: "A", ieee_status: 3, iec_state: "alarm", fault: "T3", severity: "critical", fault_label: null, profile: null, headline: null, score: null, error_code: null, error: null },
        { asset_id: "B", ieee_status: null, iec_state: null, fault: null, severity: null, fault_label: null, profile: null, headline: null, score: null, error_code: "engine.timeout", error: "timed out" },
      ],
    });
    expect(run.liveVersion).toBe(before + 1);
    expect(run.counts).toEqual(counts);
    expect(run.live.get("A")?.fault).toBe("T3");
    run.handle({ kind: "progress", counts, outcomes: [] });
    expect(run.liveVersion).toBe(before + 1);
    run.handle({ kind: "finished", summary: { run_id: 9, ending: "finished", assets: 3, diagnosed: 2, reused: 0, failed: 1, not_run: 0, seconds: 1, stop: null } });
    expect(run.lastRunId).toBe(9);
    expect(run.lastRunFailed).toBe(1);
  });
});

describe("errors", () => {
  it("never carries a stack trace", () => {
    const e = new TypeError("x is undefined\n    at foo (app.js:1:2)");
    const view = toErrorView(e);
    expect(view.message).toBe("x is undefined");
    expect(view.code).toBe("ui.unexpected");
    expect(toErrorView({ code: "run_in_progress", message: "busy", message_ko: null })).toEqual({ code: "run_in_progress", message: "busy", message_ko: null });
  });
});

describe("app start and history", () => {
  beforeEach(() => {
    opens.length = 0;
    runs.length = 0;
  });

  it("opens the workbook the app was launched with, at once", async () => {
    openOnStart = "C:\\DGA\\fleet.xlsx";
    await app.init();
    await settle();
    expect(opens).toEqual([{ path: "C:\\DGA\\fleet.xlsx", mapping: [], blankGas: null }]);
    expect(app.screen).toBe("workspace");
    expect(app.opened?.batch_id).toBe(4);
  });

  it("reads the workbook again when the reader says what a blank gas cell means", async () => {
    openOnStart = "C:\\DGA\\fleet.xlsx";
    await app.init();
    await settle();
    expect(app.opened?.blank_gas).toBe("not_measured");
    await app.rereadBlankGas("not_measured");
    expect(opens).toHaveLength(1);
    await app.rereadBlankGas("not_detected");
    expect(opens[1]).toEqual({ path: "C:\\DGA\\fleet.xlsx", mapping: [], blankGas: "not_detected" });
    expect(app.opened?.blank_gas).toBe("not_detected");
    expect(app.opened?.blank_gas_chosen_by).toBe("option");
  });

  it("opens nothing when launched without a workbook", async () => {
    openOnStart = null;
    await app.init();
    await settle();
    expect(opens).toEqual([]);
  });

  it("resumes a run from the history scoped to the import it covered", async () => {
    const view = { id: 7, batch_id: 3, engine: "embedded", state: "cancelled", started_at: "", finished_at: null, assets: 10, succeeded: 4, failed: 1, reused: 0, owed: 5, origin: null };
    expect(resumeRequest(view, "lambda", 8)).toEqual({ batch_id: 3, resume_run: 7, engine: "lambda", asset_id: null, concurrency: 8, reuse: false });
    app.resumeRun(view);
    expect(sharedFleet.batchId).toBe(3);
    expect(sharedFleet.wholeCache).toBe(false);
    expect(app.tab).toBe("fleet");
    await settle();
    expect(runs[0]).toMatchObject({ batch_id: 3, resume_run: 7 });
    expect(sharedFleet.filter().batch_id).toBe(3);

    app.resumeRun({ ...view, id: 8, batch_id: null });
    expect(sharedFleet.wholeCache).toBe(true);
    await settle();
    expect(runs[1]).toMatchObject({ batch_id: null, resume_run: 8 });
    expect(sharedFleet.filter().batch_id).toBeNull();
  });
});

describe("settings and the diagnose panel", () => {
  it("the panel follows a changed default engine, and keeps its own choice when something else is saved", async () => {
    const { app } = await import("./app.svelte");
    const { run } = await import("./run.svelte");
    app.applySettings({ ...settings, engine: "embedded" });
    expect(run.engine).toBe("embedded");
    run.engine = "lambda";
    app.applySettings({ ...settings, engine: "embedded", sync_server: "https://sync.example.org" });
    expect(run.engine).toBe("lambda");
    app.applySettings({ ...settings, engine: "lambda", sync_server: "https://sync.example.org" });
    app.applySettings({ ...settings, engine: "embedded", sync_server: "https://sync.example.org" });
    expect(run.engine).toBe("embedded");
  });
});
