// End-to-end test of the real desktop app: the debug binary under Xvfb, driven through
// tauri-driver (WebDriver → WebKitWebDriver → the app's webview). Run by scripts/e2e.
//
// It opens the sample fleet (through the app's test hook, as WebDriver cannot perform a native
// drag-drop or dialog), launches the app a second time with a messy workbook (the running
// window opens it, the second process ends), checks that workbook's issues, diagnoses the fleet
// on the embedded engine and on the Lambda engine (the real AWS SDK against the Lambda test
// server on loopback), syncs with the central service, checks the app's log file (what happened,
// never the token), opens a transformer, switches to Korean, quits, stops the "Lambda"
// server, relaunches and reviews the cached results offline. Screenshots go to
// $SUBSTATION_SCREENSHOTS.

import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  appLog, attr, check, root, clickId, dataDir, launch, launchAgain, logDir, messy, openPath, runFleet, sampleFleet,
  saveSettings, shot, shots, startCentral, startDriver, startLambda, state, stopAll, testid, waitAttr,
} from "./lib.mjs";

const started = Date.now();
let lambda = await startLambda();
await startDriver();
let browser;
try {
  state.step = "first launch";
  browser = await launch();
  await (await browser.$(testid("open-sample-button"))).waitForClickable({ timeout: 30_000 });
  check((await attr(browser, "engine-indicator", "data-engine")) === "embedded", "embedded / offline by default");
  await browser.waitUntil(async () => appLog().includes("Substation Bulk starting"), {
    timeout: 10_000,
    timeoutMsg: `first launch: no log file in ${logDir} says the app started`,
  });
  await shot(browser, "01-start");

  state.step = "preview";
  await clickId(browser, "open-sample-button");
  await waitAttr(browser, "preview-summary", "data-assets", 170);
  check((await attr(browser, "preview-summary", "data-samples")) === "2164", "2,164 samples");
  await shot(browser, "02-preview");

  state.step = "issues of a messy workbook, handed over by a second launch";
  // "Open with" on another workbook while the app runs: the second process hands the file to
  // this window and ends; the window opens it.
  const second = await launchAgain(messy);
  check(second.code === 0, `the second launch ended with ${second.code}: ${second.stderr}`);
  await browser.waitUntil(async () => Number(await attr(browser, "issues-panel", "data-total")) > 0, {
    timeout: 30_000,
    timeoutMsg: "no issues listed for messy.xlsx",
  });
  const issue = await browser.$(testid("issue-row"));
  check((await issue.getAttribute("data-sheet")) !== "", "issues name their sheet");
  check(Number(await issue.getAttribute("data-row")) > 1, "issues name their row");
  await shot(browser, "03-issues");

  state.step = "blank gas cells";
  // A laboratory export that leaves undetected acetylene blank: the preview counts the blanks
  // and asks what they mean; the answer is remembered for workbooks with the same headers.
  const blanks = join(dataDir, "lab-blanks.csv");
  writeFileSync(
    blanks,
    "Asset ID,Date sampled,H2 (ppm),CH4 (ppm),C2H6 (ppm),C2H4 (ppm),C2H2 (ppm),CO (ppm),CO2 (ppm)\n" +
      "BL-1,2024-01-10,30,45,20,60,0.8,400,3000\nBL-1,2024-07-10,35,50,22,70,,420,3100\n" +
      "BL-2,2024-02-01,12,6,4,3,,300,2400\n",
  );
  await openPath(browser, blanks);
  await waitAttr(browser, "blank-gas", "data-reading", "not_measured");
  check((await attr(browser, "blank-gas", "data-chosen-by")) === "default", "blank cells read by default at first");
  await clickId(browser, "blank-gas-not_detected");
  await waitAttr(browser, "blank-gas", "data-chosen-by", "option");
  check((await attr(browser, "blank-gas", "data-reading")) === "not_detected", "blank cells now read as not detected");
  await shot(browser, "03b-blank-gas");
  await openPath(browser, blanks);
  await waitAttr(browser, "blank-gas", "data-chosen-by", "remembered");
  check((await attr(browser, "blank-gas", "data-reading")) === "not_detected", "the reading is remembered");

  state.step = "embedded run";
  await openPath(browser, sampleFleet);
  await waitAttr(browser, "preview-summary", "data-assets", 170);
  await clickId(browser, "preview-continue");
  await (await browser.$(testid("fleet-table"))).waitForDisplayed({ timeout: 20_000 });
  await runFleet(browser, "embedded", "04-embedded");
  await shot(browser, "05-results");

  state.step = "Lambda run";
  await saveSettings(browser, async () => {
    await (await browser.$(testid("settings-endpoint"))).setValue(lambda.endpoint);
    await (await browser.$(testid("settings-function"))).setValue("substation-diagnose");
    await (await browser.$(testid("settings-concurrency"))).setValue("16");
  });
  await runFleet(browser, "lambda", "06-lambda");
  const stats = await (await fetch(`${lambda.endpoint}/stats`)).json();
  check(Object.keys(stats.invocations_per_asset).length === 170, "every transformer went to Lambda");
  check(Object.values(stats.invocations_per_asset).every((n) => n === 1), "each exactly once");
  await shot(browser, "07-lambda-results");

  state.step = "sync to the central service";
  const central = await startCentral();
  check((await attr(browser, "sync-button", "data-state")) === "off", "sync is off until it is set up");
  await saveSettings(browser, async () => {
    await (await browser.$(testid("settings-sync-server"))).setValue(central.url);
    await (await browser.$(testid("settings-sync-token"))).setValue(central.token);
    check((await attr(browser, "settings-open-log", "data-dir")) === logDir, "Settings offers the log folder");
    await shot(browser, "07a-sync-settings");
  });
  // The token went to the OS credential store (a real Secret Service: scripts/with-keyring),
  // which woke the background sync: everything goes up without a click.
  await waitAttr(browser, "sync-button", "data-state", "synced", 90_000);
  check(central.count("diagnosis") === 340, `the central service holds both runs' 340 diagnoses once (${central.count("diagnosis")})`);
  check(central.count("asset") >= 170, `and the sample fleet's 170 transformers (${central.count("asset")})`);
  await clickId(browser, "sync-button");
  await (await browser.$(testid("sync-panel"))).waitForDisplayed({ timeout: 10_000 });
  check((await (await browser.$(testid("sync-pending"))).getText()).trim() === "0", "nothing waits");
  await clickId(browser, "sync-now");
  await (await browser.$(testid("sync-done"))).waitForDisplayed({ timeout: 60_000 });
  check(central.count("diagnosis") === 340, "Sync now again stores nothing twice");
  await shot(browser, "07b-sync-panel");
  const log = appLog();
  for (const wanted of ["workbook opened", "diagnosis run ended", "sync token stored", "sync finished", "a second launch handed over a workbook"]) {
    check(log.includes(wanted), `the log says "${wanted}"`);
  }
  check(!log.includes(central.token), "the sync token is not in the log");
  await clickId(browser, "sync-close");
  await (await browser.$(testid("sync-panel"))).waitForDisplayed({ reverse: true, timeout: 10_000 });

  state.step = "transformer view";
  const worst = await browser.$(`${testid("fleet-row")}`);
  const worstId = await worst.getAttribute("data-asset-id");
  await worst.click();
  await waitAttr(browser, "transformer-view", "data-asset-id", worstId);
  await browser.waitUntil(async () => (await browser.$$(testid("trend-chart"))).length >= 5, {
    timeout: 20_000,
    timeoutMsg: "trend charts missing",
  });
  check(Number(await attr(browser, "duval-triangle", "data-points")) > 0, "Duval triangle has the sample path");
  check(Number(await attr(browser, "duval-pentagon", "data-points")) > 0, "Duval pentagon has the sample path");
  check((await attr(browser, "diagnosis-panel", "data-stored")) === "true", "a stored diagnosis");
  const decidedBy = await attr(browser, "diagnosis-decided", "data-decided-by");
  check(/^(duval_triangle_[14]|iec_60599)$/.test(decidedBy ?? ""), `the method that made the call is named (${decidedBy})`);
  await shot(browser, "08-transformer");

  state.step = "logbook: oil degassed, then a sample typed in";
  // The worst transformer's oil is degassed two days ago and a portable analyser reads it
  // yesterday; its rediagnosis runs on the embedded engine (chosen in the fleet view).
  const day = (back) => {
    const d = new Date(Date.now() - back * 86_400_000);
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  };
  const setField = async (id, value) => {
    await browser.execute((sel, v) => {
      const el = document.querySelector(sel);
      el.value = v;
      el.dispatchEvent(new Event("input", { bubbles: true }));
      el.dispatchEvent(new Event("change", { bubbles: true }));
    }, id, value);
  };
  await clickId(browser, "asset-back");
  await (await browser.$(testid("diagnose-panel"))).waitForDisplayed({ timeout: 20_000 });
  await (await browser.$(testid("engine-select"))).selectByAttribute("value", "embedded");
  await waitAttr(browser, "engine-indicator", "data-engine", "embedded");
  await (await browser.$(`${testid("fleet-row")}[data-asset-id="${worstId}"]`)).click();
  await waitAttr(browser, "transformer-view", "data-asset-id", worstId);
  await clickId(browser, "log-add");
  await (await browser.$(testid("log-kind"))).selectByAttribute("value", "oil_processed");
  await setField(testid("log-date"), day(2));
  await setField(testid("log-author"), "J. Kim");
  await setField(testid("log-text"), "Vacuum degassing on site, 10 h");
  await clickId(browser, "log-save");
  await (await browser.$(testid("log-run-error"))).waitForDisplayed({ timeout: 20_000 });
  check((await (await browser.$(testid("log-run-error"))).getText()).length > 0, "no sample since the degassing: said so, not diagnosed from old oil");
  await (await browser.$(testid("stale-after-oil"))).waitForDisplayed({ timeout: 10_000 });
  check(/before the treatment/.test(await (await browser.$(testid("stale-after-oil"))).getText()), "the old verdict is marked as of the oil before the degassing");
  await browser.execute((sel) => document.querySelector(sel).scrollIntoView({ block: "start" }), testid("stale-after-oil"));
  await shot(browser, "08e-logbook-degassed");
  await browser.waitUntil(async () => (await browser.$$(`${testid("trend-chart")}[data-marks="1"]`)).length >= 5, {
    timeout: 10_000,
    timeoutMsg: "the trend charts do not mark the degassing",
  });
  await clickId(browser, "log-add");
  await (await browser.$(testid("log-kind"))).selectByAttribute("value", "sample");
  await (await browser.$(testid("log-source"))).selectByAttribute("value", "portable");
  await setField(testid("log-date"), day(1));
  for (const [gas, value] of [["H2", "8"], ["CH4", "3"], ["C2H6", "2"], ["C2H4", "4"], ["C2H2", "<0.5"], ["CO", "120"], ["CO2", "900"]]) {
    await setField(`${testid("log-gas")}[data-gas="${gas}"]`, value);
  }
  const typedAt = Date.now();
  await clickId(browser, "log-save");
  await waitAttr(browser, "diagnosis-panel", "data-latest-sample", day(1), 20_000);
  const typedMs = Date.now() - typedAt;
  console.log(`  typed sample saved, diagnosed and shown in ${typedMs} ms (embedded engine, debug build)`);
  check((await attr(browser, "diagnosis-panel", "data-severity")) === "normal", "from the calm sample since the degassing alone: normal");
  check((await browser.$$(`${testid("rule")}[data-code="consensus.history_restarted"]`)).length > 0 || (await browser.$$(`${testid("rule-group")}[data-code="consensus.history_restarted"]`)).length > 0, "the diagnosis says the history restarted");
  check((await browser.$$(testid("log-entry"))).length === 2, "both entries in the logbook");
  await shot(browser, "08e-logbook-sample");
  await saveSettings(browser, async () => {
    await (await browser.$(testid("settings-language"))).selectByAttribute("value", "ko");
  });
  await browser.waitUntil(async () => (await browser.$("html").getAttribute("lang")) === "ko", { timeout: 10_000 });
  check(/설비 일지/.test(await (await browser.$(testid("logbook"))).getText()), "the logbook in Korean");
  await shot(browser, "08f-logbook-ko");
  await saveSettings(browser, async () => {
    await (await browser.$(testid("settings-language"))).selectByAttribute("value", "en");
  });
  await browser.waitUntil(async () => (await browser.$("html").getAttribute("lang")) === "en", { timeout: 10_000 });

  state.step = "a team's own function, through its profile";
  // The example function shaped like an existing AI service (examples/python-lambda/seed_ai):
  // its real Python handler on the test server's worker pool, called through its profile.
  const seed = await startLambda(250, { python: join(root, "examples/python-lambda/seed_ai/handler.py"), functionName: "seed-ai" });
  await saveSettings(browser, async () => {
    await (await browser.$(testid("settings-endpoint"))).setValue(seed.endpoint);
    await browser.executeAsync((p, done) => {
      window.__substation.addProfile(p).then(() => done(null), (e) => done(String(e)));
    }, join(root, "examples/python-lambda/seed_ai/profile.toml"));
    await browser.waitUntil(async () => (await (await browser.$(testid("settings-function-profile"))).getValue()) !== "", {
      timeout: 10_000,
      timeoutMsg: "the added profile is not chosen",
    });
  });
  await clickId(browser, "settings-button");
  await clickId(browser, "profile-test-button");
  await (await browser.$(testid("profile-test"))).waitForDisplayed({ timeout: 30_000 });
  check((await attr(browser, "profile-test", "data-failed-step")) === "", "the profile test passed every step");
  check(["normal", "caution", "warning", "critical"].includes(await attr(browser, "profile-test-summary", "data-severity")), "the test shows the summary read");
  await shot(browser, "08a-profile-test");
  await clickId(browser, "profile-test-close");
  await clickId(browser, "settings-cancel");
  await clickId(browser, "asset-back");
  await (await browser.$(testid("fleet-table"))).waitForDisplayed({ timeout: 20_000 });
  await runFleet(browser, "lambda", "08b-custom");
  const seedStats = await (await fetch(`${seed.endpoint}/stats`)).json();
  check(seedStats.invocations === 171, `the seed function was called once per transformer and once by the test (${seedStats.invocations})`);
  const first = await browser.$(testid("fleet-row"));
  check((await first.getAttribute("data-profile")) === "seed-ai", "the fleet shows the custom results");
  check((await first.getAttribute("data-severity")) === "critical", "worst first by the mapped severity");
  check((await browser.$$(testid("fault-label"))).length > 0, "the function's own fault labels are shown");
  await shot(browser, "08c-custom-fleet");
  const customId = await first.getAttribute("data-asset-id");
  await first.click();
  await waitAttr(browser, "transformer-view", "data-asset-id", customId);
  await (await browser.$(testid("custom-answer"))).waitForDisplayed({ timeout: 20_000 });
  check((await attr(browser, "custom-answer", "data-profile")) === "seed-ai", "the transformer view shows the profile's summary");
  check((await browser.$$(testid("json-node"))).length >= 2, "the raw answer is a tree");
  await shot(browser, "08d-custom-transformer");
  // The background sync takes the custom diagnoses to the central service, which reads each
  // again with its profile.
  await waitAttr(browser, "sync-button", "data-state", "synced", 90_000);
  // 340 from the two fleet runs, 1 from the logbook's rediagnosis, 170 custom.
  check(central.count("diagnosis") === 511, `the central service holds the 170 custom diagnoses too (${central.count("diagnosis")})`);
  check(central.count("log_entry") === 2, `and the logbook's two entries (${central.count("log_entry")})`);

  state.step = "Korean";
  await saveSettings(browser, async () => {
    await (await browser.$(testid("settings-language"))).selectByAttribute("value", "ko");
  });
  await browser.waitUntil(async () => (await browser.$("html").getAttribute("lang")) === "ko", {
    timeout: 10_000,
    timeoutMsg: "the page language did not switch to Korean",
  });
  const body = await browser.$("body").getText();
  check(/변압기/.test(body), "Korean labels shown");
  await shot(browser, "09-transformer-ko");
  await browser.deleteSession();
  browser = undefined;

  state.step = "offline review after relaunch";
  lambda.server.kill("SIGTERM");
  seed.server.kill("SIGTERM");
  central.server.kill("SIGTERM");
  browser = await launch();
  await (await browser.$(testid("cache-history"))).waitForDisplayed({ timeout: 30_000 });
  await browser.waitUntil(async () => (await browser.$$(testid("history-run"))).length >= 2, {
    timeout: 20_000,
    timeoutMsg: "the two runs are not listed from the cache",
  });
  check((await browser.$("html").getAttribute("lang")) === "ko", "the language setting persisted");
  const syncState = await attr(browser, "sync-button", "data-state");
  check(!["off", "no_token"].includes(syncState), `the sync token is still in the credential store (${syncState})`);
  await shot(browser, "10-relaunch-ko");
  // The sample fleet's import, reviewed from the cache with the "Lambda" gone.
  const batchId = await browser.execute(() => {
    const items = [...document.querySelectorAll('[data-testid="history-import"]')];
    const item = items.find((el) => (el.textContent ?? "").includes("fleet-two-sheets"));
    return item ? item.getAttribute("data-batch-id") : null;
  });
  check(batchId !== null, "the sample fleet's import is listed");
  await clickId(browser, `history-import"][data-batch-id="${batchId}`);
  await waitAttr(browser, "fleet-table", "data-total", 170);
  // The latest diagnoses are the team function's: its severities and labels, from the cache.
  const severities = await browser.$$(testid("fleet-row")).map((r) => r.getAttribute("data-severity"));
  check(severities.length > 0 && severities.every((s) => ["normal", "caution", "warning", "critical"].includes(s)), `cached severities: ${severities.slice(0, 5)}`);
  check(severities[0] === "critical", "still worst first");
  const profilesShown = await browser.$$(testid("fleet-row")).map((r) => r.getAttribute("data-profile"));
  check(profilesShown.every((p) => p === "seed-ai"), "the custom results are what the cache reviews");
  await shot(browser, "11-offline-review-ko");

  state.step = "three error states, in Korean and in English";
  // A file named like a workbook that is not one: the banner says so in the app's words, and
  // Rust's own (naming the file) beneath.
  const notWorkbook = join(dataDir, "지난달 결과.xlsx");
  writeFileSync(notWorkbook, "a note saved under a workbook's name\n");
  await openPath(browser, notWorkbook);
  await waitAttr(browser, "error-banner", "data-code", "import.not_a_workbook", 20_000);
  await (await browser.$(testid("fleet-table"))).waitForDisplayed({ timeout: 10_000 });
  // A Lambda function name with a typo: the run stops at once with one reason.
  const typo = await startLambda(20);
  await saveSettings(browser, async () => {
    await (await browser.$(testid("settings-endpoint"))).setValue(typo.endpoint);
    await (await browser.$(testid("settings-function"))).setValue("substation-diagnoze");
  });
  await (await browser.$(testid("engine-select"))).selectByAttribute("value", "lambda");
  await clickId(browser, "diagnose-start");
  await waitAttr(browser, "run-summary", "data-ending", "stopped", 60_000);
  check((await attr(browser, "run-stop", "data-code")) === "engine.function_not_found", "the run names why it stopped");
  // A central service that refuses the token: the background sync fails and says why.
  const refusing = await startCentral();
  await saveSettings(browser, async () => {
    await (await browser.$(testid("settings-sync-server"))).setValue(refusing.url);
    await (await browser.$(testid("settings-sync-token"))).setValue("not-the-token");
  });
  await waitAttr(browser, "sync-button", "data-state", "failed", 60_000);
  const errorShots = async (lang) => {
    const texts = await browser.$$(testid("error-text")).map((e) => e.getText());
    check(texts.length >= 2, `the banner and the run say what went wrong (${texts.length})`);
    for (const text of texts) {
      check(!/--[a-z]|`|substation (sync|diagnose)|aws sso/.test(text), `no command-line advice: ${text}`);
      check(lang === "en" ? /^[\x20-\x7e’]+$/.test(text) : /[가-힣]/.test(text), `${lang} text: ${text}`);
    }
    await shot(browser, `12-errors-file-and-run-${lang}`);
    await clickId(browser, "sync-button");
    await (await browser.$(testid("sync-panel"))).waitForDisplayed({ timeout: 10_000 });
    check((await attr(browser, "sync-last-error", "data-code")) === "sync.unauthorized", "the sync panel names the refusal");
    await shot(browser, `13-error-sync-${lang}`);
    await clickId(browser, "sync-close");
    await (await browser.$(testid("sync-panel"))).waitForDisplayed({ reverse: true, timeout: 10_000 });
  };
  await errorShots("ko");
  await saveSettings(browser, async () => {
    await (await browser.$(testid("settings-language"))).selectByAttribute("value", "en");
  });
  await browser.waitUntil(async () => (await browser.$("html").getAttribute("lang")) === "en", {
    timeout: 10_000,
    timeoutMsg: "the page language did not switch to English",
  });
  await errorShots("en");
  console.log(`e2e passed in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${shots}`);
} catch (error) {
  console.error(`e2e FAILED at ${state.step}: ${error.message}`);
  if (browser) await browser.saveScreenshot(join(shots, "failure.png")).catch(() => {});
  process.exitCode = 1;
} finally {
  if (browser) await browser.deleteSession().catch(() => {});
  stopAll();
  rmSync(dataDir, { recursive: true, force: true });
  // A crashed session can leave the driver's pipes open; do not wait on them.
  process.exit(process.exitCode ?? 0);
}
