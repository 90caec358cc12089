// Where the user is and what is open.
import { api, isErrorView } from "./api";
import type {
  AppInfo, CacheHistory, DuvalZones, EngineChoice, FieldChoice, HeaderChoice, IssueView, OpenedWorkbook, RunRequest, RunView, Settings,
} from "./bindings";
import { fileNameOf, pickWorkbookPath } from "./drop";
import { fleet } from "./fleet.svelte";
import { i18n, resolveLanguage, t } from "./i18n.svelte";
import { notices } from "./notices.svelte";
import { run } from "./run.svelte";

/** The request that resumes a run from the history, for the same scope it covered. */
export function resumeRequest(runView: RunView, engine: EngineChoice, concurrency: number | null): RunRequest {
  return { batch_id: runView.batch_id, resume_run: runView.id, engine, asset_id: null, concurrency, reuse: false };
}

export type Screen = "start" | "opening" | "workspace";
export type Tab = "preview" | "fleet" | "asset";

class AppState {
  info = $state<AppInfo | null>(null);
  settings = $state<Settings | null>(null);
  history = $state<CacheHistory | null>(null);
  screen = $state<Screen>("start");
  tab = $state<Tab>("fleet");
  opened = $state<OpenedWorkbook | null>(null);
  /** Issues beyond the first ones of `opened`, paged in. */
  issues = $state<IssueView[]>([]);
  opening = $state<{ file: string; sheet: string; rows: number } | null>(null);
  dragging = $state(false);
  settingsOpen = $state(false);
  fields = $state<FieldChoice[]>([]);
  zones = $state<DuvalZones | null>(null);
  assetId = $state<string | null>(null);
  /** The sample row to highlight in the transformer view (from an issue). */
  highlight = $state<{ sheet: string; row: number } | null>(null);
  /** Where "Back" from a transformer goes. */
  returnTab = $state<Tab>("fleet");

  get systemLanguage(): string {
    return (typeof navigator !== "undefined" && navigator.language) || this.info?.system_language || "en";
  }

  async init() {
    try {
      const info = await api.appInfo(this.systemLanguage);
      this.info = info;
      this.applySettings(info.settings);
      if (info.settings_problem) notices.error({ code: "invalid_settings", message: t("settings.problem", { msg: info.settings_problem }), message_ko: null });
      // Launched with a workbook ("Open with", or `substation-desktop FILE`): open it at once.
      if (info.open_on_start) void this.openPath(info.open_on_start);
    } catch (error) {
      notices.error(error);
    }
    void this.refreshHistory();
  }

  /** The settings as saved. The diagnose panel starts from their engine and concurrency, and
   *  follows them when they change; saving something else (the sync token, the language)
   *  leaves the panel's own choice as it is. */
  applySettings(settings: Settings) {
    const before = this.settings;
    this.settings = settings;
    i18n.set(resolveLanguage(settings.language, this.systemLanguage));
    if (run.running) return;
    if (!before || before.engine !== settings.engine) run.engine = settings.engine;
    if (!before || before.concurrency !== settings.concurrency) run.concurrency = settings.concurrency;
  }

  async refreshHistory() {
    try {
      this.history = await api.history();
      if (this.info) this.info = { ...this.info, cached_assets: this.history.cached_assets };
      // "Retry failed" after a restart resumes the latest run made here that still owes
      // results (runs pulled from other laptops owe nothing and are never resumed here).
      const latest = this.history.runs.find((r) => r.origin === null);
      if (latest && run.lastRunId === null && !run.running && latest.state !== "running") {
        run.lastRunId = latest.id;
        run.lastRunFailed = latest.owed + latest.failed;
      }
    } catch (error) {
      notices.error(error);
    }
  }

  /** Opens dropped or chosen paths: the first workbook among them, or says why not. */
  async openPaths(paths: readonly string[]) {
    const pick = pickWorkbookPath(paths);
    if (pick.kind === "open") return this.openPath(pick.path);
    notices.error({
      code: "unsupported_file",
      message: pick.kind === "none" ? t("drop.none") : t("drop.unsupported", { names: pick.names.join(", ") }),
      message_ko: null,
    });
  }

  /** Opens a workbook (a drop, the dialog, the sample, the test hook or a new mapping). */
  async openPath(path: string, mapping: HeaderChoice[] = [], blankGas: string | null = null) {
    if (this.opening) return;
    const previous = this.screen;
    this.opening = { file: fileNameOf(path), sheet: "", rows: 0 };
    this.screen = "opening";
    try {
      const opened = await api.openWorkbook(path, mapping, (p) => {
        if (this.opening) this.opening = { ...this.opening, sheet: p.sheet, rows: p.rows_read };
      }, blankGas);
      this.opened = opened;
      this.issues = opened.issues;
      this.assetId = null;
      this.highlight = null;
      this.screen = "workspace";
      this.tab = "preview";
      if (opened.needs_mapping && this.fields.length === 0) {
        try { this.fields = await api.headerFields(); } catch (error) { notices.error(error); }
      }
      if (opened.batch_id !== null) this.showFleet(opened.batch_id, false);
      void this.refreshHistory();
    } catch (error) {
      if (isErrorView(error) && error.code === "import.cancelled") notices.info("opening.cancelled", undefined, 4000);
      else notices.error(error);
      this.screen = previous === "opening" ? "start" : previous;
    } finally {
      this.opening = null;
    }
  }

  /** Reads the open workbook again with blank gas cells meaning `reading` ("not_detected" |
   * "not_measured"); the choice is remembered for workbooks with the same header row. */
  async rereadBlankGas(reading: string) {
    const opened = this.opened;
    if (!opened || opened.blank_gas === reading) return;
    await this.openPath(opened.path, [], reading);
  }

  async loadMoreIssues() {
    const offset = this.issues.length;
    try {
      const more = await api.importIssues(offset, 200);
      this.issues = [...this.issues, ...more];
    } catch (error) {
      notices.error(error);
    }
  }

  /** Points the fleet table at one import (or the whole cache) and resets it. */
  showFleet(batchId: number | null, switchTab = true) {
    fleet.batchId = batchId;
    fleet.wholeCache = batchId === null;
    fleet.reset();
    if (switchTab) {
      this.screen = "workspace";
      this.tab = "fleet";
    }
  }

  /** An earlier import from the history, reviewed offline. */
  showBatch(batchId: number) {
    this.opened = null;
    this.issues = [];
    this.assetId = null;
    this.showFleet(batchId);
  }

  showWholeCache() {
    this.opened = null;
    this.issues = [];
    this.assetId = null;
    this.showFleet(null);
  }

  /**
   * Resumes (or retries) a run from the history: the fleet view is scoped to what the run
   * covered (its import, or the whole cache) before the run starts.
   */
  resumeRun(runView: RunView) {
    if (run.running) return;
    if (runView.batch_id === null) this.showWholeCache();
    else this.showBatch(runView.batch_id);
    void run.start(resumeRequest(runView, run.engine, run.concurrency));
  }

  openAsset(id: string, highlight: { sheet: string; row: number } | null = null) {
    if (this.tab !== "asset") this.returnTab = this.tab;
    this.assetId = id;
    this.highlight = highlight;
    this.screen = "workspace";
    this.tab = "asset";
  }

  goHome() {
    this.screen = "start";
    void this.refreshHistory();
  }

  async loadZones(): Promise<DuvalZones | null> {
    if (this.zones) return this.zones;
    try {
      this.zones = await api.duvalZones();
    } catch (error) {
      notices.error(error);
    }
    return this.zones;
  }
}

export const app = new AppState();

run.onFinished = () => {
  fleet.refresh();
  void app.refreshHistory();
};
