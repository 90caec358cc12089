// Live run outcomes laid over the fleet rows the table holds.
import type { AssetOutcome, FleetRowView } from "./bindings";

/** How a row stands in the run that is going (or just ended). */
export type LiveRunStatus = "queued" | "done" | "failed";

export type DisplayRow = FleetRowView & {
  run: LiveRunStatus | null;
  run_error: string | null;
};

/** Records a progress message's outcomes (the latest outcome of a transformer wins). */
export function recordOutcomes(live: Map<string, AssetOutcome>, outcomes: readonly AssetOutcome[]): number {
  for (const outcome of outcomes) live.set(outcome.asset_id, outcome);
  return outcomes.length;
}

/**
 * One row as the table shows it: a successful outcome replaces the IEEE status, IEC state,
 * fault and severity; a failed one keeps the stored diagnosis and marks the row failed. While a run covers the row
 * and nothing has landed for it yet, it is `queued`.
 */
export function mergeRow(row: FleetRowView, outcome: AssetOutcome | undefined, runCovers: boolean): DisplayRow {
  if (!outcome) return { ...row, run: runCovers ? "queued" : null, run_error: null };
  if (outcome.error_code || outcome.error) {
    return { ...row, run: "failed", run_error: outcome.error ?? outcome.error_code };
  }
  // A team's own function answers no IEEE status or IEC state: its label and severity replace
  // whatever the row showed before.
  const custom = outcome.profile !== null && outcome.profile !== undefined;
  return {
    ...row,
    ieee_status: custom ? null : outcome.ieee_status ?? row.ieee_status,
    iec_state: custom ? null : outcome.iec_state ?? row.iec_state,
    fault: custom ? outcome.fault : outcome.fault ?? row.fault,
    fault_label: custom ? outcome.fault_label : null,
    profile: custom ? outcome.profile : null,
    headline: custom ? outcome.headline : null,
    score: custom ? outcome.score : null,
    severity: outcome.severity ?? row.severity,
    run: "done",
    run_error: null,
  };
}

/** Every row of a page merged with the live outcomes. */
export function mergeRows(
  rows: readonly FleetRowView[],
  live: ReadonlyMap<string, AssetOutcome>,
  runCovers: boolean,
): DisplayRow[] {
  return rows.map((row) => mergeRow(row, live.get(row.asset_id), runCovers));
}
