//! `docs/sync-openapi.yaml` against the protocol types, both ways: what Rust writes is valid by
//! the document (types, patterns, enums, required keys; the JSON Schema of its components), and
//! the document describes exactly what Rust writes. An instance with every optional field set
//! has, at every object, exactly the properties the document lists; one with none set has
//! exactly the required ones; each enum lists exactly the Rust variants.

use std::collections::BTreeSet;
use std::path::Path;

use chrono::{NaiveDate, TimeZone, Utc};
use serde_json::{Value, json};
use substation_dga::{
    Asset, Gas, GasReadings, LogEntry, LogEvent, OilPreservation, OilTreatment, SampleSource,
};
use substation_sync_protocol::{
    AssetChange, BatchAnswer, Change, ChangesPage, DiagnosisChange, ErrorBody, Item, ItemResult,
    LogEntryChange, Outcome, ProfileInfo, RemoteChange, RunInfo, SampleRecord, SamplesChange,
    SyncBatch,
};
use uuid::Uuid;

fn document() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/sync-openapi.yaml");
    let text = std::fs::read_to_string(&path).expect("docs/sync-openapi.yaml");
    yaml_serde::from_str(&text).expect("the OpenAPI document is YAML")
}

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn time() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 11, 9, 30, 0)
        .single()
        .expect("time")
}

fn date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 10).expect("date")
}

const HEX: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// Every optional field set (`full`) or none (`!full`).
fn batch(full: bool) -> SyncBatch {
    let asset = if full {
        Asset {
            id: "TR-1".into(),
            name: Some("No. 4 main".into()),
            substation: Some("West".into()),
            manufacturer: Some("LS Electric".into()),
            year_of_manufacture: Some(1998),
            rated_kv: Some(154.0),
            rated_mva: Some(60.0),
            oil_volume_litres: Some(30_000.0),
            oil_preservation: Some(OilPreservation::Conservator),
            communicating_oltc: Some(false),
        }
    } else {
        Asset::new("TR-1")
    };
    let gases = if full {
        Gas::ALL
            .iter()
            .fold(GasReadings::default(), |g, gas| g.with(*gas, 12.5))
    } else {
        GasReadings::default()
    };
    let opt = |s: &str| full.then(|| s.to_owned());
    let items = vec![
        Item {
            id: id(1),
            change: Change::Asset(AssetChange {
                asset,
                updated_at: time(),
            }),
        },
        Item {
            id: id(2),
            change: Change::Samples(SamplesChange {
                source: substation_sync_protocol::SampleSource {
                    file_name: "lab.xlsx".into(),
                    content_sha256: HEX.into(),
                    imported_at: time(),
                },
                samples: vec![SampleRecord {
                    asset_id: "TR-1".into(),
                    date: date(),
                    gases,
                    sheet: opt("Samples"),
                    row: full.then_some(7),
                }],
            }),
        },
        Item {
            id: id(3),
            change: Change::Diagnosis(DiagnosisChange {
                diagnosis_id: id(4),
                asset_id: "TR-1".into(),
                run: RunInfo {
                    run_id: id(5),
                    engine: "lambda".into(),
                    function_name: opt("substation-diagnose"),
                    started_at: time(),
                },
                request_sha256: HEX.into(),
                engine_version: "seed-ai@0123456789ab".into(),
                latest_sample_date: full.then(date),
                ieee_status: full.then_some(2),
                iec_state: opt("alert"),
                fault: opt("T2"),
                severity: opt("warning"),
                created_at: time(),
                response_deflate: vec![1, 2, 3],
                profile: full.then(|| ProfileInfo {
                    name: "seed-ai".into(),
                    sha256: HEX.into(),
                    toml: "name = \"seed-ai\"".into(),
                }),
                fault_label: opt("Arcing"),
                score: full.then_some(0.7),
                action: opt("Resample within 30 days"),
                headline: opt("Thermal fault rising"),
            }),
        },
        Item {
            id: id(6),
            change: Change::LogEntry(LogEntryChange {
                entry_id: id(7),
                entry: LogEntry {
                    asset_id: "TR-1".into(),
                    occurred_on: date(),
                    author: "J. Kim".into(),
                    text: if full {
                        "Portable analyser, on site".into()
                    } else {
                        String::new()
                    },
                    event: LogEvent::Sample {
                        source: SampleSource::Portable,
                        gases,
                    },
                },
                created_at: time(),
            }),
        },
        Item {
            id: id(8),
            change: Change::LogEntry(LogEntryChange {
                entry_id: id(10),
                entry: LogEntry {
                    asset_id: "TR-1".into(),
                    occurred_on: date(),
                    author: "J. Kim".into(),
                    text: String::new(),
                    event: if full {
                        LogEvent::OilProcessed {
                            treatment: OilTreatment::Degassed,
                        }
                    } else {
                        LogEvent::Note {}
                    },
                },
                created_at: time(),
            }),
        },
    ];
    SyncBatch {
        batch_id: id(9),
        created_at: time(),
        items,
    }
}

fn answer(full: bool) -> BatchAnswer {
    BatchAnswer {
        batch_id: id(9),
        received_at: time(),
        results: vec![ItemResult {
            id: id(1),
            outcome: Outcome::Rejected,
            reason: full.then(|| ErrorBody::new("invalid_item", "asset id is empty")),
        }],
    }
}

fn page(full: bool) -> ChangesPage {
    ChangesPage {
        changes: batch(full)
            .items
            .into_iter()
            .map(|item| RemoteChange {
                origin: "laptop-2".into(),
                item,
            })
            .collect(),
        next_cursor: "c1".into(),
        more: false,
    }
}

/// The schema `reference` (`#/components/…`) points at.
fn resolve<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference.strip_prefix('#').expect("a local reference");
            resolve(root, root.pointer(pointer).expect("the reference exists"))
        }
        None => schema,
    }
}

fn keys(value: &Value) -> BTreeSet<String> {
    value
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

/// Walks `instance` along `schema`: at every object, its keys are the schema's properties
/// (`full`) or its required ones (`!full`).
fn walk(root: &Value, schema: &Value, instance: &Value, full: bool, at: &str) {
    let schema = resolve(root, schema);
    if let Some(branches) = schema.get("oneOf").and_then(Value::as_array) {
        let branch = branches
            .iter()
            .find(|b| {
                let b = resolve(root, b);
                keys(instance) == keys(&b["properties"])
            })
            .unwrap_or_else(|| panic!("{at}: no oneOf branch has the keys {:?}", keys(instance)));
        return walk(root, branch, instance, full, at);
    }
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        let listed: BTreeSet<String> = properties.keys().cloned().collect();
        let required: BTreeSet<String> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| {
                r.iter()
                    .filter_map(|k| k.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let wanted = if full { &listed } else { &required };
        assert_eq!(
            &keys(instance),
            wanted,
            "{at}: what Rust writes {} and what the document lists {}",
            if full {
                "with every field"
            } else {
                "with no optional field"
            },
            if full { "as properties" } else { "as required" }
        );
        for (key, value) in instance.as_object().expect("an object") {
            walk(root, &properties[key], value, full, &format!("{at}.{key}"));
        }
    }
    if let (Some(items), Some(elements)) = (schema.get("items"), instance.as_array()) {
        for (i, element) in elements.iter().enumerate() {
            walk(root, items, element, full, &format!("{at}[{i}]"));
        }
    }
}

fn validate(root: &Value, name: &str, instance: &Value) {
    let mut schema = json!({ "$ref": format!("#/components/schemas/{name}") });
    schema["components"] = root["components"].clone();
    let validator = jsonschema::validator_for(&schema).expect("the components are JSON Schema");
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{name}: {errors:#?}\n{instance:#}");
}

#[test]
fn what_rust_writes_is_valid_by_the_document_and_the_document_lists_nothing_else() {
    let root = document();
    for full in [true, false] {
        let cases = [
            (
                "SyncBatch",
                serde_json::to_value(batch(full)).expect("json"),
            ),
            (
                "BatchAnswer",
                serde_json::to_value(answer(full)).expect("json"),
            ),
            (
                "ChangesPage",
                serde_json::to_value(page(full)).expect("json"),
            ),
            (
                "Error",
                serde_json::to_value(ErrorBody::new("unauthorized", "no")).expect("json"),
            ),
        ];
        for (name, instance) in cases {
            validate(&root, name, &instance);
            let schema = json!({ "$ref": format!("#/components/schemas/{name}") });
            walk(&root, &schema, &instance, full, name);
        }
    }
}

#[test]
fn the_documents_enums_are_the_rust_variants() {
    let root = document();
    let listed = |pointer: &str| -> BTreeSet<String> {
        root.pointer(pointer)
            .and_then(Value::as_array)
            .unwrap_or_else(|| panic!("{pointer} in the document"))
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    };
    let written = |values: Vec<Value>| -> BTreeSet<String> {
        values
            .into_iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    };
    assert_eq!(
        listed("/components/schemas/BatchAnswer/properties/results/items/properties/outcome/enum"),
        written(
            [Outcome::Applied, Outcome::Duplicate, Outcome::Rejected]
                .iter()
                .map(|o| serde_json::to_value(o).expect("json"))
                .collect()
        )
    );
    let schemas = "/components/schemas/LogEvent/oneOf";
    let kinds: BTreeSet<String> = (0..3)
        .flat_map(|i| listed(&format!("{schemas}/{i}/properties/kind/enum")))
        .collect();
    assert_eq!(
        kinds,
        LogEvent::KINDS.iter().map(|k| k.to_string()).collect()
    );
    assert_eq!(
        listed(&format!("{schemas}/1/properties/treatment/enum")),
        OilTreatment::ALL
            .iter()
            .map(|t| t.label().to_owned())
            .collect()
    );
    assert_eq!(
        listed(&format!("{schemas}/0/properties/source/enum")),
        [SampleSource::Lab, SampleSource::Portable]
            .iter()
            .map(|s| serde_json::to_value(s)
                .expect("json")
                .as_str()
                .expect("text")
                .to_owned())
            .collect()
    );
    assert_eq!(
        listed("/components/schemas/Asset/properties/oil_preservation/enum"),
        written(
            OilPreservation::ALL
                .iter()
                .map(|p| serde_json::to_value(p).expect("json"))
                .collect()
        )
    );
}

/// The walk itself can fail: a field the document does not list, and one it requires that
/// Rust may leave out, are both caught.
#[test]
fn a_field_missing_from_the_document_is_caught() {
    let mut root = document();
    let properties = root
        .pointer_mut("/components/schemas/DiagnosisChange/properties")
        .and_then(Value::as_object_mut)
        .expect("DiagnosisChange");
    properties.remove("headline");
    let instance = serde_json::to_value(batch(true)).expect("json");
    let schema = json!({ "$ref": "#/components/schemas/SyncBatch" });
    let caught = std::panic::catch_unwind(|| walk(&root, &schema, &instance, true, "SyncBatch"));
    assert!(caught.is_err(), "an undocumented field went unnoticed");

    // And the validation: a value out of the documented range.
    let root = document();
    let mut instance = serde_json::to_value(batch(true)).expect("json");
    instance["items"][2]["change"]["diagnosis"]["ieee_status"] = json!(7);
    let caught = std::panic::catch_unwind(|| validate(&root, "SyncBatch", &instance));
    assert!(
        caught.is_err(),
        "ieee_status 7 passed the document's maximum of 3"
    );

    let mut root = document();
    root.pointer_mut("/components/schemas/SampleRecord/required")
        .and_then(Value::as_array_mut)
        .expect("required")
        .push(json!("sheet"));
    let instance = serde_json::to_value(batch(false)).expect("json");
    let caught = std::panic::catch_unwind(|| walk(&root, &schema, &instance, false, "SyncBatch"));
    assert!(
        caught.is_err(),
        "a required field Rust leaves out went unnoticed"
    );
}

/// The paths, headers and limits the document states are the protocol's constants.
#[test]
fn the_documents_paths_headers_and_limits_are_the_constants() {
    use substation_sync_protocol as p;
    let root = document();
    for path in [
        p::BATCHES_PATH,
        p::CHANGES_PATH,
        p::HEALTH_PATH,
        p::READY_PATH,
    ] {
        assert!(
            root["paths"].get(path).is_some(),
            "{path} is not documented"
        );
    }
    let text = serde_json::to_string(&root).expect("json");
    for header in [p::VERSION_HEADER, p::IDEMPOTENCY_HEADER] {
        assert!(text.contains(header), "{header} is not documented");
    }
    assert_eq!(
        root.pointer("/components/parameters/Version/schema/enum/0")
            .and_then(Value::as_str),
        Some(p::PROTOCOL_VERSION.to_string().as_str()),
        "the version the document states"
    );
    assert_eq!(
        root.pointer("/components/parameters/Version/schema/enum")
            .and_then(Value::as_array)
            .map(|v| v.len() as u32),
        Some(p::PROTOCOL_VERSION - p::OLDEST_PROTOCOL_VERSION + 1),
        "every version the service speaks"
    );
    let number = |pointer: &str| {
        root.pointer(pointer)
            .and_then(Value::as_u64)
            .unwrap_or_else(|| panic!("{pointer} in the document"))
    };
    let schemas = "/components/schemas";
    let limits = [
        (
            format!("{schemas}/SyncBatch/properties/items/maxItems"),
            p::MAX_ITEMS_PER_BATCH,
        ),
        (
            format!("{schemas}/SamplesChange/properties/samples/maxItems"),
            p::MAX_SAMPLES_PER_ITEM,
        ),
        (
            format!("{schemas}/Asset/properties/id/maxLength"),
            p::MAX_ID_CHARS,
        ),
        (
            format!("{schemas}/Asset/properties/name/maxLength"),
            p::MAX_TEXT_CHARS,
        ),
        (
            format!("{schemas}/SampleRecord/properties/asset_id/maxLength"),
            p::MAX_ID_CHARS,
        ),
        (
            format!("{schemas}/DiagnosisChange/properties/headline/maxLength"),
            p::MAX_TEXT_CHARS,
        ),
        (
            format!("{schemas}/DiagnosisChange/properties/profile/properties/toml/maxLength"),
            p::MAX_PROFILE_BYTES,
        ),
    ];
    for (pointer, constant) in limits {
        assert_eq!(number(&pointer), constant as u64, "{pointer}");
    }
}
