#!/usr/bin/env python3
"""`substation.exe` in a Windows console, as a user meets it.

Under Wine (Linux, from scripts/windows-tests): a test binary cannot have a console there
(nextest reads its output through pipes), so this check gives the command line what a user's
terminal gives it: a pseudo-terminal that Wine turns into a Windows console, with the Korean
locale that makes its code page 949 (Korean Windows' own). It checks:

1. the console's code page is 949, not UTF-8 (so the check means something);
2. `import`, `diagnose` and `review` of the Korean lab workbook, with the database under a user
   folder named in Hangul (`C:\\users\\김철수 (현장)\\AppData\\Local\\…`), print the Korean names
   intact, and the review's columns line up on screen (a Hangul syllable is two cells wide);
3. Ctrl-C pressed in the console during `diagnose --engine lambda` (the Lambda test server runs
   as a Windows program too) stops the run cleanly: exit code 130, the resume command printed,
   the run marked cancelled; `--resume` then diagnoses the rest, and every transformer ends up
   with exactly one diagnosis.

On Windows itself (the native CI job, .github/workflows/test.yml): Ctrl-Break sent to a run
started in a process group of its own (how a script or a scheduler starts it, and the one
console event Windows lets a program send to another's group) stops it the same way. Wine 8
cannot send that event (GenerateConsoleCtrlEvent fails with ERROR_INVALID_HANDLE for it).

    tests/windows/console_check.py BIN_DIR

BIN_DIR holds substation.exe and substation-lambda-testserver.exe (the test build's). Under
Wine, WINEPREFIX names the prepared prefix. Exits non-zero, saying why, on any failure.
"""

import contextlib
import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import unicodedata
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
WINE = "/usr/lib/wine/wine64"
LOCALE = "ko_KR.UTF-8"
USER = "김철수 (현장)"
FLEET = 170  # transformers in samples/fleet-two-sheets.xlsx


def fail(message):
    print(f"console check: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def windows_path(path):
    """The path as a Windows program under Wine sees it (Wine's Z: drive is the Unix root)."""
    return "Z:" + str(path).replace("/", "\\")


def console(args, env, press_ctrl_c_when=None, timeout=300):
    """Runs `args` under Wine on a new pseudo-terminal that is its controlling terminal (so
    Wine gives it a console), and returns (exit code, what the terminal showed). When
    `press_ctrl_c_when(shown so far)` turns true, Ctrl-C is typed into the terminal once."""
    import pty  # Unix only
    import select

    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execve(WINE, [WINE, *args], env)
        finally:
            os._exit(127)
    output = b""
    pressed = False
    started = time.monotonic()
    while True:
        if time.monotonic() - started > timeout:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            fail(f"{' '.join(args[:2])} did not finish within {timeout} s:\n{shown(output)}")
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the terminal closed: the program ended
                break
            if not chunk:
                break
            output += chunk
        if press_ctrl_c_when and not pressed and press_ctrl_c_when(shown(output)):
            os.write(fd, b"\x03")
            pressed = True
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), shown(output)


def shown(output):
    """What a terminal shows of `output`: decoded, control sequences (CSI `ESC [ … final`, and
    OSC `ESC ] … BEL or ESC \\`, such as the window title) and carriage returns dropped."""
    decoded = output.decode("utf-8", errors="replace")
    kept, i = [], 0
    while i < len(decoded):
        if decoded[i] == "\x1b":
            i += 1
            if i < len(decoded) and decoded[i] == "[":
                i += 1
                while i < len(decoded) and not ("@" <= decoded[i] <= "~"):
                    i += 1
            elif i < len(decoded) and decoded[i] == "]":
                while i < len(decoded) and decoded[i] != "\x07" and decoded[i : i + 2] != "\x1b\\":
                    i += 1
                if decoded[i : i + 2] == "\x1b\\":
                    i += 1
            i += 1
            continue
        if decoded[i] != "\r":
            kept.append(decoded[i])
        i += 1
    return "".join(kept)


def cells(s):
    """How many terminal cells `s` takes: East Asian wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def stored(db_file):
    """How many diagnoses the database holds (0 while it is still being created). Only where
    the reader and the writer share one operating system's file locking (not across Wine)."""
    try:
        uri = Path(db_file).as_uri() + "?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=5)) as conn:
            return conn.execute("SELECT count(*) FROM diagnosis").fetchone()[0]
    except sqlite3.Error:
        return 0


def progress(text):
    """The last count the progress bar showed ("12/170"), 0 before it shows one."""
    done = 0
    for part in text.replace("\n", " ").split():
        count, _, total = part.partition("/")
        if total == str(FLEET) and count.isdigit():
            done = int(count)
    return done


def check_cancelled(db_file, what):
    """The first run is marked cancelled with part of the fleet stored."""
    with contextlib.closing(sqlite3.connect(db_file)) as conn:
        state = conn.execute("SELECT state FROM diagnosis_run WHERE id = 1").fetchone()
        count = conn.execute("SELECT count(*) FROM diagnosis").fetchone()[0]
    if state != ("cancelled",) or not 0 < count < FLEET:
        fail(f"{what}: run state {state}, {count} diagnoses stored")
    return count


def check_each_once(db_file, what):
    with contextlib.closing(sqlite3.connect(db_file)) as conn:
        total, assets = conn.execute(
            "SELECT count(*), count(DISTINCT asset_id) FROM diagnosis"
        ).fetchone()
    if (total, assets) != (FLEET, FLEET):
        fail(f"{what}: {total} diagnoses of {assets} transformers, not {FLEET} of {FLEET}")


class LambdaTestServer:
    """The Lambda test server on loopback, each call taking `latency_ms`."""

    def __init__(self, command, env, latency_ms):
        # Port 0: the system picks a free one, which the server prints.
        self.process = subprocess.Popen(
            [*command, "--port", "0", "--latency-ms", str(latency_ms)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        lines = queue.Queue()
        threading.Thread(target=lambda: lines.put(self.process.stdout.readline()), daemon=True).start()
        try:
            line = lines.get(timeout=120)
        except queue.Empty:
            line = ""
        if "listening on" not in line:
            self.stop()
            fail(f"the Lambda test server did not start: {line!r}")
        self.endpoint = line.split()[-1]

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def lambda_args(endpoint, db):
    return [
        "diagnose", "--engine", "lambda", "--region", "eu-west-1",
        "--endpoint-url", endpoint, "--concurrency", "4", "--db", db,
    ]


def test_credentials(env):
    """Static test credentials and no AWS files, so that nothing on the machine counts."""
    env.update({
        "AWS_ACCESS_KEY_ID": "AKIDTEST",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": "C:\\nonexistent\\aws-config",
        "AWS_SHARED_CREDENTIALS_FILE": "C:\\nonexistent\\aws-credentials",
    })
    env.pop("AWS_PROFILE", None)
    env.pop("AWS_SESSION_TOKEN", None)
    return env


def under_wine(bin_dir):
    exe = bin_dir / "substation.exe"
    server_exe = bin_dir / "substation-lambda-testserver.exe"
    prefix = Path(os.environ.get("WINEPREFIX", ""))
    if not (prefix / "system.reg").is_file():
        fail("WINEPREFIX does not name a prepared Wine prefix")
    locales = subprocess.run(["locale", "-a"], capture_output=True, text=True).stdout.lower()
    if "ko_kr.utf8" not in locales:
        fail(f"the {LOCALE} locale is missing (scripts/setup makes it with localedef)")

    local = prefix / "drive_c" / "users" / USER / "AppData" / "Local" / "Substation Bulk"
    local.mkdir(parents=True, exist_ok=True)
    local_arg = f"C:\\users\\{USER}\\AppData\\Local\\Substation Bulk"
    tag = os.getpid()
    # What a Korean user's shell has: the locale, and the per-user folders of that user.
    env = test_credentials({
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        "WINEPREFIX": str(prefix),
        "WINEDEBUG": "-all",
        "WINEDLLOVERRIDES": os.environ.get("WINEDLLOVERRIDES", ""),
        "LANG": LOCALE,
        "LC_ALL": LOCALE,
        "TERM": "xterm",
        "SUBSTATION_DATA_DIR": f"C:\\users\\{USER}\\AppData\\Roaming\\Substation Bulk",
    })
    try:
        # 1. The console's code page.
        code, text = console(["cmd", "/c", "chcp"], env, timeout=60)
        if code != 0 or "949" not in text:
            fail(f"the console's code page is not 949 (exit {code}): {text!r}")
        print("console check: the console's code page is 949")

        # 2. Import, diagnosis and review of the Korean workbook.
        db = f"{local_arg}\\korean-{tag}.sqlite3"
        workbook = windows_path(REPO / "samples" / "korean-lab-export.xlsx")
        code, text = console([str(exe), "import", workbook, "--db", db], env)
        if code != 0:
            fail(f"import exited {code}:\n{text}")
        for expected in ("분석결과", "30 new and 0 updated transformer(s)", USER):
            if expected not in text.replace("\n", ""):
                fail(f"import did not print {expected!r}:\n{text}")
        code, text = console([str(exe), "diagnose", "--db", db], env)
        if code != 0 or "30 transformer(s) diagnosed, 0 failed" not in text:
            fail(f"diagnose exited {code}:\n{text}")
        code, text = console([str(exe), "review", "--db", db], env)
        if code != 0:
            fail(f"review exited {code}:\n{text}")
        lines = [line.rstrip() for line in text.splitlines() if line.strip()]
        header = next((line for line in lines if line.startswith("ASSET")), None)
        row = next((line for line in lines if line.startswith("TR-0008")), None)
        if header is None or row is None or "4호 주변압기" not in row or "서서울" not in row:
            fail(f"review did not show TR-0008 with its Korean name and substation:\n{text}")
        # The substation column starts at the same screen cell in the header and in the row.
        at_header = cells(header[: header.index("SUBSTATION")])
        at_row = cells(row[: row.index("서서울")])
        if at_header != at_row:
            fail(f"the columns do not line up on screen ({at_header} vs {at_row} cells):\n{text}")
        print(f"console check: Korean names shown and aligned: {row}")

        # 3. Ctrl-C during a Lambda run, then its resumption.
        server = LambdaTestServer([WINE, str(server_exe)], env, latency_ms=150)
        try:
            fleet_db = f"{local_arg}\\fleet-{tag}.sqlite3"
            fleet_file = local / f"fleet-{tag}.sqlite3"
            fleet = windows_path(REPO / "samples" / "fleet-two-sheets.xlsx")
            run = [str(exe), *lambda_args(server.endpoint, fleet_db)]
            code, text = console([*run, fleet], env,
                                 press_ctrl_c_when=lambda shown: progress(shown) >= 8)
            if code != 130:
                fail(f"Ctrl-C: the run exited {code}, not 130:\n{text[-3000:]}")
            if "substation diagnose --resume 1" not in text.replace("\n", ""):
                fail(f"Ctrl-C: no resume command printed:\n{text[-3000:]}")
            count = check_cancelled(fleet_file, "Ctrl-C")
            print(f"console check: Ctrl-C stopped the run with {count} of {FLEET} stored, exit 130")
            code, text = console([*run, "--resume", "1"], env)
            if code != 0:
                fail(f"the resumed run exited {code}:\n{text[-3000:]}")
            check_each_once(fleet_file, "after resuming")
            print(f"console check: resumed; {FLEET} transformers, each diagnosed once")
        finally:
            server.stop()
    finally:
        for leftover in local.glob(f"*-{tag}.sqlite3*"):
            leftover.unlink()
    print("console check: passed")


def on_windows(bin_dir):
    """Ctrl-Break to a run in a process group of its own, on Windows itself."""
    import tempfile

    exe = bin_dir / "substation.exe"
    server_exe = bin_dir / "substation-lambda-testserver.exe"
    with tempfile.TemporaryDirectory(prefix="substation console 검사 ", ignore_cleanup_errors=True) as scratch:
        scratch = Path(scratch)
        env = test_credentials(dict(os.environ, SUBSTATION_DATA_DIR=str(scratch)))
        db = scratch / "fleet.sqlite3"
        server = LambdaTestServer([str(server_exe)], env, latency_ms=300)
        try:
            run = [str(exe), *lambda_args(server.endpoint, str(db))]
            fleet = str(REPO / "samples" / "fleet-two-sheets.xlsx")
            child = subprocess.Popen(
                [*run, fleet], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                creationflags=subprocess.CREATE_NEW_PROCESS_GROUP,
            )
            started = time.monotonic()
            while stored(db) < 8:
                if child.poll() is not None or time.monotonic() - started > 120:
                    child.kill()
                    out, err = child.communicate()
                    fail(f"the run ended or stalled before Ctrl-Break:\n{err.decode(errors='replace')}")
                time.sleep(0.1)
            child.send_signal(signal.CTRL_BREAK_EVENT)
            try:
                out, err = child.communicate(timeout=120)
            except subprocess.TimeoutExpired:
                child.kill()
                fail("Ctrl-Break: the run did not stop within 120 s")
            err = err.decode("utf-8", errors="replace")
            if child.returncode != 130 or "substation diagnose --resume 1" not in err:
                fail(f"Ctrl-Break: the run exited {child.returncode}:\n{err[-3000:]}")
            count = check_cancelled(db, "Ctrl-Break")
            print(f"console check: Ctrl-Break stopped the run with {count} of {FLEET} stored, exit 130")
            resumed = subprocess.run([*run, "--resume", "1"], env=env, capture_output=True)
            if resumed.returncode != 0:
                fail(f"the resumed run exited {resumed.returncode}:\n{resumed.stderr.decode(errors='replace')}")
            check_each_once(db, "after resuming")
            print(f"console check: resumed; {FLEET} transformers, each diagnosed once")
        finally:
            server.stop()
    print("console check: passed")


def main():
    if len(sys.argv) != 2:
        fail("usage: console_check.py BIN_DIR")
    bin_dir = Path(sys.argv[1])
    for name in ("substation.exe", "substation-lambda-testserver.exe"):
        if not (bin_dir / name).is_file():
            fail(f"{bin_dir / name} is missing: build the tests first")
    if sys.platform == "win32":
        on_windows(bin_dir)
    else:
        under_wine(bin_dir)


if __name__ == "__main__":
    main()
