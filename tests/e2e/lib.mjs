// What the end-to-end test and the desktop benchmark share: the app, tauri-driver and the
// Lambda test server as child processes, and small WebDriver helpers.

import { execFileSync, spawn } from "node:child_process";
import { createServer } from "node:net";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { remote } from "webdriverio";

export const root = resolve(import.meta.dirname, "../..");
export const target = process.env.CARGO_TARGET_DIR ?? join(root, "target");
export const appBinary = process.env.SUBSTATION_APP ?? join(target, "debug", "substation-desktop");
export const serverBinary = join(target, "debug", "substation-lambda-testserver");
export const centralBinary = join(target, "debug", "substation-central");
export const shots = process.env.SUBSTATION_SCREENSHOTS ?? join(target, "e2e-screenshots");
export const driverPort = Number(process.env.SUBSTATION_DRIVER_PORT ?? 4444);
export const sampleFleet = join(root, "samples", "fleet-two-sheets.xlsx");
export const messy = join(root, "samples", "messy.xlsx");
mkdirSync(shots, { recursive: true });
export const dataDir = mkdtempSync(join(tmpdir(), "substation-e2e-"));
/** Where the app under test writes its log (SUBSTATION_LOG_DIR). */
export const logDir = join(dataDir, "logs");

/** Everything the app has logged so far (its daily files, oldest first). */
export function appLog() {
  if (!existsSync(logDir)) return "";
  return readdirSync(logDir)
    .filter((name) => name.startsWith("substation-bulk"))
    .sort()
    .map((name) => readFileSync(join(logDir, name), "utf8"))
    .join("");
}

/**
 * Launches the app binary a second time, as "Open with" does, with `file`; resolves with its
 * exit code (the single-instance hand-over makes it end at once).
 */
export function launchAgain(file) {
  const second = spawn(appBinary, [file], {
    env: { ...process.env, SUBSTATION_DATA_DIR: dataDir, SUBSTATION_LOG_DIR: logDir },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  second.stderr.on("data", (d) => (stderr += d));
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => {
      second.kill("SIGKILL");
      fail(new Error(`the second launch did not end within 30 s: ${stderr}`));
    }, 30_000);
    second.on("exit", (code) => {
      clearTimeout(timer);
      ok({ code, stderr });
    });
  });
}

const children = [];
export function start(command, args, env = {}) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  child.stderr.on("data", (d) => process.env.E2E_VERBOSE && process.stderr.write(`[${command}] ${d}`));
  return child;
}
export function stopAll() {
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
}
process.on("exit", stopAll);

/** The Lambda stand-in: answers each call with the real diagnosis after `latency` ms. */
/**
 * The Lambda test server. `background`: at the lowest CPU priority, for measurements — it
 * stands in for AWS, whose work happens on other machines, not on the laptop being measured.
 */
/**
 * The Lambda test server on a free port. `python`: a handler file run for every invocation on
 * a pool of Python worker processes (a team's own function), under the function name
 * `functionName`.
 */
export async function startLambda(latencyMs = 250, { background = false, python = null, functionName = null } = {}) {
  const args = ["--port", "0", "--latency-ms", String(latencyMs)];
  if (python) args.push("--python-handler", python, "--workers", "4");
  if (functionName) args.push("--function", functionName);
  const server = background ? start("nice", ["-n", "19", serverBinary, ...args]) : start(serverBinary, args);
  const endpoint = await new Promise((ok, fail) => {
    let text = "";
    server.stdout.on("data", (d) => {
      text += d;
      const m = text.match(/listening on (http:\/\/\S+)/);
      if (m) ok(m[1]);
    });
    server.on("exit", (code) => fail(new Error(`the Lambda test server exited with ${code}`)));
  });
  return { server, endpoint };
}

async function freePort() {
  return new Promise((ok, fail) => {
    const probe = createServer();
    probe.once("error", fail);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => ok(port));
    });
  });
}

/**
 * The reference central service (crates/central) on a new database of the PostgreSQL server
 * that SUBSTATION_TEST_PG names (scripts/e2e starts one when it is unset), with a device token
 * issued for this laptop. `count(table)` reads the service's own tables.
 */
export async function startCentral() {
  const admin = process.env.SUBSTATION_TEST_PG;
  if (!admin) throw new Error("SUBSTATION_TEST_PG is not set (scripts/e2e and scripts/test set it)");
  const name = `substation_e2e_${process.pid}_${Date.now()}`;
  execFileSync("psql", [admin, "-qXc", `CREATE DATABASE ${name}`]);
  const database = new URL(admin);
  database.pathname = `/${name}`;
  const env = { ...process.env, DATABASE_URL: database.toString() };
  execFileSync(centralBinary, ["migrate"], { env, stdio: ["ignore", "ignore", "inherit"] });
  const token = execFileSync(centralBinary, ["token", "issue", "--device", "e2e-laptop"], { env, stdio: ["ignore", "pipe", "ignore"] })
    .toString()
    .trim();
  const port = await freePort();
  const server = start(centralBinary, ["serve", "--listen", `127.0.0.1:${port}`], { DATABASE_URL: database.toString() });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {}
    if (i > 200 || server.exitCode !== null) throw new Error("the central service did not start");
    await sleep(100);
  }
  const count = (table) => Number(execFileSync("psql", [database.toString(), "-tAXc", `SELECT count(*) FROM ${table}`]).toString().trim());
  return { server, url, token, count };
}

export async function startDriver() {
  const driver = start("tauri-driver", ["--port", String(driverPort)], {
    SUBSTATION_DATA_DIR: dataDir,
    SUBSTATION_LOG_DIR: logDir,
    // Static test credentials for the Lambda engine; no real AWS configuration is read.
    AWS_ACCESS_KEY_ID: "AKIDE2ETEST",
    AWS_SECRET_ACCESS_KEY: "e2e-secret",
    AWS_REGION: "eu-west-1",
    AWS_CONFIG_FILE: join(dataDir, "no-aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: join(dataDir, "no-aws-credentials"),
    AWS_EC2_METADATA_DISABLED: "true",
    LANG: "en_US.UTF-8",
    // A release build (SUBSTATION_APP, as the desktop benchmark can use) lets WebDriver in only
    // when asked; debug builds always do.
    TAURI_WEBVIEW_AUTOMATION: "true",
  });
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${driverPort}/status`);
      if (r.ok) return driver;
    } catch {}
    await sleep(100);
  }
  throw new Error("tauri-driver did not start");
}

export async function launch() {
  return remote({
    hostname: "127.0.0.1",
    port: driverPort,
    logLevel: "error",
    connectionRetryCount: 0,
    capabilities: {
      browserName: "wry",
      "wdio:enforceWebDriverClassic": true,
      "tauri:options": { application: appBinary },
    },
  });
}

export const testid = (id) => `[data-testid="${id}"]`;
export const state = { step: "start" };
export function check(condition, message) {
  if (!condition) throw new Error(`${state.step}: ${message}`);
}
/**
 * Saves what the X server shows of the app's window. Not WebDriver's screenshot: without a GPU
 * the app paints without compositing (src-tauri/src/rendering.rs), and WebKitWebDriver's
 * screenshot never answers then (WebKitGTK 2.50).
 */
export async function shot(_browser, name) {
  await sleep(300); // let the last frame paint
  let window = "root";
  try {
    window = execFileSync("xdotool", ["search", "--onlyvisible", "--name", "^Substation Bulk$"], { encoding: "utf8" })
      .split("\n")[0]
      .trim() || "root";
  } catch {
    // No such window (yet): the whole screen.
  }
  execFileSync("import", ["-window", window, join(shots, `${name}.png`)]);
  console.log(`  screenshot ${name}.png`);
}
export async function attr(browser, id, name) {
  return (await browser.$(testid(id))).getAttribute(name);
}
export async function waitAttr(browser, id, name, wanted, timeout = 60_000) {
  await browser.waitUntil(async () => (await attr(browser, id, name)) === String(wanted), {
    timeout,
    interval: 100,
    timeoutMsg: `${state.step}: ${id}[${name}] never became ${wanted} (is ${await attr(browser, id, name).catch(() => "absent")})`,
  });
}
export async function openPath(browser, path) {
  await browser.executeAsync((p, done) => {
    window.__substation.openPath(p).then(() => done(null), (e) => done(String(e)));
  }, path);
}
export async function clickId(browser, id) {
  const el = await browser.$(testid(id));
  await el.waitForClickable({ timeout: 20_000 });
  await el.click();
}
export async function saveSettings(browser, edit) {
  await clickId(browser, "settings-button");
  await (await browser.$(testid("settings-dialog"))).waitForDisplayed({ timeout: 10_000 });
  await edit();
  await clickId(browser, "settings-save");
  await (await browser.$(testid("settings-dialog"))).waitForDisplayed({ reverse: true, timeout: 10_000 });
}
export async function runFleet(browser, engine, name) {
  const select = await browser.$(testid("engine-select"));
  await select.selectByAttribute("value", engine);
  await waitAttr(browser, "engine-indicator", "data-engine", engine);
  await clickId(browser, "diagnose-start");
  if (engine === "lambda") {
    // Calls take 250 ms each: catch the run half way.
    await browser.waitUntil(async () => Number(await attr(browser, "run-progress", "data-done")) >= 40, {
      timeout: 60_000,
      interval: 50,
      timeoutMsg: `${state.step}: the Lambda run made no progress`,
    });
    await shot(browser, `${name}-running`);
  }
  await waitAttr(browser, "run-summary", "data-ending", "finished", 120_000);
  check((await attr(browser, "run-summary", "data-diagnosed")) === "170", "170 transformers diagnosed");
  check((await attr(browser, "run-summary", "data-failed")) === "0", "none failed");
  await waitAttr(browser, "run-progress", "data-done", 170);
  check((await attr(browser, "run-progress", "data-total")) === "170", "progress total");
  const pct = await (await browser.$(testid("run-progress-text"))).getText();
  check(pct.trim() === "100%", `progress reads ${pct}`);
}

