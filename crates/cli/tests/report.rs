//! `substation report`: the PDF of one transformer and of a fleet selection, from a database
//! the command line filled, with the errors a user meets coded.

use std::path::Path;

mod common;
use common::{diagnosed_fleet, substation};

/// `substation ARGS --out PDF --db DB`, run to its end.
fn report(dir: &Path, args: &[&str], pdf: &Path, db: &Path) -> std::process::Output {
    substation(dir)
        .args(args)
        .arg("--out")
        .arg(pdf)
        .arg("--db")
        .arg(db)
        .output()
        .expect("run")
}

fn json(stdout: &[u8]) -> serde_json::Value {
    serde_json::from_slice(stdout).expect("one JSON object")
}

#[test]
fn writes_a_korean_transformer_report_and_an_english_fleet_report() {
    let (dir, db) = diagnosed_fleet("report-cli");
    let one = dir.join("TR-0024 보고서.pdf");
    let out = report(
        &dir,
        &["--json", "report", "--asset", "TR-0024", "--lang", "ko"],
        &one,
        &db,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let body = json(&out.stdout);
    assert_eq!(body["lang"], "ko");
    assert_eq!(body["transformers"], 1);
    let pdf = std::fs::read(&one).expect("the PDF");
    assert!(pdf.starts_with(b"%PDF-"), "a PDF");
    assert!(body["pages"].as_u64().expect("pages") >= 2);

    let fleet = dir.join("status-3.pdf");
    let out = report(
        &dir,
        &["--json", "report", "--status", "3", "--lang", "en"],
        &fleet,
        &db,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let body = json(&out.stdout);
    let listed = body["transformers"].as_u64().expect("count");
    // The sample fleet has status 3 units, and each is at caution or worse: all detailed.
    assert!(listed > 0);
    assert_eq!(body["detailed"], listed);
    assert!(body["pages"].as_u64().expect("pages") > listed);
    assert!(std::fs::read(&fleet).expect("PDF").starts_with(b"%PDF-"));
}

#[test]
fn an_unknown_transformer_and_a_missing_database_are_coded_errors_and_nothing_is_written() {
    let (dir, db) = diagnosed_fleet("report-cli-errors");
    let pdf = dir.join("none.pdf");
    let out = report(&dir, &["--json", "report", "--asset", "TR-NONE"], &pdf, &db);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json(&out.stdout)["error"]["code"], "no_such_asset");
    assert!(!pdf.exists());

    let out = report(
        &dir,
        &["report", "--all"],
        &pdf,
        &dir.join("never-made.sqlite3"),
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no database at"), "{stderr}");
    assert!(!pdf.exists());

    // No selection at all is a usage error (clap's exit 2), not a report of everything.
    let out = report(&dir, &["report"], &pdf, &db);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--all"));
    assert!(!pdf.exists());

    // A selection that matches nothing says so, and how to see what there is.
    let out = report(&dir, &["report", "--substation", "Atlantis"], &pdf, &db);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("matches the selection"), "{stderr}");
    assert!(stderr.contains("hint: "), "{stderr}");
}
