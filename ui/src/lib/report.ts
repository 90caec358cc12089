// "Report (PDF)…": ask where to save, have Rust write the PDF in the UI's language (it opens it
// in the system's viewer), and say where it went. One transformer, or the fleet as filtered.
import { api } from "./api";
import type { FleetFilter } from "./bindings";
import { formatCount } from "./format";
import { i18n, t } from "./i18n.svelte";
import { notices } from "./notices.svelte";

/** A file name that every OS accepts: the asset id with its path-hostile characters replaced. */
export function reportFileName(asset: string | null, today: string): string {
  const stem = asset === null ? `fleet-report-${today}` : `${asset.replace(/[\\/:*?"<>|]+/g, "_")}-report-${today}`;
  return `${stem}.pdf`;
}

/** The computer's local date as YYYY-MM-DD (not UTC: in Korea, UTC is yesterday until 09:00). */
export function localDate(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export async function saveReport(asset: string | null, filter: FleetFilter): Promise<void> {
  try {
    const { save } = await import("@tauri-apps/plugin-dialog");
    const today = localDate(new Date());
    const path = await save({
      defaultPath: reportFileName(asset, today),
      filters: [{ name: t("report.filter"), extensions: ["pdf"] }],
    });
    if (!path) return;
    const result = await api.report(path, asset, filter, i18n.lang);
    notices.info("report.done", { n: formatCount(result.transformers), pages: result.pages, path: result.path });
  } catch (error) {
    notices.error(error);
  }
}
