import { describe, expect, it } from "vitest";
import { ternaryToXY, polygonCentroid, polygonArea } from "./ternary";
import { mergeRow, mergeRows, recordOutcomes } from "./merge";
import { formatDate, formatDateTime, formatEta, formatGasCell, formatPpm, formatCount, formatMillis, percent, formatRate } from "./format";
import { pickWorkbookPath, extensionOf, fileNameOf } from "./drop";
import { buildMapping, mappingSheets, missingRequired } from "./mapping";
import { usableLanguage } from "./locale-guard";
import type { AssetOutcome, FieldChoice, FleetRowView, SheetView } from "./bindings";

const H = Math.sqrt(3) / 2;
const close = (a: [number, number], b: [number, number]) => {
  expect(a[0]).toBeCloseTo(b[0], 9);
  expect(a[1]).toBeCloseTo(b[1], 9);
};

describe("ternaryToXY (Duval Triangle 1: CH4 apex, C2H4 right, C2H2 left)", () => {
  it("puts the corners where the triangle is drawn", () => {
    close(ternaryToXY([100, 0, 0]), [0.5, H]);
    close(ternaryToXY([0, 100, 0]), [1, 0]);
    close(ternaryToXY([0, 0, 100]), [0, 0]);
  });
  it("puts known points in place", () => {
    close(ternaryToXY([100 / 3, 100 / 3, 100 / 3]), [0.5, H / 3]);
    // The T2|T3 corner at 50 % CH4, 50 % C2H4 lies halfway up the right edge.
    close(ternaryToXY([50, 50, 0]), [0.75, H / 2]);
    // 20 % CH4, 20 % C2H4, 60 % C2H2 (in D1/D2)
    close(ternaryToXY([20, 20, 60]), [0.3, 0.2 * H]);
  });
  it("normalises shares that do not add up to 100", () => {
    close(ternaryToXY([1, 1, 0]), ternaryToXY([50, 50, 0]));
    expect(ternaryToXY([0, 0, 0]).every(Number.isNaN)).toBe(true);
  });
});

describe("polygons", () => {
  it("centroid and area of a square", () => {
    const sq: [number, number][] = [[0, 0], [2, 0], [2, 2], [0, 2]];
    close(polygonCentroid(sq), [1, 1]);
    expect(polygonArea(sq)).toBeCloseTo(4);
  });
});

const row = (id: string, extra: Partial<FleetRowView> = {}): FleetRowView => ({
  asset_id: id, name: null, substation: null, latest_sample: "2024-01-01", ieee_status: null,
  iec_state: null, fault: null, severity: null, diagnosed_at: null,
  fault_label: null, score: null, headline: null, profile: null, ...extra,
});

describe("outcome merge", () => {
  it("lays successful outcomes over rows and marks the others queued while a run covers them", () => {
    const live = new Map<string, AssetOutcome>();
    recordOutcomes(live, [
      { asset_id: "TR-2", ieee_status: 3, iec_state: null, fault: "T3", severity: "critical", fault_label: null, profile: null, headline: null, score: null, error_code: null, error: null },
    ]);
    const merged = mergeRows([row("TR-1"), row("TR-2", { ieee_status: 1, fault: "none", severity: "normal", iec_state: "normal" })], live, true);
    expect(merged[0]).toMatchObject({ asset_id: "TR-1", run: "queued", ieee_status: null });
    expect(merged[1]).toMatchObject({ asset_id: "TR-2", run: "done", ieee_status: 3, fault: "T3", severity: "critical", iec_state: "normal" });
  });
  it("keeps the stored diagnosis of a failed transformer and shows why", () => {
    const r = mergeRow(row("TR-9", { ieee_status: 2, fault: "T1" }),
      { asset_id: "TR-9", ieee_status: null, iec_state: null, fault: null, severity: null, fault_label: null, profile: null, headline: null, score: null, error_code: "engine.timeout", error: "timed out" }, true);
    expect(r).toMatchObject({ run: "failed", run_error: "timed out", ieee_status: 2, fault: "T1" });
  });
  it("an outcome's IEC state replaces the stored one as it lands; a failure keeps the stored one", () => {
    const stored = row("TR-5", { ieee_status: 1, iec_state: "normal", fault: "none", severity: "normal" });
    const live = new Map<string, AssetOutcome>();
    expect(mergeRows([stored], live, true)[0]).toMatchObject({ run: "queued", iec_state: "normal" });
    recordOutcomes(live, [{ asset_id: "TR-5", ieee_status: 3, iec_state: "alarm", fault: "D2", severity: "critical", fault_label: null, profile: null, headline: null, score: null, error_code: null, error: null }]);
    expect(mergeRows([stored], live, true)[0]).toMatchObject({ run: "done", iec_state: "alarm", ieee_status: 3 });
    recordOutcomes(live, [{ asset_id: "TR-5", ieee_status: null, iec_state: null, fault: null, severity: null, fault_label: null, profile: null, headline: null, score: null, error_code: "engine.timeout", error: "timed out" }]);
    expect(mergeRows([stored], live, true)[0]).toMatchObject({ run: "failed", iec_state: "normal" });
  });
  it("a team's own function's outcome replaces the IEEE status and IEC state with its own label", () => {
    const stored = row("TR-7", { ieee_status: 2, iec_state: "alert", fault: "T2", severity: "warning" });
    const live = new Map<string, AssetOutcome>();
    recordOutcomes(live, [{ asset_id: "TR-7", ieee_status: null, iec_state: null, fault: "D2", severity: "critical", fault_label: "Arcing", profile: "seed-ai", headline: "Arcing, health index 3.3", score: 3.3, error_code: null, error: null }]);
    expect(mergeRows([stored], live, true)[0]).toMatchObject({
      run: "done", ieee_status: null, iec_state: null, fault: "D2", fault_label: "Arcing", profile: "seed-ai", severity: "critical",
      headline: "Arcing, health index 3.3", score: 3.3,
    });
    // And a contract answer after it takes the row back.
    recordOutcomes(live, [{ asset_id: "TR-7", ieee_status: 1, iec_state: "normal", fault: "none", severity: "normal", fault_label: null, profile: null, headline: null, score: null, error_code: null, error: null }]);
    expect(mergeRows([row("TR-7", { fault_label: "Arcing", profile: "seed-ai" })], live, true)[0]).toMatchObject({ ieee_status: 1, fault_label: null, profile: null });
  });
  it("the latest outcome of a transformer wins and rows not in a run have no status", () => {
    const live = new Map<string, AssetOutcome>();
    recordOutcomes(live, [{ asset_id: "A", ieee_status: null, iec_state: null, fault: null, severity: null, fault_label: null, profile: null, headline: null, score: null, error_code: "engine.timeout", error: "x" }]);
    recordOutcomes(live, [{ asset_id: "A", ieee_status: 1, iec_state: "normal", fault: "none", severity: "normal", fault_label: null, profile: null, headline: null, score: null, error_code: null, error: null }]);
    expect(live.size).toBe(1);
    expect(mergeRow(row("A"), live.get("A"), false).run).toBe("done");
    expect(mergeRow(row("B"), undefined, false).run).toBeNull();
  });
});

describe("formatters", () => {
  it("dates", () => {
    expect(formatDate("2024-04-16")).toBe("2024-04-16");
    expect(formatDate("2024-04-16T10:00:00Z")).toBe("2024-04-16");
    expect(formatDate(null)).toBe("—");
    expect(formatDateTime("garbage")).toBe("garbage");
    expect(formatDateTime(null)).toBe("—");
    expect(formatDateTime("2024-04-16 10:20:00")).toMatch(/^2024-04-1[67] \d{2}:\d{2}$/);
  });
  it("ppm and gas cells", () => {
    expect(formatPpm(95)).toBe("95");
    expect(formatPpm(2.54)).toBe("2.5");
    expect(formatPpm(3400.4)).toBe("3,400");
    expect(formatPpm(null)).toBe("—");
    expect(formatGasCell({ ppm: 1, below_detection: true })).toBe("<1");
    expect(formatGasCell({ ppm: null, below_detection: true })).toBe("ND");
    expect(formatGasCell({ ppm: null, below_detection: false })).toBe("—");
    expect(formatGasCell({ ppm: 12.25, below_detection: false })).toBe("12.3");
  });
  it("ETA and durations in both languages", () => {
    expect(formatEta(null)).toBe("—");
    expect(formatEta(0.4)).toBe("<1 s");
    expect(formatEta(42)).toBe("42 s");
    expect(formatEta(185)).toBe("3 min 05 s");
    expect(formatEta(3720)).toBe("1 h 02 min");
    expect(formatEta(185, "ko")).toBe("3분 05초");
    expect(formatEta(3720, "ko")).toBe("1시간 02분");
    expect(formatMillis(850)).toBe("850 ms");
    expect(formatMillis(2400)).toBe("2.4 s");
    expect(formatMillis(2400, "ko")).toBe("2.4초");
  });
  it("counts, rates and percent", () => {
    expect(formatCount(10000)).toBe("10,000");
    expect(formatRate(3.456)).toBe("3.5");
    expect(formatRate(123.4)).toBe("123");
    expect(percent(1, 3)).toBe(33);
    expect(percent(5, 0)).toBe(0);
    expect(percent(12, 10)).toBe(100);
  });
});

describe("drop-path picker", () => {
  it("opens the first supported path, whatever the case of the extension", () => {
    expect(pickWorkbookPath(["/tmp/notes.txt", "C:\\Lab\\DGA 2024.XLSX", "/b.csv"])).toEqual({ kind: "open", path: "C:\\Lab\\DGA 2024.XLSX" });
    for (const ext of ["xlsx", "xlsm", "xls", "xlsb", "ods", "csv"]) {
      expect(pickWorkbookPath([`/d/f.${ext}`]).kind).toBe("open");
    }
  });
  it("says what could not be opened", () => {
    expect(pickWorkbookPath(["/a/report.pdf", "/a/photo.jpg"])).toEqual({ kind: "unsupported", names: ["report.pdf", "photo.jpg"] });
    expect(pickWorkbookPath(["/a/xlsx"]).kind).toBe("unsupported");
    expect(pickWorkbookPath(["/a/.csv"]).kind).toBe("unsupported");
    expect(pickWorkbookPath([])).toEqual({ kind: "none" });
    expect(pickWorkbookPath(undefined)).toEqual({ kind: "none" });
  });
  it("extension and file name helpers", () => {
    expect(extensionOf("/a.b/c")).toBe("");
    expect(extensionOf("C:\\x\\y.Ods")).toBe("ods");
    expect(fileNameOf("C:\\x\\y.ods")).toBe("y.ods");
  });
});

describe("header-mapping assistant", () => {
  // The shape the Rust side answers with when nothing matched: every header, role "ignored".
  const unmapped: SheetView[] = [
    { name: "Units", role: "ignored", header_row: null, columns: [], unrecognised: ["Unit No.", "Name", "kV"] },
    { name: "Lab", role: "ignored", header_row: null, columns: [], unrecognised: ["Unit No.", "Sampled", "H2 ppm", "", "Unit No."] },
    { name: "Empty", role: "ignored", header_row: null, columns: [], unrecognised: [] },
  ];
  const field = (key: string, required = false): FieldChoice => ({ key, label_en: key, label_ko: key, required_for_samples: required });
  const fields = [field("asset_id", true), field("sample_date", true), field("h2"), field("asset_name")];

  it("offers each sheet's headers once, without blanks or empty sheets", () => {
    expect(mappingSheets(unmapped)).toEqual([
      { name: "Units", headers: ["Unit No.", "Name", "kV"] },
      { name: "Lab", headers: ["Unit No.", "Sampled", "H2 ppm"] },
    ]);
  });

  it("builds the HeaderChoice[] from the choices, leaving ignored headers out", () => {
    expect(buildMapping({ "Unit No.": "asset_id", Name: "", Sampled: "sample_date", "H2 ppm": "h2" })).toEqual([
      { header: "Unit No.", field: "asset_id" },
      { header: "Sampled", field: "sample_date" },
      { header: "H2 ppm", field: "h2" },
    ]);
    expect(buildMapping({})).toEqual([]);
  });

  it("names the required fields still missing on the sheet closest to having them all", () => {
    expect(missingRequired(unmapped, {}, fields).map((f) => f.key)).toEqual(["asset_id", "sample_date"]);
    expect(missingRequired(unmapped, { "Unit No.": "asset_id" }, fields).map((f) => f.key)).toEqual(["sample_date"]);
    expect(missingRequired(unmapped, { "Unit No.": "asset_id", Sampled: "sample_date" }, fields)).toEqual([]);
    // Required fields spread over two sheets do not make a samples sheet.
    const split: SheetView[] = [
      { name: "A", role: "ignored", header_row: null, columns: [], unrecognised: ["Id"] },
      { name: "B", role: "ignored", header_row: null, columns: [], unrecognised: ["Date"] },
    ];
    expect(missingRequired(split, { Id: "asset_id", Date: "sample_date" }, fields)).toHaveLength(1);
    // Columns already recognised count.
    const partly: SheetView[] = [{ name: "S", role: "ignored", header_row: 1, columns: [{ column: "A", header: "설비번호", field: "asset_id" }], unrecognised: ["When"] }];
    expect(missingRequired(partly, { When: "sample_date" }, fields)).toEqual([]);
    expect(missingRequired([], {}, fields)).toHaveLength(2);
  });
});

describe("usableLanguage (WebKitGTK reports LANG=C as navigator.language \"C\")", () => {
  it("keeps a real language tag", () => {
    expect(usableLanguage("ko-KR")).toBe("ko-KR");
    expect(usableLanguage("en")).toBe("en");
  });
  it("replaces what Intl would throw on", () => {
    expect(() => new Intl.NumberFormat("C")).toThrow(RangeError);
    expect(usableLanguage("C")).toBe("en-US");
    expect(usableLanguage("C.UTF-8")).toBe("en-US");
    expect(usableLanguage("")).toBe("en-US");
    expect(usableLanguage(undefined)).toBe("en-US");
    expect(() => new Intl.NumberFormat(usableLanguage("C"))).not.toThrow();
  });
});

import { localDate, reportFileName } from "./report";

describe("report file names", () => {
  it("name the transformer and the day, with nothing a file system refuses", () => {
    expect(reportFileName("TR-0024", "2026-12-07")).toBe("TR-0024-report-2026-12-07.pdf");
    expect(reportFileName('T1/2:"A"', "2026-12-07")).toBe("T1_2_A_-report-2026-12-07.pdf");
    expect(reportFileName(null, "2026-12-07")).toBe("fleet-report-2026-12-07.pdf");
    // Local time, whatever the zone: 00:30 on 8 December is the 8th, not UTC's 7th.
    expect(localDate(new Date(2026, 11, 8, 0, 30))).toBe("2026-12-08");
  });
});
