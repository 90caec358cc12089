//! The `substation` binary as a user runs it.

use std::path::PathBuf;
use std::process::Command;

fn substation() -> Command {
    Command::new(env!("CARGO_BIN_EXE_substation"))
}

fn fleet() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../samples/fleet.json")
}

#[test]
fn diagnoses_the_sample_fleet_worst_first() {
    let out = substation()
        .arg("diagnose")
        .arg(fleet())
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let rows: Vec<&str> = text.lines().filter(|l| l.starts_with("TR-")).collect();
    assert_eq!(rows.len(), 9, "{text}");
    assert!(rows[0].contains("critical"), "worst first: {}", rows[0]);
    assert!(rows[8].contains("normal"), "healthy last: {}", rows[8]);
    assert!(
        text.contains("9 transformer(s) diagnosed, 0 failed"),
        "{text}"
    );
}

#[test]
fn json_output_is_one_envelope_per_request() {
    let out = substation()
        .args(["--json", "diagnose"])
        .arg(fleet())
        .output()
        .expect("run");
    assert!(out.status.success());
    let envelopes: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let envelopes = envelopes.as_array().expect("array");
    assert_eq!(envelopes.len(), 9);
    assert!(envelopes.iter().all(|e| e["status"] == 200));
    assert_eq!(envelopes[2]["response"]["duval_triangle_1"]["zone"], "T3");
}

#[test]
fn a_bad_request_fails_alone_and_the_run_goes_on() {
    let dir = std::env::temp_dir().join(format!("substation-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("mixed.json");
    std::fs::write(
        &file,
        r#"[{"contract_version": 1, "asset": {"id": "OK-1"},
             "samples": [{"date": "2024-01-01", "gases": {"h2": 5, "ch4": 2}}]},
            {"contract_version": 1, "asset": {"id": "BAD-1"},
             "samples": [{"date": "2024-01-01", "gases": {"h2": -5}}]}]"#,
    )
    .expect("write");
    let out = substation()
        .args(["--json", "diagnose"])
        .arg(&file)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1), "one failure → exit 1");
    let envelopes: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(envelopes[0]["status"], 200);
    assert_eq!(envelopes[1]["status"], 400);
    assert_eq!(envelopes[1]["error"]["code"], "invalid_request");
    let message = envelopes[1]["error"]["message"].as_str().expect("message");
    assert!(
        message.contains("BAD-1") && message.contains("H2"),
        "{message}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_missing_file_is_a_coded_error() {
    let out = substation()
        .args(["--json", "diagnose", "no/such/file.json"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(body["error"]["code"], "file_unreadable");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("no/such/file.json"))
    );

    let out = substation()
        .args(["diagnose", "no/such/file.json"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: cannot read"));
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("substation-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

fn samples(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../samples")
        .join(name)
}

#[test]
fn import_reports_the_messy_workbook_and_exits_0() {
    let data = scratch("import-messy");
    let out = substation()
        .env("SUBSTATION_DATA_DIR", &data)
        .arg("import")
        .arg(samples("messy.xlsx"))
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "rows were imported despite errors"
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(text.contains("8 error(s), 4 warning(s)"), "{text}");
    assert!(text.contains("Samples!C8 (H2 (ppm))"), "{text}");

    let out = substation()
        .env("SUBSTATION_DATA_DIR", &data)
        .args(["--json", "import"])
        .arg(samples("korean-lab-export-cp949.csv"))
        .output()
        .expect("run");
    assert!(out.status.success());
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["encoding"], "cp949");
    assert_eq!(report["summary"]["assets"], 30);
    assert_eq!(report["summary"]["errors"], 0);
}

#[test]
fn import_of_nothing_usable_exits_2_with_the_reason() {
    let dir = scratch("import-unmapped");
    let file = dir.join("odd.csv");
    std::fs::write(&file, "Unit,When,H2\nT-1,2024-01-01,5\n").expect("write");
    let out = substation()
        .env("SUBSTATION_DATA_DIR", &dir)
        .args(["--json", "import"])
        .arg(&file)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(body["error"]["code"], "workbook_unmapped");
    let message = body["error"]["message"].as_str().expect("message");
    assert!(
        message.contains("Unit") && message.contains("When"),
        "{message}"
    );
}

#[test]
fn a_mapping_given_once_is_remembered_for_the_same_headers() {
    let dir = scratch("import-mapping");
    let file = dir.join("odd.csv");
    std::fs::write(&file, "Unit,When,H2\nT-1,2024-01-01,5\n").expect("write");
    let mapping = dir.join("mapping.json");
    std::fs::write(
        &mapping,
        r#"{"columns": [{"header": "Unit", "field": "asset_id"}, {"header": "When", "field": "sample_date"}]}"#,
    )
    .expect("write");
    let run = |extra: &[&std::ffi::OsStr]| {
        substation()
            .env("SUBSTATION_DATA_DIR", &dir)
            .arg("import")
            .arg(&file)
            .args(extra)
            .output()
            .expect("run")
    };
    let first = run(&["--mapping".as_ref(), mapping.as_os_str()]);
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(dir.join("header-mappings.json").exists());
    // Same header row, no --mapping: the remembered one applies.
    let second = run(&[]);
    assert_eq!(
        second.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    assert!(String::from_utf8_lossy(&second.stdout).contains("1 sample(s)"));
}

#[test]
fn the_template_is_written_and_imports_cleanly() {
    let dir = scratch("template");
    let path = dir.join("dga-template.xlsx");
    let out = substation()
        .arg("template")
        .arg(&path)
        .output()
        .expect("run");
    assert!(out.status.success());
    let out = substation()
        .env("SUBSTATION_DATA_DIR", &dir)
        .arg("import")
        .arg(&path)
        .output()
        .expect("run");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("1 transformer(s), 1 sample(s)") && text.contains("0 error(s), 0 warning(s)"),
        "{text}"
    );
}
