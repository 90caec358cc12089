//! The commands through Tauri's IPC on the mock runtime: argument names, JSON shapes,
//! channels and `{code, message}` errors as the web side meets them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{
    INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets,
};
use tauri::webview::InvokeRequest;
use tauri::{WebviewWindow, WebviewWindowBuilder};

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../samples")
        .join(name)
}

/// The app as `run()` builds it, on the mock runtime (which the fixed invoke key needs), with
/// its data in `dir`.
fn window(dir: &Path) -> (tauri::App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let core = substation_app::App::new(dir.to_owned(), Some(sample("fleet-two-sheets.xlsx")));
    let app = substation_desktop::app_builder(mock_builder())
        .manage(Arc::new(core))
        .build(mock_context(noop_assets()))
        .expect("app");
    let webview = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("window");
    (app, webview)
}

fn invoke(
    webview: &WebviewWindow<MockRuntime>,
    command: &str,
    body: Value,
) -> Result<Value, Value> {
    get_ipc_response(
        webview,
        InvokeRequest {
            cmd: command.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().expect("url"),
            body: InvokeBody::Json(body),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|response| response.deserialize::<Value>().expect("JSON answer"))
}

#[test]
fn open_preview_diagnose_and_review_through_ipc() {
    let dir = tempfile::tempdir().expect("dir");
    let (_app, webview) = window(dir.path());

    let info = invoke(&webview, "app_info", json!({"systemLanguage": "ko-KR"})).expect("app_info");
    assert_eq!(info["system_language"], "ko");
    assert_eq!(info["settings"]["engine"], "embedded");
    assert!(
        info["sample_fleet"]
            .as_str()
            .is_some_and(|p| p.ends_with(".xlsx"))
    );

    let path = sample("fleet-two-sheets.xlsx").display().to_string();
    let opened = invoke(
        &webview,
        "open_workbook",
        json!({"path": path, "mapping": [], "onProgress": "__CHANNEL__:41"}),
    )
    .expect("open_workbook");
    assert_eq!(
        (opened["assets"].as_u64(), opened["samples"].as_u64()),
        (Some(170), Some(2164))
    );
    let batch = opened["batch_id"].as_i64().expect("stored as a batch");

    let filter = json!({"batch_id": batch, "search": null, "substation": null, "status": null,
                        "fault": null, "sort": "id", "offset": 0, "limit": 50});
    let page = invoke(&webview, "fleet", json!({"filter": filter})).expect("fleet");
    assert_eq!(page["total"], 170);
    assert_eq!(page["rows"].as_array().map(Vec::len), Some(50));
    let first = page["rows"][0]["asset_id"].as_str().expect("id").to_owned();

    let summary = invoke(
        &webview,
        "diagnose",
        json!({"request": {"batch_id": batch, "resume_run": null, "engine": "embedded",
                           "concurrency": null, "reuse": false},
               "onEvent": "__CHANNEL__:42"}),
    )
    .expect("diagnose");
    assert_eq!(summary["ending"], "finished");
    assert_eq!(summary["diagnosed"], 170);

    let asset = invoke(&webview, "asset", json!({"id": first})).expect("asset");
    assert_eq!(asset["nameplate"]["id"], first.as_str());
    assert!(asset["diagnosis"]["severity"].is_string());
    assert_eq!(asset["history"].as_array().map(Vec::len), Some(1));

    let history = invoke(&webview, "history", json!({})).expect("history");
    assert_eq!(history["runs"][0]["succeeded"], 170);
    assert_eq!(history["runs"][0]["batch_id"], batch);

    let zones = invoke(&webview, "duval_zones", json!({})).expect("zones");
    assert_eq!(zones["triangle_1"].as_array().map(Vec::len), Some(7));
    let fields = invoke(&webview, "header_fields", json!({})).expect("fields");
    assert!(
        fields
            .as_array()
            .is_some_and(|f| f.iter().any(|f| f["key"] == "h2"))
    );
    assert_eq!(
        invoke(&webview, "cancel_run", json!({})).expect("cancel"),
        false
    );

    let export = dir.path().join("fleet.csv");
    let written = invoke(
        &webview,
        "export_fleet",
        json!({"path": export.display().to_string(), "format": "csv", "filter": filter}),
    )
    .expect("export");
    assert_eq!(written["rows"], 170);
    assert!(export.is_file());
}

#[test]
fn paths_from_the_web_side_are_checked_and_errors_carry_a_code() {
    let dir = tempfile::tempdir().expect("dir");
    let (_app, webview) = window(dir.path());

    let error = invoke(
        &webview,
        "open_workbook",
        json!({"path": "/etc/passwd", "mapping": [], "onProgress": "__CHANNEL__:1"}),
    )
    .expect_err("not a workbook");
    assert_eq!(error["code"], "unsupported_file");
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains(".xlsx"))
    );

    let error = invoke(
        &webview,
        "export_fleet",
        json!({"path": dir.path().join("fleet.exe").display().to_string(), "format": "xlsx",
               "filter": {"batch_id": null, "search": null, "substation": null, "status": null,
                          "fault": null, "sort": null, "offset": 0, "limit": 10}}),
    )
    .expect_err("wrong extension");
    assert_eq!(error["code"], "export_name");
    assert!(!dir.path().join("fleet.exe").exists());

    let error = invoke(&webview, "asset", json!({"id": "NOPE"})).expect_err("no such asset");
    assert_eq!(error["code"], "no_such_asset");

    let error = invoke(
        &webview,
        "save_settings",
        json!({"settings": {"engine": "lambda", "aws_profile": null, "aws_region": null,
               "function_name": "substation-diagnose", "endpoint_url": "ftp://nope",
               "concurrency": 64, "timeout_seconds": 60, "language": "ko", "database_path": null}}),
    )
    .expect_err("bad endpoint");
    assert_eq!(error["code"], "invalid_settings");

    assert!(invoke(&webview, "no_such_command", json!({})).is_err());
}

#[test]
fn sync_commands_answer_before_sync_is_set_up() {
    let dir = tempfile::tempdir().expect("dir");
    let (_app, webview) = window(dir.path());
    let status = invoke(&webview, "sync_status", json!({})).expect("sync_status");
    assert_eq!(status["server"], Value::Null);
    assert_eq!(status["has_token"], false);
    assert_eq!(status["pending"], 0);
    assert_eq!(status["running"], false);
    let error = invoke(&webview, "set_sync_token", json!({"token": "t"})).expect_err("no server");
    assert_eq!(error["code"], "no_sync_server");
    let error = invoke(&webview, "forget_sync_token", json!({})).expect_err("no server");
    assert_eq!(error["code"], "no_sync_server");
    assert_eq!(
        invoke(&webview, "cancel_sync", json!({})).expect("cancel"),
        false
    );
    // Re-queueing, of some or of all, answers with the status (nothing was rejected yet).
    for ids in [json!(null), json!([3, 4])] {
        let status = invoke(&webview, "requeue_rejected", json!({ "ids": ids })).expect("requeue");
        assert_eq!(status["rejected_count"], 0);
        assert_eq!(status["pending"], 0);
    }
    // This app (built without the shell's logging) keeps no log: said with a code.
    let error = invoke(&webview, "open_log_folder", json!({})).expect_err("no log");
    assert_eq!(error["code"], "internal");
    // The token must never travel in clear to another computer.
    let error = invoke(
        &webview,
        "save_settings",
        json!({"settings": {"engine": "embedded", "aws_profile": null, "aws_region": null,
               "function_name": "substation-diagnose", "endpoint_url": null,
               "concurrency": null, "timeout_seconds": 60, "language": "en", "database_path": null,
               "sync_server": "http://sync.example.com", "sync_automatically": true}}),
    )
    .expect_err("plain http to another host");
    assert_eq!(error["code"], "invalid_settings");
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("https")),
        "{error}"
    );
}

/// The desktop app (Tauri's app-data folder, named by the bundle identifier) and the command
/// line (`substation_store::default_data_dir`) share one cache only if they agree on the name.
#[test]
fn the_bundle_identifier_names_the_shared_data_folder() {
    let config: Value = serde_json::from_str(include_str!("../tauri.conf.json")).expect("JSON");
    assert_eq!(config["identifier"], substation_store::APP_IDENTIFIER);
    // macOS would confuse an identifier ending in ".app" with an application bundle.
    assert!(!substation_store::APP_IDENTIFIER.ends_with(".app"));
}
