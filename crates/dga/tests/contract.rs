//! The diagnosis contract as other tools see it: committed JSON Schemas and examples, the
//! envelope on good and bad input, and the stories of the sample fleet.

use std::path::PathBuf;

use serde_json::Value;
use substation_dga::contract::{Envelope, schemas};
use substation_dga::{DiagnosisRequest, Fault, Severity, diagnose, handle_json, handle_value};

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn contract_dir() -> PathBuf {
    repo_root().join("docs/contract")
}

/// `SUBSTATION_BLESS=1 cargo test -p substation-dga --test contract` rewrites the committed
/// files after an intended contract change.
fn bless() -> bool {
    std::env::var_os("SUBSTATION_BLESS").is_some()
}

fn check_committed(name: &str, generated: &str) {
    let path = contract_dir().join(name);
    if bless() {
        std::fs::write(&path, generated).expect("write blessed file");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{} is missing ({e}); run with SUBSTATION_BLESS=1",
            path.display()
        )
    });
    assert!(
        committed == generated,
        "{} differs from what the types generate; if the change is intended, run \
         SUBSTATION_BLESS=1 cargo test -p substation-dga --test contract and commit",
        path.display()
    );
}

fn pretty(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).expect("serialise") + "\n"
}

fn fleet() -> Vec<Value> {
    let text = std::fs::read_to_string(repo_root().join("samples/fleet.json")).expect("fleet");
    serde_json::from_str(&text).expect("fleet JSON")
}

#[test]
fn committed_schemas_match_the_types() {
    for (name, schema) in schemas() {
        check_committed(name, &pretty(&schema));
    }
}

#[test]
fn committed_examples_match_the_engine() {
    let request = fleet()
        .into_iter()
        .find(|r| r["asset"]["id"] == "TR-003")
        .expect("TR-003 in the sample fleet");
    check_committed("example-request.json", &pretty(&request));
    let envelope = handle_json(&serde_json::to_vec(&request).expect("bytes"));
    check_committed("example-response.json", &pretty(&envelope));
}

#[test]
fn examples_validate_against_the_schemas() {
    for (schema_name, example) in [
        ("request.schema.json", "example-request.json"),
        ("response.schema.json", "example-response.json"),
    ] {
        let read = |name: &str| -> Value {
            serde_json::from_str(&std::fs::read_to_string(contract_dir().join(name)).expect(name))
                .expect(name)
        };
        let validator = jsonschema::validator_for(&read(schema_name)).expect("valid schema");
        let instance = read(example);
        let errors: Vec<String> = validator
            .iter_errors(&instance)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{example}: {errors:#?}");
    }
    // And an error envelope validates too.
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(contract_dir().join("response.schema.json")).expect("schema"),
    )
    .expect("schema");
    let validator = jsonschema::validator_for(&schema).expect("valid schema");
    let failure = serde_json::to_value(handle_json(b"{}")).expect("value");
    assert!(validator.is_valid(&failure), "{failure}");
}

#[test]
fn stable_keys_are_where_other_tools_look() {
    let request = fleet().remove(2);
    let envelope = serde_json::to_value(handle_json(&serde_json::to_vec(&request).expect("bytes")))
        .expect("value");
    assert_eq!(envelope["status"], 200);
    let r = &envelope["response"];
    assert_eq!(r["ieee_c57_104_2019"]["status"], 3);
    assert_eq!(r["iec_60599"]["state"], "alarm");
    assert_eq!(r["iec_60599"]["ratio_code"], "T3");
    assert_eq!(r["duval_triangle_1"]["zone"], "T3");
    assert_eq!(r["duval_pentagon_1"]["zone"], "T3");
    assert_eq!(r["fault"], "T3");
    assert_eq!(r["severity"], "critical");
    assert_eq!(
        r["recommended_action"]["action"],
        "consider_removal_from_service"
    );
    assert!(r["rules"].as_array().is_some_and(|rules| !rules.is_empty()));
}

fn failure(body: &[u8]) -> (u16, String, String) {
    match handle_json(body) {
        Envelope::Failure { status, error } => (status, error.code, error.message),
        Envelope::Success { .. } => {
            panic!("expected a failure for {}", String::from_utf8_lossy(body))
        }
    }
}

#[test]
fn bad_requests_get_a_clear_error_envelope() {
    let (status, code, _) = failure(b"not json");
    assert_eq!((status, code.as_str()), (400, "malformed_request"));

    let (status, code, message) =
        failure(br#"{"contract_version": 1, "asset": {"id": "T"}, "samples": []}"#);
    assert_eq!(
        (status, code.as_str()),
        (409, "unsupported_contract_version")
    );
    assert!(message.contains("version 1"), "{message}");

    let (_, code, message) =
        failure(br#"{"contract_version": 2, "asset": {"id": "T9"}, "samples": []}"#);
    assert_eq!(code, "invalid_request");
    assert_eq!(message, "asset T9: no samples");

    let conflicting = br#"{"contract_version": 2, "asset": {"id": "T9"}, "samples": [
        {"date": "2024-01-01", "gases": {"h2": 5}},
        {"date": "2024-01-01", "gases": {"h2": 6}}]}"#;
    let (_, code, message) = failure(conflicting);
    assert_eq!(code, "invalid_request");
    assert!(message.contains("2024-01-01"), "{message}");

    let negative = br#"{"contract_version": 2, "asset": {"id": "T9"}, "samples": [
        {"date": "2024-01-01", "gases": {"co": -5}}]}"#;
    let (_, code, message) = failure(negative);
    assert_eq!(code, "invalid_request");
    assert!(
        message.contains("CO") && message.contains("negative"),
        "{message}"
    );

    let unknown_option =
        br#"{"contract_version": 2, "asset": {"id": "T9"}, "options": {"speed": 3},
        "samples": [{"date": "2024-01-01", "gases": {"h2": 5}}]}"#;
    let (_, code, message) = failure(unknown_option);
    assert_eq!(code, "malformed_request");
    assert!(message.contains("speed"), "{message}");
}

#[test]
fn a_utility_table_replaces_the_builtin_one() {
    let mut request: DiagnosisRequest = serde_json::from_value(fleet().remove(0)).expect("TR-001");
    assert_eq!(
        diagnose(&request)
            .expect("diagnosis")
            .ieee_c57_104_2019
            .status
            .number(),
        1
    );
    let mut limits = substation_dga::limits::Ieee2019Limits::builtin().clone();
    // A utility whose own 90th percentile for CO in air-breathing units is 300 ppm.
    limits.table1_90th_percentile.high_oxygen.age_10_to_30.co = 300.0;
    request.options.ieee_c57_104_2019_limits = Some(limits.clone());
    assert_eq!(
        diagnose(&request)
            .expect("diagnosis")
            .ieee_c57_104_2019
            .status
            .number(),
        2
    );
    limits.table1_90th_percentile.high_oxygen.age_10_to_30.co = f64::INFINITY;
    request.options.ieee_c57_104_2019_limits = Some(limits);
    let error = diagnose(&request).expect_err("infinite limit");
    assert_eq!(error.code(), "invalid_limits");
}

#[test]
fn the_sample_fleet_tells_its_stories() {
    let expected = [
        ("TR-001", Fault::None, Severity::Normal),
        ("TR-002", Fault::S, Severity::Warning),
        ("TR-003", Fault::T3, Severity::Critical),
        ("TR-004", Fault::D2, Severity::Critical),
        ("TR-005", Fault::PD, Severity::Critical),
        ("TR-006", Fault::T2, Severity::Warning),
        ("TR-007", Fault::None, Severity::Normal),
        ("TR-008", Fault::S, Severity::Caution),
        ("TR-009", Fault::D2, Severity::Warning),
    ];
    let fleet = fleet();
    assert_eq!(fleet.len(), expected.len());
    for (value, (id, fault, severity)) in fleet.into_iter().zip(expected) {
        let request: DiagnosisRequest = serde_json::from_value(value).expect(id);
        let d = diagnose(&request).expect(id);
        assert_eq!(d.asset_id, id);
        assert_eq!(
            (d.fault, d.severity),
            (fault, severity),
            "{id}: {:#?}",
            d.rules
        );
        match id {
            "TR-006" => assert!(d.paper_involved, "CO2/CO below 3 with CO far above typical"),
            "TR-008" => assert_eq!(
                d.recommended_action.resample_within_days, 30,
                "confirm the jump"
            ),
            "TR-009" => assert!(d.iec_60599.oltc_contamination_suspected),
            "TR-001" | "TR-007" => {
                assert!(
                    !d.duval_triangle_1.applicability.applicable,
                    "no fault suspected"
                );
                assert!(d.duval_triangle_1.zone.is_some(), "zone still reported");
            }
            _ => {}
        }
    }
}

#[test]
fn an_already_parsed_request_gets_the_same_answer_as_its_bytes() {
    let bad: [&[u8]; 4] = [
        br#"{}"#,
        br#"[1, 2]"#,
        br#"{"contract_version": 1, "asset": {"id": "T"}, "samples": []}"#,
        br#"{"contract_version": 2, "asset": {"id": "T9"}, "samples": []}"#,
    ];
    let mut bodies: Vec<Vec<u8>> = bad.iter().map(|b| b.to_vec()).collect();
    bodies.extend(
        fleet()
            .iter()
            .map(|r| serde_json::to_vec(r).expect("bytes")),
    );
    for body in bodies {
        let value: Value = serde_json::from_slice(&body).expect("JSON");
        let from_value = handle_value(value);
        let from_bytes = handle_json(&body);
        match (&from_value, &from_bytes) {
            // serde_json's messages for bytes carry a line and column; the code is what counts.
            (
                Envelope::Failure { status, error },
                Envelope::Failure {
                    status: status_bytes,
                    error: error_bytes,
                },
            ) => assert_eq!((status, &error.code), (status_bytes, &error_bytes.code)),
            _ => assert_eq!(
                serde_json::to_string(&from_value).expect("JSON"),
                serde_json::to_string(&from_bytes).expect("JSON"),
                "{}",
                String::from_utf8_lossy(&body)
            ),
        }
    }
}

/// The keys a cache indexes, read from a response's JSON without building the diagnosis, are
/// the diagnosis's own, for every transformer of the sample fleet.
#[test]
fn the_keys_read_from_a_response_are_the_diagnosis_own() {
    for request in fleet() {
        let request: DiagnosisRequest = serde_json::from_value(request).expect("a request");
        let diagnosis = diagnose(&request).expect("a diagnosis");
        let json = serde_json::to_vec(&diagnosis).expect("json");
        let keys = substation_dga::ResponseKeys::read(&json).expect("keys");
        assert_eq!(keys.contract_version, Some(diagnosis.contract_version));
        assert_eq!(keys.asset_id, diagnosis.asset_id);
        assert_eq!(keys.latest_sample_date, Some(diagnosis.latest_sample_date));
        assert_eq!(
            keys.ieee_status,
            Some(diagnosis.ieee_c57_104_2019.status.number())
        );
        assert_eq!(
            keys.iec_state.as_deref(),
            Some(diagnosis.iec_60599.state.label())
        );
        assert_eq!(keys.fault.as_deref(), Some(diagnosis.fault.label()));
        assert_eq!(keys.severity.as_deref(), Some(diagnosis.severity.label()));
    }
    // Not a response: a clear error, not a panic.
    assert!(substation_dga::ResponseKeys::read(br#"{"severity": "normal"}"#).is_err());
}
