// Number, date and time formatting shared by the screens. Pure functions; the language is an
// argument so they can be tested without the UI.
import type { GasCell } from "./bindings";

export type Lang = "en" | "ko";

const DASH = "—";

/** An ISO date (`YYYY-MM-DD`) as engineers read it: unchanged, or a dash when absent. */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return DASH;
  const m = /^(\d{4}-\d{2}-\d{2})/.exec(iso);
  return m ? m[1] : iso;
}

/** A timestamp (ISO / RFC 3339, or SQLite `YYYY-MM-DD HH:MM:SS` in UTC) as local `YYYY-MM-DD HH:MM`. */
export function formatDateTime(text: string | null | undefined): string {
  if (!text) return DASH;
  let iso = text.trim();
  if (/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/.test(iso)) iso = iso.replace(" ", "T");
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(iso)) iso += "Z";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return text;
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Days between two ISO dates, inclusive of neither (b - a). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(b) - Date.parse(a)) / 86_400_000);
}

/** A count with thousands separators. */
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || Number.isNaN(n)) return DASH;
  return Math.round(n).toLocaleString("en-US");
}

/** A gas concentration: whole ppm from 100 up, one decimal below (trailing zero dropped). */
export function formatPpm(ppm: number | null | undefined): string {
  if (ppm === null || ppm === undefined || !Number.isFinite(ppm)) return DASH;
  if (Math.abs(ppm) >= 100) return Math.round(ppm).toLocaleString("en-US");
  const r = Math.round(ppm * 10) / 10;
  return Number.isInteger(r) ? String(r) : r.toFixed(1);
}

/**
 * One cell of the gas history: the measured ppm; below detection as `<LOD` with its limit
 * (`<1` ppm) or `ND` when the lab gave no limit; a dash when the gas was not measured.
 */
export function formatGasCell(cell: GasCell | null | undefined): string {
  if (!cell) return DASH;
  if (cell.below_detection) return cell.ppm === null ? "ND" : `<${formatPpm(cell.ppm)}`;
  return formatPpm(cell.ppm);
}

/** Seconds left in a run, short: "—", "<1 s", "42 s", "3 min 05 s", "1 h 02 min" (or Korean). */
export function formatEta(seconds: number | null | undefined, lang: Lang = "en"): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return DASH;
  const u = lang === "ko" ? { s: "초", m: "분", h: "시간", sep: " " } : { s: " s", m: " min", h: " h", sep: " " };
  if (seconds < 1) return `<1${u.s}`;
  const total = Math.round(seconds);
  if (total < 60) return `${total}${u.s}`;
  const pad = (n: number) => String(n).padStart(2, "0");
  if (total < 3600) {
    const m = Math.floor(total / 60);
    return `${m}${u.m}${u.sep}${pad(total % 60)}${u.s}`;
  }
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  return `${h}${u.h}${u.sep}${pad(m)}${u.m}`;
}

/** A duration in milliseconds: "850 ms", "2.4 s", then as `formatEta`. */
export function formatMillis(ms: number, lang: Lang = "en"): string {
  if (ms < 1000) return lang === "ko" ? `${Math.round(ms)}ms` : `${Math.round(ms)} ms`;
  if (ms < 60_000) {
    const s = (ms / 1000).toFixed(1);
    return lang === "ko" ? `${s}초` : `${s} s`;
  }
  return formatEta(ms / 1000, lang);
}

/** A rate per second with one decimal below 10. */
export function formatRate(perSecond: number | null | undefined): string {
  if (perSecond === null || perSecond === undefined || !Number.isFinite(perSecond)) return DASH;
  return perSecond < 10 ? perSecond.toFixed(1) : Math.round(perSecond).toLocaleString("en-US");
}

/** Whole percent of done/total, clamped 0..100 (0 when total is 0). */
export function percent(done: number, total: number): number {
  if (!(total > 0)) return 0;
  return Math.max(0, Math.min(100, Math.floor((done / total) * 100)));
}

/** A number with up to `digits` decimals, or a dash. */
export function formatNumber(n: number | null | undefined, digits = 1): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return DASH;
  const f = Math.pow(10, digits);
  const r = Math.round(n * f) / f;
  return r.toLocaleString("en-US", { maximumFractionDigits: digits });
}
