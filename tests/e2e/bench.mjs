// Desktop figures for docs/benchmarks.md, measured in the real app under Xvfb (scripts/bench-desktop):
// open-to-preview of the sample fleet and of a 100,000-row workbook, and the longest gap between
// painted frames while 1,000 results stream into the fleet table (embedded and Lambda engines),
// and how long a sample typed into a transformer's logbook takes to be stored, diagnosed on the
// embedded engine and shown. Open-to-preview also says how much of it the app's Rust command
// took. SUBSTATION_APP=<path> measures another build (a release build, or a base commit's).

import { execFileSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import {
  attr, clickId, dataDir, launch, sampleFleet, saveSettings, startDriver, startLambda, state, stopAll,
  target, testid, waitAttr,
} from "./lib.mjs";

const big = join(target, "bench-data", "desktop-1000x100.xlsx");
if (!existsSync(big)) {
  execFileSync(join(target, "debug", "substation-samplegen"), ["big", "--transformers", "1000", "--samples", "100", big]);
}

/** Opens a workbook through the app's hook; milliseconds until the preview has painted. */
async function openToPreview(browser, path, assets) {
  const ms = await browser.executeAsync((p, done) => {
    const t0 = performance.now();
    window.__substation.openPath(p).then(() =>
      requestAnimationFrame(() => requestAnimationFrame(() => done(performance.now() - t0))),
    );
  }, path);
  await waitAttr(browser, "preview-summary", "data-assets", assets);
  return { ms, rust: await attr(browser, "preview-summary", "data-millis") };
}

/** Records every frame's gap from the previous one until `stopFrames` is called. */
async function startFrames(browser) {
  await browser.execute(() => {
    const gaps = [];
    let last = performance.now();
    let running = true;
    const tick = (now) => {
      gaps.push(now - last);
      last = now;
      if (running) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    window.__frames = { gaps, stop: () => (running = false) };
  });
}
async function stopFrames(browser) {
  const gaps = await browser.execute(() => {
    window.__frames.stop();
    return window.__frames.gaps;
  });
  const sorted = [...gaps].sort((a, b) => a - b);
  const q = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  return { frames: gaps.length, p50: q(0.5), p99: q(0.99), max: sorted[sorted.length - 1], over100: gaps.filter((g) => g > 100).length };
}

async function streamRun(browser, engine) {
  await (await browser.$(testid("engine-select"))).selectByAttribute("value", engine);
  await startFrames(browser);
  await browser.execute(() => {
    window.__updateCosts = window.__substation.timeRunUpdates();
  });
  const t0 = Date.now();
  await clickId(browser, "diagnose-start");
  await waitAttr(browser, "run-summary", "data-ending", "finished", 300_000);
  const seconds = (Date.now() - t0) / 1000;
  const frames = await stopFrames(browser);
  const costs = (await browser.execute(() => window.__updateCosts)).sort((a, b) => a - b);
  const updates = { updates: costs.length, updateP50: costs[Math.floor(costs.length / 2)] ?? 0, updateMax: costs[costs.length - 1] ?? 0 };
  const diagnosed = await attr(browser, "run-summary", "data-diagnosed");
  return { engine, diagnosed, seconds, ...frames, ...updates };
}

/** Types a sample dated `back` days ago into the open transformer's logbook; milliseconds from
 *  Save until the diagnosis panel shows that sample as its latest. */
async function typeSample(browser, back) {
  const d = new Date(Date.now() - back * 86_400_000);
  const date = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  await clickId(browser, "log-add");
  await browser.execute((fields) => {
    for (const [selector, value] of fields) {
      const el = document.querySelector(selector);
      el.value = value;
      el.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }, [
    [testid("log-date"), date],
    [testid("log-author"), "bench"],
    [`${testid("log-gas")}[data-gas="H2"]`, "9"],
    [`${testid("log-gas")}[data-gas="CH4"]`, "3"],
    [`${testid("log-gas")}[data-gas="CO"]`, "110"],
  ]);
  const t0 = Date.now();
  await clickId(browser, "log-save");
  await waitAttr(browser, "diagnosis-panel", "data-latest-sample", date, 30_000);
  return Date.now() - t0;
}

const f = (ms) => `${ms.toFixed(0)} ms`;
/** "1216 ms (Rust 804)": the whole open-to-preview and the part spent in the app's Rust command. */
const fo = (o) => (o.rust ? `${f(o.ms)} (Rust ${o.rust})` : f(o.ms));
const lambda = await startLambda(1000, { background: true });
await startDriver();
let browser;
try {
  state.step = "launch";
  browser = await launch();
  // Not the sample button: a release build run from its target folder has no sample beside it.
  await (await browser.$(testid("open-button"))).waitForClickable({ timeout: 30_000 });

  state.step = "open to preview";
  const small = [];
  for (let i = 0; i < 3; i++) small.push(await openToPreview(browser, sampleFleet, 170));
  const large = [];
  for (let i = 0; i < 3; i++) large.push(await openToPreview(browser, big, 1000));
  console.log(`open to preview, sample fleet (170 transformers, 2,164 samples): ${small.map(fo).join(", ")}`);
  console.log(`open to preview, 1,000 transformers x 100 samples (100,000 rows, ${big}): ${large.map(fo).join(", ")}`);

  state.step = "streaming";
  await clickId(browser, "preview-continue");
  await (await browser.$(testid("fleet-table"))).waitForDisplayed({ timeout: 20_000 });
  const embedded = await streamRun(browser, "embedded");
  await saveSettings(browser, async () => {
    await (await browser.$(testid("settings-endpoint"))).setValue(lambda.endpoint);
    await (await browser.$(testid("settings-concurrency"))).setValue("1000");
  });
  const remote = await streamRun(browser, "lambda");
  for (const r of [embedded, remote]) {
    console.log(
      `${r.engine}: ${r.diagnosed} results in ${r.seconds.toFixed(2)} s; ${r.frames} frames, ` +
        `gap p50 ${f(r.p50)}, p99 ${f(r.p99)}, max ${f(r.max)}, ${r.over100} over 100 ms; ` +
        `${r.updates} updates, JS + DOM + layout p50 ${f(r.updateP50)}, max ${f(r.updateMax)}`,
    );
  }

  state.step = "typed sample";
  await (await browser.$(testid("engine-select"))).selectByAttribute("value", "embedded");
  await (await browser.$(testid("fleet-row"))).click();
  await (await browser.$(testid("transformer-view"))).waitForDisplayed({ timeout: 20_000 });
  const typed = [];
  for (let i = 0; i < 3; i++) typed.push(await typeSample(browser, 3 - i));
  console.log(`typed sample, Save to its diagnosis shown (embedded): ${typed.map(f).join(", ")}`);
} catch (error) {
  console.error(`bench FAILED at ${state.step}: ${error.message}`);
  process.exitCode = 1;
} finally {
  if (browser) await browser.deleteSession().catch(() => {});
  stopAll();
  rmSync(dataDir, { recursive: true, force: true });
}
