// A diagnosis run: one Channel for the whole run, progress coalesced by Rust to ~10 Hz.
import { api } from "./api";
import type { AssetOutcome, EngineChoice, RunCounts, RunEvent, RunRequest, RunSummary } from "./bindings";
import { recordOutcomes } from "./merge";
import { notices } from "./notices.svelte";

export class RunController {
  running = $state(false);
  cancelling = $state(false);
  /** True while a resume runs: only what the old run owed is dispatched. */
  resuming = $state(false);
  counts = $state<RunCounts | null>(null);
  summary = $state<RunSummary | null>(null);
  /** The run a "Retry failed" resumes. */
  lastRunId = $state<number | null>(null);
  lastRunFailed = $state(0);
  engine = $state<EngineChoice>("embedded");
  concurrency = $state<number | null>(null);
  reuse = $state(false);
  /** Bumped once per progress message that carried outcomes. */
  liveVersion = $state(0);
  /** Outcomes of the current (or last) run by transformer; not reactive on purpose. */
  readonly live = new Map<string, AssetOutcome>();

  onFinished: (() => void) | null = null;

  async start(request: RunRequest) {
    if (this.running) return;
    // A run of one transformer (after a logbook entry) leaves the fleet run's summary and
    // "Retry failed" as they were.
    this.#single = request.asset_id !== null;
    this.live.clear();
    this.liveVersion++;
    this.running = true;
    this.resuming = request.resume_run !== null;
    this.cancelling = false;
    this.counts = null;
    this.summary = null;
    try {
      const summary = await api.diagnose(request, (event) => this.handle(event));
      this.#finish(summary);
    } catch (error) {
      notices.error(error);
    } finally {
      this.running = false;
      this.cancelling = false;
      this.onFinished?.();
    }
  }

  handle(event: RunEvent) {
    if (event.kind === "progress") {
      this.counts = event.counts;
      if (event.outcomes.length > 0) {
        recordOutcomes(this.live, event.outcomes);
        this.liveVersion++;
      }
    } else {
      this.#finish(event.summary);
    }
  }

  #single = false;

  #finish(summary: RunSummary) {
    if (this.#single) return;
    this.summary = summary;
    this.lastRunId = summary.run_id;
    this.lastRunFailed = summary.failed + summary.not_run;
  }

  async cancel() {
    if (!this.running) return;
    this.cancelling = true;
    try {
      await api.cancelRun();
    } catch (error) {
      this.cancelling = false;
      notices.error(error);
    }
  }
}

export const run = new RunController();
