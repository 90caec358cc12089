// Dev only: the UI in a plain browser with canned IPC answers shaped like bindings.ts.
// `npm run dev`, then open http://127.0.0.1:5173/dev/mock.html (add ?lang=ko for Korean,
// ?fleet=10000 for a large cache). Never part of the production bundle.
import { mockIPC, mockWindows } from "@tauri-apps/api/mocks";
import type { CommandName } from "../src/lib/commands";
import { emit } from "@tauri-apps/api/event";
import type {
  AppInfo, AssetOutcome, AssetView, CacheHistory, LogEntryView, NewLogEntry, DiagnosisView, DuvalZones, FieldChoice, FleetFilter, FleetPage,
  FleetRowView, HeaderChoice, IssueView, OpenedWorkbook, ProfileView, RunCounts, RunEvent, RunRequest, RunSummary, SampleView, Settings,
  SyncEvent, SyncStatusView, SyncSummary,
} from "../src/lib/bindings";
import { polygonCentroid } from "../src/lib/ternary";

const params = new URLSearchParams(location.search);
const FLEET_SIZE = Number(params.get("fleet") ?? 170);
const SPEED = Number(params.get("speed") ?? 1);

// Deterministic pseudo-random numbers.
let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);

const SUBSTATIONS = ["동서울", "신인천", "서부산", "남대구", "북광주", "신수원", "Riverside", "Harbor Point", "청주", "신용인", "의정부", "Westfield"];
const GASES = ["H2", "CH4", "C2H6", "C2H4", "C2H2", "CO", "CO2", "O2", "N2"];
const LIMITS: Record<string, [number, number]> = { H2: [40, 90], CH4: [20, 60], C2H6: [15, 40], C2H4: [60, 125], C2H2: [2, 7], CO: [500, 900], CO2: [5000, 10000] };
const FAULTS = ["none", "none", "none", "T1", "T2", "T3", "PD", "D1", "D2", "DT", "S"];
const SEVERITY_OF: Record<string, string> = { none: "normal", T1: "caution", T2: "warning", T3: "critical", PD: "caution", D1: "warning", D2: "critical", DT: "warning", S: "caution" };

let dataVersion = 0;
type Asset = FleetRowView & { batch: number; samples: SampleView[]; pattern: string };

function makeSamples(profile: string, n: number, startYear: number): SampleView[] {
  const base: Record<string, number[]> = {
    none: [12, 4, 3, 2, 0, 180, 1600, 12000, 48000],
    T1: [30, 40, 45, 8, 0, 320, 2600, 9000, 50000],
    T2: [45, 60, 25, 70, 0.5, 400, 3100, 8000, 52000],
    T3: [70, 120, 45, 220, 1.6, 380, 2900, 15000, 41000],
    PD: [240, 25, 6, 1, 0, 200, 1800, 14000, 47000],
    D1: [60, 8, 3, 10, 28, 300, 2000, 16000, 46000],
    D2: [120, 30, 6, 60, 70, 350, 2400, 15000, 45000],
    DT: [70, 40, 12, 60, 9, 400, 2900, 12000, 48000],
    S: [60, 35, 55, 2, 0, 150, 1200, 9000, 50000],
  };
  const gases = base[profile] ?? base.none;
  const out: SampleView[] = [];
  for (let i = 0; i < n; i++) {
    const growth = 0.55 + (0.45 * (i + 1)) / n;
    const month = (i * 5 + Math.floor(rand() * 2)) % 12;
    const year = startYear + Math.floor((i * 5) / 12);
    out.push({
      date: `${year}-${String(month + 1).padStart(2, "0")}-${String(5 + Math.floor(rand() * 20)).padStart(2, "0")}`,
      gases: gases.map((g, k) => {
        if (k === 4 && g === 0) return { ppm: 0.5, below_detection: true };
        if (k === 2 && rand() < 0.08) return { ppm: null, below_detection: true };
        if (k === 8 && rand() < 0.15) return { ppm: null, below_detection: false };
        const v = g * growth * (0.85 + rand() * 0.3);
        return { ppm: Math.round(v * 10) / 10, below_detection: false };
      }),
      sheet: "시료",
      row: 0,
    });
  }
  return out.sort((a, b) => a.date.localeCompare(b.date));
}

const assets: Asset[] = [];
let sampleRow = 2;
for (let i = 0; i < FLEET_SIZE; i++) {
  const sub = SUBSTATIONS[i % SUBSTATIONS.length];
  const profile = FAULTS[Math.floor(rand() * FAULTS.length)];
  const samples = makeSamples(profile, 3 + Math.floor(rand() * 14), 2018 + Math.floor(rand() * 3));
  for (const s of samples) s.row = sampleRow++;
  const korean = /[가-힣]/.test(sub);
  assets.push({
    asset_id: `TR-${String(i + 1).padStart(3, "0")}`,
    name: korean ? `${sub} S/S #${(i % 4) + 1} M.Tr` : `${sub} T${(i % 4) + 1}`,
    substation: korean ? `${sub} 변전소` : `${sub} Substation`,
    latest_sample: samples[samples.length - 1].date,
    ieee_status: null, iec_state: null, fault: null, severity: null, diagnosed_at: null,
    fault_label: null, score: null, headline: null, profile: null,
    batch: i < 170 ? 2 : 1,
    samples,
    pattern: profile,
  });
}
// A third of the fleet diagnosed before.
for (const a of assets) if (rand() < 0.35) diagnoseInto(a);

function statusOf(a: Asset): number {
  const s = SEVERITY_OF[a.pattern] ?? "normal";
  return s === "normal" ? 1 : s === "caution" ? 2 : 3;
}
function diagnoseInto(a: Asset) {
  dataVersion++;
  a.fault = a.pattern;
  a.severity = SEVERITY_OF[a.pattern] ?? "normal";
  a.ieee_status = statusOf(a);
  a.iec_state = a.ieee_status === 3 ? "alarm" : a.ieee_status === 2 ? "alert" : "normal";
  a.diagnosed_at = new Date().toISOString();
}

let mockProfiles: ProfileView[] = [
  { name: "seed-ai", sha256: "20de79776b65".padEnd(64, "0"), description: "Example: a team's own model with its own input and answer", function: "seed-ai", answers: 0 },
];

let settings: Settings = {
  engine: "embedded", aws_profile: null, aws_region: "ap-northeast-2", function_name: "substation-diagnose", function_profile: null,
  endpoint_url: null, concurrency: null, timeout_seconds: 60,
  language: (params.get("lang") as Settings["language"]) ?? "auto", database_path: null,
  sync_server: "https://dga-sync.example-utility.kr", sync_automatically: true,
};

// Sync: `?sync=failed|rejected|off` shows those states.
const SYNC_MODE = params.get("sync") ?? "waiting";
let syncToken = SYNC_MODE !== "off";
let syncDelivered = 1_204;
let syncPending = 37;
let syncRejected: SyncStatusView["rejected"] = SYNC_MODE === "rejected"
  ? [
      { id: 41, entity: "samples", key: "TR-0107", reason: "invalid_item: sample 2 (TR-0107, 2025-02-13): H2: -4 is not a concentration in ppm" },
      { id: 58, entity: "diagnosis", key: "0193f6a2-7c1e-7b55-9e1a-2f5c0d1e4b7a", reason: "not_storable: the service's database cannot store this item: integer out of range" },
    ]
  : [];
function requeue(ids: number[] | null): SyncStatusView {
  const before = syncRejected.length;
  syncRejected = syncRejected.filter((item) => ids !== null && !ids.includes(item.id));
  syncPending += before - syncRejected.length;
  return syncStatus();
}
const syncStatus = (): SyncStatusView => ({
  server: SYNC_MODE === "off" ? null : settings.sync_server, has_token: syncToken, token_problem: null,
  automatic: settings.sync_automatically, running: false, pending: syncPending, open_batches: 0,
  delivered: syncDelivered, rejected_count: syncRejected.length,
  rejected: syncRejected,
  last_success_at: "2026-11-26 08:12:40",
  last_error: SYNC_MODE === "failed" ? "the server could not be reached after 3 attempt(s): connection refused" : null,
  last_error_at: SYNC_MODE === "failed" ? "2026-11-26 09:30:02" : null,
  last_error_code: SYNC_MODE === "failed" ? "sync.server_unreachable" : null,
});

async function syncNow(channel: { onmessage: (e: SyncEvent) => void }): Promise<SyncSummary> {
  const total = syncPending;
  for (let sent = 0; sent < total; sent += 10) {
    await wait(300 / SPEED);
    channel.onmessage({ kind: "progress", phase: "push", pending_at_start: total, pending: total - sent, sent, rejected: 0, pulled: 0, waiting_seconds: null, retry_reason: null });
  }
  const summary: SyncSummary = { sent: total, applied: total, duplicate: 0, rejected: 0, pulled: 12, pending: 0, retries: 0, seconds: 1.4 };
  syncDelivered += total;
  syncPending = 0;
  channel.onmessage({ kind: "finished", summary });
  return summary;
}

const info = (): AppInfo => ({
  version: "0.1.0", data_dir: "C:\\Users\\engineer\\AppData\\Roaming\\org.substationbulk.desktop",
  log_dir: "C:\\Users\\engineer\\AppData\\Local\\org.substationbulk.desktop\\logs",
  database: "C:\\Users\\engineer\\AppData\\Roaming\\org.substationbulk.desktop\\substation.db",
  sample_fleet: "C:\\Program Files\\Substation Bulk\\samples\\sample-fleet.xlsx",
  system_language: "en", settings_problem: null, settings, cached_assets: assets.length,
  // `?open=PATH` simulates a launch with a workbook ("Open with").
  open_on_start: params.get("open"),
});

const runs: CacheHistory["runs"] = [
  { id: 3, batch_id: 2, engine: "lambda", state: "cancelled", started_at: "2025-03-14 09:12:44", finished_at: "2025-03-14 09:13:02", assets: 170, succeeded: 121, failed: 3, reused: 0, owed: 46, origin: null },
  { id: 2, batch_id: 2, engine: "embedded", state: "finished", started_at: "2025-03-12 16:40:10", finished_at: "2025-03-12 16:40:31", assets: 170, succeeded: 168, failed: 2, reused: 0, owed: 0, origin: null },
  { id: 1, batch_id: null, engine: "embedded", state: "finished", started_at: "2025-02-03 11:02:55", finished_at: "2025-02-03 11:03:20", assets: 58, succeeded: 58, failed: 0, reused: 0, owed: 0, origin: null },
];
const history = (): CacheHistory => ({
  batches: [
    { id: 2, file_name: "fleet-two-sheets.xlsx", imported_at: "2025-03-12 16:38:02", assets: Math.min(170, assets.length), samples_new: 2164, origin: null },
    { id: 1, file_name: "2024 하반기 유중가스분석 결과.xlsx", imported_at: "2025-02-03 10:58:41", assets: Math.max(0, assets.length - 170) || 58, samples_new: 412, origin: null },
  ],
  runs,
  outbox_pending: 0,
  cached_assets: assets.length,
});

function issues(total: number): IssueView[] {
  const out: IssueView[] = [];
  for (let i = 0; i < total; i++) {
    const a = assets[i % assets.length];
    const s = a.samples[i % a.samples.length];
    const kind = i % 5;
    if (kind === 0) out.push({ severity: "error", asset_id: null, code: "bad_date", sheet: "시료", row: 3000 + i, column: "B", header: "채취일", raw: "2024.13.45", message_en: "`2024.13.45` is not a date (expected e.g. 2024-03-11)", message_ko: "`2024.13.45`은(는) 날짜가 아닙니다 (예: 2024-03-11)" });
    else if (kind === 1) out.push({ severity: "error", asset_id: null, code: "unknown_asset", sheet: "시료", row: 3100 + i, column: "A", header: "설비번호", raw: "TR-9" + i, message_en: `no transformer \`TR-9${i}\` on the assets sheet`, message_ko: `변압기 시트에 \`TR-9${i}\` 설비가 없습니다` });
    else if (kind === 2) out.push({ severity: "warning", asset_id: a.asset_id, code: "below_detection", sheet: s.sheet, row: s.row, column: "G", header: "C2H2 (ppm)", raw: "<0.5", message_en: "below the detection limit of 0.5 ppm", message_ko: "검출한계 0.5 ppm 미만" });
    else if (kind === 3) out.push({ severity: "warning", asset_id: a.asset_id, code: "duplicate_merged", sheet: s.sheet, row: s.row, column: null, header: null, raw: null, message_en: `a second sample of ${a.asset_id} on ${s.date} was merged`, message_ko: `${a.asset_id}의 ${s.date} 중복 시료를 병합했습니다` });
    else out.push({ severity: "warning", asset_id: null, code: "unit_assumed", sheet: "변압기", row: 5 + i, column: "F", header: "정격용량", raw: "60", message_en: "no unit: MVA assumed", message_ko: "단위가 없어 MVA로 간주했습니다" });
  }
  return out.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === "error" ? -1 : 1));
}
const ALL_ISSUES = issues(236);

function opened(path: string, mapping: HeaderChoice[]): OpenedWorkbook {
  // As the Rust side answers a workbook nothing matched: every header of every sheet, role
  // "ignored", one `workbook_unmapped` issue. A mapping makes it read normally.
  const unmapped = /unmapped|mapping/i.test(path) && mapping.length === 0;
  const name = path.split(/[\\/]/).pop() ?? path;
  if (unmapped) {
    const headers: [string, string[]][] = [
      ["Units", ["Unit No.", "Name", "Station", "kV", "MVA"]],
      ["Lab results", ["Unit No.", "Sampled", "Hydrogen ppm", "Methane ppm", "Ethane ppm", "Ethylene ppm", "Acetylene ppm", "CO ppm", "CO2 ppm", "Remarks"]],
    ];
    const found = headers.map(([sheet, hs]) => `${sheet}: ${hs.join(", ")}`);
    return {
      batch_id: null, file_name: name, path, format: "xlsx", assets: 0, samples: 0, first_sample: null, last_sample: null,
      rows_read: 0, rows_left_out: 0, duplicates_merged: 0, errors: 1, warnings: 0,
      issues: [{
        severity: "error", asset_id: null, code: "workbook_unmapped", sheet: headers[0][0], row: null, column: null, header: null, raw: null,
        message_en: `no samples sheet found. Headers found: ${found.join("; ")}. Missing: asset id, sample date. Give a mapping for these headers (--mapping file)`,
        message_ko: `시료 시트를 찾지 못했습니다. 찾은 머리글: ${found.join("; ")}. 없는 항목: 설비번호, 채취일. 이 머리글에 대한 매핑을 지정하십시오(--mapping 파일)`,
      }],
      issues_total: 1,
      sheets: headers.map(([sheet, hs]) => ({ name: sheet, role: "ignored", header_row: null, columns: [], unrecognised: hs })),
      needs_mapping: true, blank_gas: "not_measured", blank_gas_chosen_by: "default", blank_gas_columns: [],
      assets_new: 0, samples_new: 0, samples_updated: 0, millis: 212,
    };
  }
  const batch = assets.filter((a) => a.batch === 2);
  const dates = batch.flatMap((a) => a.samples.map((s) => s.date)).sort();
  return {
    batch_id: 2, file_name: name, path, format: name.split(".").pop() ?? "xlsx",
    assets: batch.length, samples: 2164, first_sample: dates[0] ?? null, last_sample: dates[dates.length - 1] ?? null,
    rows_read: 2231, rows_left_out: 48, duplicates_merged: 19, errors: 48, warnings: 188,
    issues: ALL_ISSUES.slice(0, 200), issues_total: ALL_ISSUES.length,
    blank_gas: "not_measured", blank_gas_chosen_by: "default",
    blank_gas_columns: [{ sheet: "시료", column: "I", header: "C2H2", gas: "C2H2", blank: 812, values: 1352 }],
    sheets: [
      { name: "변압기", role: "assets", header_row: 2, columns: [
        { column: "A", header: "설비번호", field: "asset_id" }, { column: "B", header: "설비명", field: "asset_name" },
        { column: "C", header: "변전소", field: "substation" }, { column: "D", header: "제작사", field: "manufacturer" },
        { column: "E", header: "정격전압(kV)", field: "rated_kv" }, { column: "F", header: "정격용량", field: "rated_mva" } ], unrecognised: ["비고"] },
      { name: "시료", role: "samples", header_row: 1, columns: [
        { column: "A", header: "설비번호", field: "asset_id" }, { column: "B", header: "채취일", field: "sample_date" },
        ...GASES.map((g, i) => ({ column: String.fromCharCode(67 + i), header: `${g} (ppm)`, field: g.toLowerCase() })) ], unrecognised: ["수분(ppm)", "산가"] },
      { name: "메모", role: "ignored", header_row: null, columns: [], unrecognised: [] },
    ],
    needs_mapping: false, assets_new: 12, samples_new: 2164, samples_updated: 0, millis: 1840,
  };
}

const FIELDS: FieldChoice[] = [
  ["asset_id", "Asset ID", "설비번호", true], ["asset_name", "Asset name", "설비명", false], ["substation", "Substation", "변전소", false],
  ["sample_date", "Sample date", "채취일", true], ["lab_sample_id", "Lab sample ID", "시료번호", false],
  ...GASES.map((g) => [g.toLowerCase(), `${g} (ppm)`, `${g} (ppm)`, false] as [string, string, string, boolean]),
].map(([key, label_en, label_ko, required_for_samples]) => ({ key, label_en, label_ko, required_for_samples }) as FieldChoice);

const memo = new Map<string, { rows: Asset[]; counts: [number, number, number, number, number] }>();
function fleetPage(f: FleetFilter): FleetPage {
  const key = JSON.stringify([dataVersion, f.batch_id, f.search, f.fault, f.status, f.sort]);
  let hit = memo.get(key);
  if (!hit) {
    if (memo.size > 20) memo.clear();
    hit = fleetQuery(f);
    memo.set(key, hit);
  }
  const page = hit.rows.slice(f.offset, f.offset + Math.max(1, f.limit)).map(({ batch: _b, samples: _s, pattern: _p, ...row }) => row);
  return { rows: page, total: hit.rows.length, offset: f.offset, status_counts: hit.counts };
}

function fleetQuery(f: FleetFilter) {
  let rows = assets.filter((a) => f.batch_id === null || a.batch === f.batch_id);
  if (f.search) {
    const q = f.search.toLowerCase();
    rows = rows.filter((a) => [a.asset_id, a.name, a.substation].some((v) => v?.toLowerCase().includes(q)));
  }
  if (f.fault) rows = rows.filter((a) => a.fault === f.fault);
  const counts: [number, number, number, number, number] = [0, 0, 0, 0, 0];
  for (const a of rows) counts[a.ieee_status ? a.ieee_status - 1 : 3]++;
  if (f.status) rows = rows.filter((a) => a.ieee_status === f.status);
  const sev = (s: string | null) => ["critical", "warning", "caution", "normal"].indexOf(s ?? "") + 1 || 9;
  const cmp: Record<string, (a: Asset, b: Asset) => number> = {
    worst: (a, b) => sev(a.severity) - sev(b.severity) || (b.ieee_status ?? 0) - (a.ieee_status ?? 0) || a.asset_id.localeCompare(b.asset_id),
    id: (a, b) => a.asset_id.localeCompare(b.asset_id),
    name: (a, b) => (a.name ?? "").localeCompare(b.name ?? ""),
    substation: (a, b) => (a.substation ?? "").localeCompare(b.substation ?? ""),
    date: (a, b) => (b.latest_sample ?? "").localeCompare(a.latest_sample ?? ""),
  };
  rows = rows.slice().sort(cmp[f.sort ?? "worst"] ?? cmp.worst);
  return { rows, counts };
}

function shares3(s: SampleView): [number, number, number] | null {
  const v = (i: number) => (s.gases[i].below_detection ? 0 : s.gases[i].ppm ?? 0);
  const [ch4, c2h4, c2h2] = [v(1), v(3), v(4)];
  const sum = ch4 + c2h4 + c2h2;
  return sum > 0 ? [(100 * ch4) / sum, (100 * c2h4) / sum, (100 * c2h2) / sum] : null;
}
function pentagon(s: SampleView): [number, number] | null {
  const v = (i: number) => Math.max(1e-6, s.gases[i].below_detection ? 0 : s.gases[i].ppm ?? 0);
  const vals = [v(0), v(2), v(1), v(3), v(4)];
  const sum = vals.reduce((a, b) => a + b, 0);
  const pts = vals.map((x, i) => {
    const a = ((90 + 72 * i) * Math.PI) / 180;
    const r = (100 * x) / sum * 0.4;
    return [Math.cos(a) * r, Math.sin(a) * r] as [number, number];
  });
  return polygonCentroid(pts);
}

function diagnosisOf(a: Asset): DiagnosisView {
  const status = statusOf(a);
  const severity = SEVERITY_OF[a.pattern] ?? "normal";
  const action = severity === "critical" ? "consider_removal_from_service" : severity === "warning" ? "expert_review" : severity === "caution" ? "resample" : "routine_monitoring";
  const days = { consider_removal_from_service: 7, expert_review: 30, resample: 90, routine_monitoring: 365 }[action];
  const sentence = {
    consider_removal_from_service: "Expert review now; consider removing the unit from service. Resample within 1 week.",
    expert_review: "Have a DGA specialist review the unit and resample within 1 month.",
    resample: "Resample within 3 months and watch the trend.",
    routine_monitoring: "Continue routine sampling (next sample within 12 months).",
  }[action];
  return {
    engine: "substation-dga 0.1.0", latest_sample: a.latest_sample ?? "", samples_used: a.samples.length,
    fault: a.pattern, fault_description: { none: "no fault suspected", T3: "thermal fault above 700 °C", T2: "thermal fault 300–700 °C", T1: "thermal fault below 300 °C", PD: "partial discharges", D1: "low-energy discharges (sparking)", D2: "high-energy discharges (arcing)", DT: "mixed thermal and electrical faults", S: "stray gassing of the oil" }[a.pattern] ?? "",
    severity, fault_suspected: a.pattern !== "none", paper_involved: a.pattern === "T2", ieee_status: status,
    iec_state: status === 3 ? "alarm" : status === 2 ? "alert" : "normal", tdcg_condition: status,
    action: sentence, action_code: action, resample_within_days: days, expert_review: status === 3,
    decided_by: a.pattern === "none" ? null : "duval_triangle_1",
    agreeing: a.pattern === "none" ? [] : ["duval_pentagon_1", "iec_60599", "rogers", "key_gas"], partly_agreeing: [], disagreeing: a.pattern === "none" ? [] : ["doernenburg"],
    overruled: a.pattern === "none" ? [] : [["doernenburg", "Duval Triangle 1 decides the fault type when a hydrocarbon is elevated: it is right most often on faults found by inspection"]],
    verdict_line: a.pattern === "none" ? null : `${a.pattern} from Duval Triangle 1 (${a.pattern}); agree: Duval Pentagon 1 (${a.pattern})`,
    rules: [
      { code: "consensus.screening", gas: null, message: `IEEE C57.104-2019 Status ${status}, IEC 60599 ${status === 3 ? "alarm" : "normal"}, IEEE C57.104-2008 TDCG Condition ${status}` },
      { code: "consensus.fault_from_triangle_1", gas: null, message: `Duval Triangle 1 places the latest sample in ${a.pattern === "none" ? "T1" : a.pattern}` },
      { code: "ieee2019.level_above_table2", gas: "H2", message: "H2 95 ppm is above the Table 2 (95th percentile) limit of 90 ppm" },
      { code: "ieee2019.rate_above_table4", gas: "CH4", message: "CH4 is rising 95.7 ppm/year, above the Table 4 limit of 3 ppm/year" },
    ],
    // As Rust groups them (substation_dga::readout::rules_by_gas): worst gas first, the sample's last.
    rule_groups: [
      { gas: "CH4", worst: { code: "ieee2019.rate_above_table4", gas: "CH4", message: "CH4 is rising 95.7 ppm/year, above the Table 4 limit of 3 ppm/year" }, others: [] },
      { gas: "H2", worst: { code: "ieee2019.level_above_table2", gas: "H2", message: "H2 95 ppm is above the Table 2 (95th percentile) limit of 90 ppm" }, others: [] },
      {
        gas: null,
        worst: { code: "consensus.screening", gas: null, message: `IEEE C57.104-2019 Status ${status}, IEC 60599 ${status === 3 ? "alarm" : "normal"}, IEEE C57.104-2008 TDCG Condition ${status}` },
        others: [{ code: "consensus.fault_from_triangle_1", gas: null, message: `Duval Triangle 1 places the latest sample in ${a.pattern === "none" ? "T1" : a.pattern}` }],
      },
    ],
    methods: [
      ["ieee_c57_104_2019", `status ${status}`], ["ieee_c57_104_2008", `condition ${status}`], ["iec_60599", a.pattern === "none" ? "ND" : a.pattern],
      ["duval_triangle_1", a.pattern === "none" ? "T1" : a.pattern], ["duval_triangle_4", "not_applicable"], ["duval_triangle_5", "T3"],
      ["duval_pentagon_1", a.pattern], ["duval_pentagon_2", "T3-H"], ["rogers", "case 5"], ["doernenburg", "thermal"], ["key_gas", "overheated oil"],
    ],
  };
}

function assetView(id: string): AssetView {
  const a = assets.find((x) => x.asset_id === id);
  if (!a) throw { code: "no_such_asset", message: `no transformer \`${id}\` in the local cache`, message_ko: null };
  const diag = diagnosisOf(a);
  return {
    nameplate: { id, name: a.name, substation: a.substation, manufacturer: "효성중공업", year_of_manufacture: 1998, rated_kv: 154, rated_mva: 60, oil_volume_litres: 38000, oil_preservation: "conservator", communicating_oltc: true },
    gases: GASES,
    samples: a.samples,
    duval: a.samples.map((s) => ({ date: s.date, triangle_1: shares3(s), triangle_1_zone: a.pattern === "none" ? "T1" : a.pattern, pentagon_1: pentagon(s), pentagon_1_zone: a.pattern === "none" ? "S" : a.pattern })),
    limits: a.ieee_status ? Object.entries(LIMITS).map(([gas, [t1, t2]]) => ({ gas, table1_ppm: t1, table2_ppm: t2, status: 1, rate_ppm_per_year: null })) : [],
    diagnosis: a.ieee_status ? diag : null,
    answer: null,
    preview: a.ieee_status ? null : diag,
    history: a.ieee_status ? [{ id: 10, run_id: 2, created_at: "2025-03-12 16:40:20", latest_sample: a.latest_sample, ieee_status: a.ieee_status, fault: a.fault, severity: a.severity }] : [],
    log: (logbooks.get(id) ?? []).slice().sort((x, y) => y.date.localeCompare(x.date)),
    oil_processed: (() => {
      const oil = (logbooks.get(id) ?? []).filter((e) => e.kind === "oil_processed").sort((x, y) => y.date.localeCompare(x.date))[0];
      return oil ? { date: oil.date, treatment: oil.detail ?? "degassed" } : null;
    })(),
  };
}

/** Logbook entries added in the mock, by transformer. */
const logbooks = new Map<string, LogEntryView[]>();

function addLogEntry(entry: NewLogEntry): LogEntryView {
  if (!assets.some((x) => x.asset_id === entry.asset_id)) throw { code: "store.no_such_asset", message: `no transformer ${entry.asset_id} in the cache`, message_ko: null };
  const needsText = ["inspection", "repair", "note"].includes(entry.kind);
  if (needsText && entry.text.trim() === "") throw { code: "store.invalid_log_entry", message: `the logbook entry cannot be kept: a ${entry.kind} entry needs a text`, message_ko: null };
  const bad = entry.gases.find(([, v]) => !/^\s*(<\s*)?\d+([.,]\d+)?\s*$|^\s*nd\s*$/i.test(v));
  if (bad) throw { code: "bad_gas_reading", message: `${bad[0]}: “${bad[1]}” is not a number`, message_ko: `${bad[0]}: “${bad[1]}”은(는) 숫자가 아닙니다` };
  const view: LogEntryView = {
    uuid: `mock-${Date.now()}-${Math.random()}`,
    date: entry.date,
    kind: entry.kind,
    author: entry.author.trim(),
    text: entry.text.trim(),
    detail: entry.kind === "sample" ? entry.source : entry.kind === "oil_processed" ? entry.treatment : null,
    gases: entry.kind === "sample"
      ? GASES.map((g) => {
          const typed = entry.gases.find(([gas]) => gas === g)?.[1]?.trim() ?? "";
          if (typed === "") return { ppm: null, below_detection: false };
          if (/^nd$/i.test(typed)) return { ppm: null, below_detection: true };
          const below = typed.startsWith("<");
          return { ppm: Number(typed.replace("<", "").replace(",", ".")), below_detection: below };
        })
      : null,
    created_at: new Date().toISOString(),
    origin: null,
  };
  logbooks.set(entry.asset_id, [...(logbooks.get(entry.asset_id) ?? []), view]);
  return view;
}

const ZONES: DuvalZones = {
  triangle_1: [
    ["PD", [[100, 0, 0], [98, 2, 0], [98, 0, 2]]],
    ["T1", [[98, 2, 0], [80, 20, 0], [76, 20, 4], [96, 0, 4], [98, 0, 2]]],
    ["T2", [[80, 20, 0], [50, 50, 0], [46, 50, 4], [76, 20, 4]]],
    ["T3", [[50, 50, 0], [0, 100, 0], [0, 85, 15], [35, 50, 15]]],
    ["D1", [[0, 0, 100], [0, 23, 77], [64, 23, 13], [87, 0, 13]]],
    ["D2", [[0, 23, 77], [0, 71, 29], [31, 40, 29], [47, 40, 13], [64, 23, 13]]],
    ["DT", [[96, 0, 4], [87, 0, 13], [47, 40, 13], [31, 40, 29], [0, 71, 29], [0, 85, 15], [35, 50, 15], [46, 50, 4]]],
  ],
  pentagon_1: [
    ["D2", [[4, 16], [32, -6.1], [24.3, -30], [0, -3], [0, 1.5]]],
    ["D1", [[0, 40], [38, 12], [32, -6.1], [4, 16], [0, 1.5]]],
    ["T3", [[0, -3], [24.3, -30], [23.5, -32.4], [1, -32.4], [-6, -4]]],
    ["T2", [[-6, -4], [1, -32.4], [-22.5, -32.4]]],
    ["T1", [[-6, -4], [-22.5, -32.4], [-23.5, -32.4], [-35, 3.1], [0, 1.5], [0, -3]]],
    ["PD", [[0, 33], [-1, 33], [-1, 24.5], [0, 24.5]]],
    ["S", [[0, 1.5], [-35, 3.1], [-38, 12.4], [0, 40], [0, 33], [-1, 33], [-1, 24.5], [0, 24.5]]],
  ],
  pentagon_outline: [0, 1, 2, 3, 4].map((i) => {
    const a = ((90 + 72 * i) * Math.PI) / 180;
    return [40 * Math.cos(a), 40 * Math.sin(a)] as [number, number];
  }),
};

let cancel = false;
let runId = 3;
async function diagnose(request: RunRequest, channel: { onmessage: (e: RunEvent) => void }): Promise<RunSummary> {
  cancel = false;
  const targets = request.resume_run
    ? assets.filter((a) => !a.ieee_status && (request.batch_id === null || a.batch === request.batch_id)).slice(0, 46)
    : request.asset_id
      ? assets.filter((a) => a.asset_id === request.asset_id)
      : assets.filter((a) => request.batch_id === null || a.batch === request.batch_id);
  const total = targets.length;
  const limit = request.concurrency ?? (request.engine === "lambda" ? 64 : 2);
  const started = performance.now();
  let done = 0, failed = 0, retried = 0;
  const perTick = Math.max(1, Math.round((total / 40) * SPEED));
  const id = ++runId;
  while (done + failed < total && !cancel) {
    await new Promise((r) => setTimeout(r, 100));
    const batch = targets.slice(done + failed, done + failed + perTick);
    const outcomes: AssetOutcome[] = batch.map((a) => {
      if (rand() < 0.02) {
        failed++;
        return { asset_id: a.asset_id, ieee_status: null, iec_state: null, fault: null, severity: null, fault_label: null, profile: null, headline: null, score: null, error_code: "engine.timeout", error: "the engine did not answer within 60 s" };
      }
      if (rand() < 0.05) retried++;
      done++;
      diagnoseInto(a);
      return { asset_id: a.asset_id, ieee_status: a.ieee_status, iec_state: a.iec_state, fault: a.fault, severity: a.severity, fault_label: null, profile: null, headline: null, score: null, error_code: null, error: null };
    });
    const seconds = (performance.now() - started) / 1000;
    const rate = (done + failed) / Math.max(seconds, 0.001);
    const counts: RunCounts = {
      total, queued: Math.max(0, total - done - failed - Math.min(limit, total - done - failed)), in_flight: Math.min(limit, total - done - failed),
      done, failed, retried, throttled: request.engine === "lambda" ? Math.floor(retried / 2) : 0, limit, per_second: rate,
      eta_seconds: rate > 0 ? (total - done - failed) / rate : null,
    };
    channel.onmessage({ kind: "progress", counts, outcomes });
  }
  const summary: RunSummary = {
    run_id: id, ending: cancel ? "cancelled" : "finished", assets: total, diagnosed: done, reused: 0, failed,
    not_run: total - done - failed, seconds: (performance.now() - started) / 1000, stop: null,
  };
  runs.unshift({ id, batch_id: request.batch_id, engine: request.engine ?? "embedded", state: summary.ending, started_at: new Date().toISOString(), finished_at: new Date().toISOString(), assets: total, succeeded: done, failed, reused: 0, owed: total - done, origin: null });
  channel.onmessage({ kind: "finished", summary });
  return summary;
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

mockWindows("main");
mockIPC(
  async (cmd, args) => {
    const a = args as Record<string, any>;
    // Typed by the generated command list: a command renamed in Rust fails the check here too.
    switch (cmd as CommandName | "plugin:dialog|open" | "plugin:dialog|save") {
      case "app_info": return info();
      case "history": return history();
      case "header_fields": return FIELDS;
      case "duval_zones": return ZONES;
      case "open_workbook": {
        const path: string = a.path;
        if (/missing/i.test(path)) throw { code: "unreadable_file", message: `\`${path}\` does not exist or cannot be read`, message_ko: null };
        for (const [sheet, rows] of [["변압기", 170], ["시료", 800], ["시료", 1600], ["시료", 2231]] as const) {
          await wait(250 / SPEED);
          a.onProgress.onmessage({ sheet, rows_read: rows });
        }
        return opened(path, a.mapping ?? []);
      }
      case "import_issues": return ALL_ISSUES.slice(a.offset, a.offset + a.limit);
      case "fleet": await wait(30); return fleetPage(a.filter);
      case "asset": await wait(40); return assetView(a.id);
      case "add_log_entry": await wait(20); return addLogEntry(a.entry);
      case "diagnose": return diagnose(a.request, a.onEvent);
      case "cancel_run": cancel = true; return true;
      case "cancel_open": return false;
      case "sync_status": return syncStatus();
      case "set_sync_token": syncToken = true; return syncStatus();
      case "forget_sync_token": syncToken = false; return syncStatus();
      case "requeue_rejected": return requeue(a.ids);
      case "open_log_folder": return null;
      case "sync_now": return syncNow(a.onEvent);
      case "cancel_sync": return false;
      case "profiles": return mockProfiles;
      case "add_profile": {
        const name = String(a.path).split("/").pop()?.replace(/\.toml$/, "") ?? "profile";
        const added = { name, sha256: name.padEnd(64, "0").slice(0, 64), description: "Added in the mock", function: name, answers: 0 };
        mockProfiles.push(added);
        return added;
      }
      case "export_profile": return null;
      case "remove_profile": mockProfiles = mockProfiles.filter((p) => p.sha256 !== a.sha256); return null;
      case "test_profile": return {
        asset_id: a.assetId, function: "seed-ai",
        request_json: JSON.stringify({ equipment_id: a.assetId, samples: [{ date: "2025-03-01", h2: 420, c2h2: 95 }] }),
        answer_json: '{"status": 200, "response": {"equipment_id": "' + a.assetId + '", "fault_class": "Arcing", "health_index": 3.3, "comment": "Take it out of service and inspect."}}',
        summary: { severity: "critical", score: 3.3, fault: "D2", fault_label: "Arcing", action: "Take it out of service and inspect.", headline: "Arcing, health index 3.3", latest_sample: "2025-03-01", profile: "seed-ai" },
        failed_step: null, error: null,
      };
      case "save_settings": {
        const s = a.settings as Settings;
        if (!s.function_name.trim()) throw { code: "invalid_settings", message: "the settings are not valid: the Lambda function name is empty", message_ko: null };
        if (s.endpoint_url && !/^https?:\/\//.test(s.endpoint_url)) throw { code: "invalid_settings", message: `the settings are not valid: the endpoint \`${s.endpoint_url}\` must start with http:// or https://`, message_ko: null };
        settings = s;
        return s;
      }
      case "report": return { path: a.path, pages: a.asset ? 2 : 12, transformers: a.asset ? 1 : fleetPage({ ...a.filter, offset: 0, limit: 1e9 }).total };
      case "export_fleet": return { path: a.path, rows: fleetPage({ ...a.filter, offset: 0, limit: 1e9 }).total };
      case "plugin:dialog|open": return "C:\\Users\\engineer\\Documents\\DGA\\2025 상반기 유중가스분석.xlsx";
      case "plugin:dialog|save": return `C:\\Users\\engineer\\Documents\\${a.options?.defaultPath ?? "fleet.xlsx"}`;
      default:
        console.warn("mock: unhandled", cmd, args);
        return null;
    }
  },
  { shouldMockEvents: true },
);

// Simulated native drag-drop for screenshots: __mockDrag("enter"|"leave"), __mockDrop([paths]).
Object.assign(window, {
  __mockDrag: (type: "enter" | "leave") =>
    emit(type === "enter" ? "tauri://drag-enter" : "tauri://drag-leave", { paths: [], position: { x: 10, y: 10 } }),
  __mockDrop: (paths: string[]) => emit("tauri://drag-drop", { paths, position: { x: 10, y: 10 } }),
});

await import("../src/main");
