//! `substation log`: entries added to a transformer's logbook and listed, a typed-in sample
//! and an oil treatment diagnosed again at once, and the mistakes a user makes coded.

use std::path::Path;
use std::process::Output;

mod common;
use common::{diagnosed_fleet, substation};

fn log(dir: &Path, db: &Path, args: &[&str]) -> Output {
    substation(dir)
        .arg("--json")
        .arg("log")
        .args(args)
        .arg("--db")
        .arg(db)
        .output()
        .expect("run")
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn an_oil_treatment_then_a_typed_sample_are_logged_and_diagnosed_at_once() {
    let (dir, db) = diagnosed_fleet("log-cli");
    let treated = log(
        &dir,
        &db,
        &[
            "add",
            "--asset",
            "TR-0071",
            "--date",
            "2025-11-02",
            "--kind",
            "oil-processed",
            "--treatment",
            "degassed",
            "--text",
            "Vacuum degassing, 10 h",
            "--author",
            "J. Kim",
        ],
    );
    assert!(
        treated.status.success(),
        "{}",
        String::from_utf8_lossy(&treated.stderr)
    );
    let body = json(&treated);
    assert_eq!(body["entry"]["entry"]["event"]["kind"], "oil_processed");
    // Nothing drawn since: the engine says so instead of diagnosing old oil.
    assert_eq!(
        body["diagnosis"]["error"]["code"], "no_sample_since_oil_processed",
        "{body}"
    );

    let typed = log(
        &dir,
        &db,
        &[
            "add",
            "--asset",
            "TR-0071",
            "--date",
            "2025-11-20",
            "--kind",
            "sample",
            "--source",
            "portable",
            "--h2",
            "8",
            "--ch4",
            "3",
            "--c2h6",
            "2",
            "--c2h4",
            "4",
            "--c2h2",
            "<0.5",
            "--co",
            "120",
            "--co2",
            "900",
            "--author",
            "J. Kim",
        ],
    );
    assert!(
        typed.status.success(),
        "{}",
        String::from_utf8_lossy(&typed.stderr)
    );
    let body = json(&typed);
    let gases = &body["entry"]["entry"]["event"]["gases"];
    assert_eq!(gases["h2"], 8.0);
    assert_eq!(gases["c2h2"], serde_json::json!({"below_detection": 0.5}));
    // TR-0071 was critical (T1, Status 3); from the one calm sample since the degassing alone
    // it is normal.
    let verdict = body["diagnosis"]["verdict"].as_str().expect("diagnosed");
    assert!(verdict.starts_with("normal"), "{verdict}");

    let review = substation(&dir)
        .args(["--json", "review", "--asset", "TR-0071", "--db"])
        .arg(&db)
        .output()
        .expect("run");
    let review = json(&review);
    assert_eq!(review["diagnoses"][0]["severity"], "normal");
    assert_eq!(review["diagnoses"][0]["latest_sample_date"], "2025-11-20");
    assert_eq!(review["log"].as_array().map(Vec::len), Some(2));

    let listed = substation(&dir)
        .args(["log", "list", "--asset", "TR-0071", "--db"])
        .arg(&db)
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&listed.stdout);
    assert!(
        text.contains("2 entries")
            && text.contains("2025-11-20  sample (portable) H2 8 ppm")
            && text.contains("C2H2 <0.5 ppm")
            && text.contains("2025-11-02  oil degassed: Vacuum degassing, 10 h  — J. Kim"),
        "{text}"
    );
}

#[test]
fn mistakes_are_coded_and_leave_the_logbook_as_it_was() {
    let (dir, db) = diagnosed_fleet("log-cli-errors");
    let cases: [(&[&str], &str, &str); 6] = [
        (
            &[
                "add",
                "--asset",
                "TR-0001",
                "--date",
                "2025-11-20",
                "--kind",
                "note",
                "--author",
                "K",
            ],
            "invalid_log_entry",
            "a note entry needs a text",
        ),
        (
            &[
                "add",
                "--asset",
                "TR-0001",
                "--date",
                "2025-11-20",
                "--kind",
                "sample",
                "--h2",
                "-5",
                "--author",
                "K",
            ],
            "usage",
            "H2: “-5” is negative",
        ),
        (
            &[
                "add",
                "--asset",
                "TR-0001",
                "--date",
                "20.11.2025",
                "--kind",
                "repair",
                "--text",
                "x",
                "--author",
                "K",
            ],
            "usage",
            "write it as YYYY-MM-DD",
        ),
        (
            &[
                "add",
                "--asset",
                "NOPE",
                "--date",
                "2025-11-20",
                "--kind",
                "repair",
                "--text",
                "x",
                "--author",
                "K",
            ],
            "no_such_asset",
            "no transformer NOPE",
        ),
        (
            &[
                "add",
                "--asset",
                "TR-0001",
                "--date",
                "2025-11-20",
                "--kind",
                "oil-processed",
                "--author",
                "K",
            ],
            "usage",
            "--treatment degassed",
        ),
        (
            &[
                "add",
                "--asset",
                "TR-0001",
                "--date",
                "2025-11-20",
                "--kind",
                "note",
                "--text",
                "x",
                "--h2",
                "3",
                "--author",
                "K",
            ],
            "usage",
            "belong to --kind sample",
        ),
    ];
    for (args, code, words) in cases {
        let out = log(&dir, &db, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let body = json(&out);
        assert_eq!(body["error"]["code"], code, "{args:?}: {body}");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(words), "{args:?}: {message}");
    }
    // A sample of a day that has one names where the first came from.
    let samples = substation(&dir)
        .args(["--json", "review", "--asset", "TR-0001", "--db"])
        .arg(&db)
        .output()
        .expect("run");
    let date = json(&samples)["samples"][0]["sample"]["date"]
        .as_str()
        .expect("a sample date")
        .to_owned();
    let out = log(
        &dir,
        &db,
        &[
            "add", "--asset", "TR-0001", "--date", &date, "--kind", "sample", "--h2", "3",
            "--author", "K",
        ],
    );
    let body = json(&out);
    assert_eq!(body["error"]["code"], "sample_date_taken", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("fleet-two-sheets.xlsx")),
        "{body}"
    );
    let listed = log(&dir, &db, &["list", "--asset", "TR-0001"]);
    assert_eq!(json(&listed)["entries"], serde_json::json!([]));
}
