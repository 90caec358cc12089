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

/// `--json` output: one object per transformer per line.
fn json_lines(stdout: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect()
}

#[test]
fn json_output_is_one_line_per_transformer() {
    let out = substation()
        .args(["--json", "diagnose"])
        .arg(fleet())
        .output()
        .expect("run");
    assert!(out.status.success());
    let lines = json_lines(&out.stdout);
    assert_eq!(lines.len(), 9);
    assert!(
        lines
            .iter()
            .all(|l| l["outcome"] == "diagnosed" && l["error"].is_null())
    );
    let tr003 = lines
        .iter()
        .find(|l| l["asset_id"] == "TR-003")
        .expect("TR-003");
    assert_eq!(tr003["diagnosis"]["duval_triangle_1"]["zone"], "T3");
}

#[test]
fn a_bad_request_fails_alone_and_the_run_goes_on() {
    let dir = scratch("mixed");
    let file = dir.join("mixed.json");
    std::fs::write(
        &file,
        r#"[{"contract_version": 2, "asset": {"id": "OK-1"},
             "samples": [{"date": "2024-01-01", "gases": {"h2": 5, "ch4": 2}}]},
            {"contract_version": 2, "asset": {"id": "BAD-1"},
             "samples": [{"date": "2024-01-01", "gases": {"h2": -5}}]},
            {"contract_version": 2, "asset": {"id": "ODD-1"}, "samples": "none"}]"#,
    )
    .expect("write");
    let out = substation()
        .args(["--json", "diagnose"])
        .arg(&file)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1), "failures → exit 1");
    let lines = json_lines(&out.stdout);
    let by_id = |id: &str| {
        lines
            .iter()
            .find(|l| l["asset_id"] == id)
            .unwrap_or_else(|| panic!("{id}"))
            .clone()
    };
    assert_eq!(by_id("OK-1")["outcome"], "diagnosed");
    let bad = by_id("BAD-1");
    assert_eq!(bad["outcome"], "failed");
    assert!(bad["diagnosis"].is_null());
    assert_eq!(bad["error"]["code"], "invalid_request");
    let message = bad["error"]["message"].as_str().expect("message");
    assert!(
        message.contains("BAD-1") && message.contains("H2"),
        "{message}"
    );
    assert_eq!(by_id("ODD-1")["error"]["code"], "malformed_request");
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

#[test]
fn importing_a_missing_workbook_makes_no_database() {
    let dir = scratch("missing-workbook");
    let db = dir.join("cache.sqlite3");
    let _ = std::fs::remove_file(&db);
    let out = substation()
        .env("SUBSTATION_DATA_DIR", &dir)
        .args(["--json", "import", "no/such/lab.xlsx", "--db"])
        .arg(&db)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(body["error"]["code"], "file_unreadable");
    assert!(
        !db.exists(),
        "a database was made for a workbook that is not there"
    );
}

fn scratch(name: &str) -> PathBuf {
    substation_testkit::kept_dir(&format!("cli-{name}"))
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
    assert!(text.contains("9 error(s), 3 warning(s)"), "{text}");
    assert!(text.contains("Samples!C8 (H2 (ppm))"), "{text}");

    let out = substation()
        .env("SUBSTATION_DATA_DIR", scratch("import-csv"))
        .args(["--json", "import"])
        .arg(samples("korean-lab-export-cp949.csv"))
        .output()
        .expect("run");
    assert!(out.status.success());
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["import"]["encoding"], "cp949");
    assert_eq!(report["import"]["summary"]["assets"], 30);
    assert_eq!(report["import"]["summary"]["errors"], 0);
    assert_eq!(report["stored"]["assets_new"], 30);
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

/// `substation template` over a workbook that Excel holds open (Windows refuses to replace it):
/// exit 2, the stable code, and what to do; the open workbook is left as it was.
#[cfg(windows)]
#[test]
fn the_template_over_a_workbook_open_in_excel_says_to_close_it() {
    use std::os::windows::fs::OpenOptionsExt;
    const FILE_SHARE_READ: u32 = 1;
    let dir = scratch("template-held");
    let path = dir.join("dga-template.xlsx");
    std::fs::write(&path, b"an older workbook").expect("write");
    let excel = std::fs::OpenOptions::new()
        .read(true)
        .share_mode(FILE_SHARE_READ)
        .open(&path)
        .expect("hold");
    let out = substation()
        .arg("template")
        .arg(&path)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("is open in another program") && stderr.contains("close the file in Excel"),
        "{stderr}"
    );
    let out = substation()
        .args(["--json", "template"])
        .arg(&path)
        .output()
        .expect("run");
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(body["error"]["code"], "file_in_use");
    assert_eq!(std::fs::read(&path).expect("read"), b"an older workbook");
    drop(excel);
}

#[test]
fn import_diagnose_and_review_offline_through_one_database() {
    let dir = scratch("workflow");
    let db = dir.join("cache.sqlite3");
    let substation_in = |args: &[&str]| {
        substation()
            .env("SUBSTATION_DATA_DIR", &dir)
            .args(args)
            .arg("--db")
            .arg(&db)
            .output()
            .expect("run")
    };
    let fleet = samples("fleet-two-sheets.xlsx");
    let fleet = fleet.to_str().expect("path");
    let imported = substation_in(&["import", fleet]);
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    assert!(
        String::from_utf8_lossy(&imported.stdout).contains("170 new and 0 updated transformer(s)")
    );
    // The same workbook again changes nothing.
    let again = substation_in(&["import", fleet]);
    assert!(
        String::from_utf8_lossy(&again.stdout)
            .contains("0 new and 0 updated transformer(s), 0 new and 0 updated sample(s)")
    );

    let diagnosed = substation_in(&["diagnose"]);
    assert!(
        diagnosed.status.success(),
        "{}",
        String::from_utf8_lossy(&diagnosed.stderr)
    );
    assert!(
        String::from_utf8_lossy(&diagnosed.stdout)
            .contains("170 transformer(s) diagnosed, 0 failed")
    );

    let review = substation_in(&["--json", "review", "--status", "3"]);
    assert!(
        review.status.success(),
        "{}",
        String::from_utf8_lossy(&review.stderr)
    );
    let body: serde_json::Value = serde_json::from_slice(&review.stdout).expect("JSON");
    let rows = body["rows"].as_array().expect("rows");
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r["ieee_status"] == 3));
    assert_eq!(body["total"].as_u64(), Some(rows.len() as u64));

    let t3 = substation_in(&["review", "--fault", "T3"]);
    let text = String::from_utf8_lossy(&t3.stdout);
    assert!(text.contains("TR-0061"), "{text}");

    let one = substation_in(&["review", "--asset", "TR-0061"]);
    let text = String::from_utf8_lossy(&one.stdout);
    assert!(
        text.contains("1 diagnosis(es)") && text.contains("next:"),
        "{text}"
    );

    // A second run with --reuse copies every stored diagnosis instead of recomputing.
    let reused = substation_in(&["diagnose", "--reuse"]);
    assert!(reused.status.success());
    let one = substation_in(&["--json", "review", "--asset", "TR-0061"]);
    let body: serde_json::Value = serde_json::from_slice(&one.stdout).expect("JSON");
    assert_eq!(body["diagnoses"].as_array().map(Vec::len), Some(2));
}

#[test]
fn review_without_a_database_says_what_to_do() {
    let dir = scratch("review-empty");
    let out = substation()
        .env("SUBSTATION_DATA_DIR", &dir)
        .args(["--json", "review"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(body["error"]["code"], "usage");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("substation import"))
    );
    assert!(
        !dir.join("substation.sqlite3").exists(),
        "review creates nothing"
    );
}

#[test]
fn a_newer_database_is_refused_with_its_code() {
    let dir = scratch("too-new");
    let db = dir.join("future.sqlite3");
    let conn = rusqlite::Connection::open(&db).expect("open");
    conn.execute_batch("PRAGMA user_version = 42;")
        .expect("version");
    drop(conn);
    let out = substation()
        .env("SUBSTATION_DATA_DIR", &dir)
        .args(["--json", "review", "--db"])
        .arg(&db)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(body["error"]["code"], "database_too_new");
}

#[test]
fn import_reads_blank_gas_cells_as_told_and_remembers_it() {
    let data = scratch("blank-gas");
    let file = data.join("lab.csv");
    std::fs::write(
        &file,
        "Asset ID,Date sampled,H2 (ppm),CH4 (ppm),C2H6 (ppm),C2H4 (ppm),C2H2 (ppm),CO (ppm),CO2 (ppm)\n\
         T-1,2024-01-01,12,6,4,3,0.5,300,2400\n\
         T-2,2024-01-01,12,6,4,3,,300,2400\n",
    )
    .expect("write");
    let db = data.join("cache.sqlite");
    let run = |args: &[&str]| {
        substation()
            .env("SUBSTATION_DATA_DIR", &data)
            .args(args)
            .arg(&file)
            .arg("--db")
            .arg(&db)
            .output()
            .expect("run")
    };
    // Without a choice: the default, with the column and its counts.
    let out = run(&["import", "--dry-run"]);
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        text.contains("blank gas cells read as not measured (the default;")
            && text.contains("C2H2 lab!G (C2H2 (ppm)): 1 blank, 1 with a value"),
        "{text}"
    );
    // Told: stored that way, and remembered for this header row.
    let out = run(&["import", "--blank-gas", "not-detected"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        text.contains("blank gas cells read as not detected (zero) (--blank-gas)"),
        "{text}"
    );
    let out = run(&["--json", "import", "--dry-run"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["import"]["blank_gas"]["applied"], "not_detected");
    assert_eq!(report["import"]["blank_gas"]["chosen_by"], "remembered");
    assert_eq!(report["import"]["summary"]["blank_gas"], "not_detected");
    let samples = report["import"]["samples"].as_array().expect("samples");
    let t2 = samples
        .iter()
        .find(|s| s["asset_id"] == "T-2")
        .expect("T-2");
    assert_eq!(
        t2["sample"]["gases"]["c2h2"],
        serde_json::json!({"below_detection": null})
    );
}
