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
