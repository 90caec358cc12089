//! Profiles read as a team would write them: a function shaped like an existing AI service
//! (its own feature document in, `{"status": 200, "response": {...}}` out).

use serde_json::json;
use substation_dga::{Fault, Severity};
use substation_profile::{AnswerError, Profile, ProfileError};

const SEED_AI: &str = r#"
name = "seed-ai"
description = "The planning team's transformer model"

[function]
name = "dga-ai-prod"
region = "ap-northeast-2"
concurrency = 64

[request]
transform = '''
{
  equipment_id: .asset.id,
  rated_kv: .asset.rated_kv,
  samples: [.samples[] | {date, h2: .gases.h2, ch4: .gases.ch4, c2h2: .gases.c2h2}]
}
'''

[answer]
ok = '.status == 200'
error = '.message // .response.error'
fault = '.response.fault_class'
severity = '.response.health_index'
action = '.response.comment'
headline = '"\(.response.fault_class) (HI \(.response.health_index))"'

[answer.fault_labels]
"Arcing" = "D2"
"Thermal<300" = "T1"
"Normal" = "none"

[answer.severity_bands]
worse = "lower"
caution = 70
warning = 50
critical = 30
"#;

fn seed() -> Profile {
    Profile::from_toml(SEED_AI.as_bytes()).expect("the profile loads")
}

fn answer(value: serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(&value).expect("json")
}

#[test]
fn the_request_is_the_functions_own_shape() {
    let profile = seed();
    assert_eq!(profile.name, "seed-ai");
    assert_eq!(profile.function.name.as_deref(), Some("dga-ai-prod"));
    assert_eq!(profile.function.concurrency, Some(64));
    assert_eq!(profile.sha256.len(), 64);
    let contract = json!({
        "contract_version": 2,
        "asset": {"id": "TR-0001", "rated_kv": 154.0},
        "samples": [
            {"date": "2024-01-10", "gases": {"h2": 30.0, "ch4": 12.0, "c2h2": 0.0}},
            {"date": "2024-07-10", "gases": {"h2": 41.5, "ch4": 15.0}},
        ],
    });
    let event = profile
        .request(&serde_json::to_vec(&contract).expect("json"))
        .expect("transformed");
    let event: serde_json::Value = serde_json::from_slice(&event).expect("json");
    assert_eq!(
        event,
        json!({
            "equipment_id": "TR-0001",
            "rated_kv": 154.0,
            "samples": [
                {"date": "2024-01-10", "h2": 30.0, "ch4": 12.0, "c2h2": 0.0},
                {"date": "2024-07-10", "h2": 41.5, "ch4": 15.0, "c2h2": null},
            ],
        })
    );
}

#[test]
fn an_answer_is_read_into_a_summary_the_lists_sort_by() {
    let profile = seed();
    let summary = profile
        .read(&answer(json!({
            "status": 200,
            "response": {"fault_class": "Arcing", "health_index": 22.5, "comment": "Take it out of service",
                         "probabilities": {"Arcing": 0.81, "Normal": 0.02}},
        })))
        .expect("read");
    assert_eq!(summary.severity, Severity::Critical);
    assert_eq!(summary.score, Some(22.5));
    assert_eq!(summary.fault, Some(Fault::D2));
    assert_eq!(summary.fault_label.as_deref(), Some("Arcing"));
    assert_eq!(summary.action.as_deref(), Some("Take it out of service"));
    assert_eq!(summary.headline.as_deref(), Some("Arcing (HI 22.5)"));

    // The bands, at and between their thresholds (the lower the index, the worse).
    for (index, severity) in [
        (95.0, Severity::Normal),
        (70.0, Severity::Caution),
        (55.0, Severity::Caution),
        (50.0, Severity::Warning),
        (30.0, Severity::Critical),
    ] {
        let summary = profile
            .read(&answer(json!({"status": 200, "response": {"fault_class": "Normal", "health_index": index}})))
            .expect("read");
        assert_eq!(summary.severity, severity, "HI {index}");
        assert_eq!(summary.fault, Some(Fault::None));
    }
    // A label the profile does not map is kept as the function said it, with no tool fault.
    let summary = profile
        .read(&answer(
            json!({"status": 200, "response": {"fault_class": "Moisture", "health_index": 80}}),
        ))
        .expect("read");
    assert_eq!(
        (summary.fault, summary.fault_label.as_deref()),
        (None, Some("Moisture"))
    );
}

#[test]
fn texts_read_from_an_answer_are_one_bounded_line() {
    let profile = seed();
    let long = "x".repeat(2_000);
    let summary = profile
        .read(&answer(json!({
            "status": 200,
            "response": {"fault_class": "  Arcing\n", "health_index": 22.5,
                         "comment": "Take it out of service.\r\n\tInspect the bushings."},
        })))
        .expect("read");
    assert_eq!(
        summary.action.as_deref(),
        Some("Take it out of service. Inspect the bushings.")
    );
    assert_eq!(summary.fault_label.as_deref(), Some("Arcing"));
    assert_eq!(summary.fault, Some(Fault::D2), "the trimmed label maps");
    let summary = profile
        .read(&answer(
            json!({"status": 200, "response": {"fault_class": "", "health_index": 80, "comment": long}}),
        ))
        .expect("read");
    assert_eq!(summary.fault_label, None, "an empty label is no label");
    let action = summary.action.expect("action");
    assert_eq!(action.chars().count(), substation_profile::MAX_TEXT_CHARS);
    assert!(action.ends_with('…'));
}

#[test]
fn a_refusal_carries_the_functions_own_message() {
    let profile = seed();
    let error = profile
        .read(&answer(
            json!({"status": 422, "message": "equipment TR-9 has fewer than 3 samples"}),
        ))
        .expect_err("refused");
    assert_eq!(error.code(), "function_refused");
    assert_eq!(
        error,
        AnswerError::Refused {
            message: "equipment TR-9 has fewer than 3 samples".into()
        }
    );
    // No message anywhere: the answer itself, shortened, is the message.
    let error = profile
        .read(&answer(json!({"status": 500, "trace": "x".repeat(1_000)})))
        .expect_err("refused");
    let AnswerError::Refused { message } = &error else {
        panic!("{error:?}")
    };
    assert!(
        message.starts_with("{\"status\":500") && message.chars().count() <= 201,
        "{message}"
    );
}

#[test]
fn an_answer_that_does_not_fit_names_the_path_and_the_value() {
    let profile = seed();
    let error = profile
        .read(&answer(
            json!({"status": 200, "response": {"fault_class": "Arcing"}}),
        ))
        .expect_err("no index");
    assert_eq!(error.code(), "answer_missing_field");
    assert_eq!(
        error.to_string(),
        "answer.severity `.response.health_index` gave nothing (null or no value), and severity is required"
    );
    let error = profile
        .read(&answer(
            json!({"status": 200, "response": {"health_index": "high"}}),
        ))
        .expect_err("a word");
    assert_eq!(error.code(), "answer_unexpected_value");
    let text = error.to_string();
    assert!(
        text.contains("`.response.health_index`") && text.contains("\"high\""),
        "{text}"
    );
    let error = profile
        .read(&answer(json!({"status": "200"})))
        .expect_err("status as text");
    // `.status == 200` is false for the text "200": a refusal, with the answer shown.
    assert_eq!(error.code(), "function_refused");
    let error = profile
        .read(b"<html>502 Bad Gateway</html>")
        .expect_err("not json");
    assert_eq!(error.code(), "answer_not_json");
    let error = profile
        .read(&answer(json!({"status": 200, "response": [1, 2]})))
        .expect_err("an array");
    assert_eq!(error.code(), "answer_filter_failed", "{error}");
    assert!(error.to_string().contains("answer.severity"), "{error}");
}

#[test]
fn severity_words_are_mapped_or_taken_as_the_tools_own() {
    let profile = Profile::from_toml(
        br#"
name = "words"
[answer]
severity = '.risk'
[answer.severity_labels]
"LOW" = "normal"
"HIGH" = "critical"
"#,
    )
    .expect("loads");
    let read = |risk: &str| profile.read(&answer(json!({"risk": risk})));
    assert_eq!(read("HIGH").expect("read").severity, Severity::Critical);
    assert_eq!(read("warning").expect("read").severity, Severity::Warning);
    let error = read("MEDIUM").expect_err("unknown");
    assert!(error.to_string().contains("HIGH, LOW"), "{error}");
    // No transform: the contract's request goes as it is.
    assert_eq!(profile.request(b"{\"a\":1}").expect("same"), b"{\"a\":1}");
}

#[test]
fn a_profile_that_cannot_work_is_refused_when_loaded() {
    let load = |text: &str| Profile::from_toml(text.as_bytes()).expect_err("refused");
    let error = load("name = \"x\"\n[answer]\nseverity = '.a | '\n");
    assert_eq!(error.code(), "profile_filter");
    assert!(error.to_string().starts_with("answer.severity:"), "{error}");
    let error = load("name = \"x\"\n[answer]\nseverity = 'nosuchfunction(.a)'\n");
    assert!(
        matches!(&error, ProfileError::Filter { problem, .. } if problem.contains("nosuchfunction")),
        "{error}"
    );
    let error = load("name = \"x\"\n[answer]\nseverity = '.a'\ncolour = 'red'\n");
    assert_eq!(error.code(), "profile_format");
    assert!(error.to_string().contains("colour"), "{error}");
    let error =
        load("name = \"x\"\n[answer]\nseverity = '.a'\n[answer.fault_labels]\nArc = 'D9'\n");
    assert_eq!(error.code(), "profile_invalid");
    assert!(
        error.to_string().contains("D9") && error.to_string().contains("D2"),
        "{error}"
    );
    let error = load(
        "name = \"x\"\n[answer]\nseverity = '.a'\n[answer.severity_bands]\nworse = 'higher'\ncaution = 0.9\nwarning = 0.5\ncritical = 0.7\n",
    );
    assert!(error.to_string().contains("not in order"), "{error}");
    let error = load("name = \"x\"\n[request]\ntransform = '.'\n");
    assert_eq!(
        error.code(),
        "profile_format",
        "severity is required: {error}"
    );
}

#[test]
fn a_transform_must_make_exactly_one_event() {
    let profile = Profile::from_toml(
        b"name = \"x\"\n[request]\ntransform = '.samples[]'\n[answer]\nseverity = '.s'\n",
    )
    .expect("loads");
    let error = profile
        .request(br#"{"samples": [1, 2]}"#)
        .expect_err("two events");
    assert!(error.to_string().contains("gave 2 values"), "{error}");
}

#[test]
fn a_profile_is_used_from_many_threads_at_once() {
    let profile = std::sync::Arc::new(seed());
    let workers: Vec<_> = (0..4)
        .map(|n| {
            let profile = profile.clone();
            std::thread::spawn(move || {
                (0..50)
                    .map(|i| {
                        let index = f64::from((n * 50 + i) % 100);
                        profile
                            .read(&answer(json!({"status": 200, "response": {"fault_class": "Normal", "health_index": index}})))
                            .map(|s| s.severity)
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
        })
        .collect();
    for worker in workers {
        let severities = worker.join().expect("thread").expect("read");
        assert_eq!(severities.len(), 50);
    }
}

#[test]
fn a_filter_that_could_loop_read_the_computer_or_stop_the_program_is_refused_when_loaded() {
    // Each is refused by name before it ever runs: on the laptop, and on the central service
    // that reads a synced answer again with the profile it came with.
    for (filter, named) in [
        ("def f: f; f", "def f"),
        ("def hi: .response.health_index; hi", "def hi"),
        ("last(repeat(1))", "repeat"),
        ("until(. > 100; . + 1)", "until"),
        ("[while(. < 100; . + 1)] | length", "while"),
        ("[range(.n)] | length", "range"),
        ("[recurse(. + 1)] | length", "recurse(f)"),
        ("env.AWS_SECRET_ACCESS_KEY", "env"),
        ("\"\\(env.HOME) \\(.response.fault_class)\"", "env"),
        ("{(env | tostring): 1} | length", "env"),
        ("now", "now"),
        (".response.health_index | debug", "debug"),
        ("halt", "halt"),
        (".response | halt_error", "halt_error"),
        ("import \"features\" as f; .response.health_index", "module"),
        ("[.response | combinations] | length", "combinations"),
        (".body | fromjson | .score", "fromjson"),
        (".response | stderr_empty", "stderr_empty"),
    ] {
        let toml = format!("name = \"x\"\n[answer]\nseverity = '''{filter}'''\n");
        let error = Profile::from_toml(toml.as_bytes()).expect_err(filter);
        assert_eq!(error.code(), "profile_filter", "{filter}: {error}");
        assert!(
            error.to_string().starts_with("answer.severity:") && error.to_string().contains(named),
            "{filter}: {error}"
        );
    }
    // What a profile does need still loads: paths, conditionals, `..`, reduce over the
    // document, string and array functions, `limit`.
    for filter in [
        ".response.health_index",
        "[.. | numbers] | max",
        "reduce .response.probabilities[] as $p (0; . + $p)",
        ".response.probabilities | to_entries | max_by(.value) | .key | length",
        "if .status == 200 then .response.health_index else null end",
        "[limit(1; .response.probabilities[])] | first",
        "try (.response.health_index | tonumber) catch 0",
        "[\"12.5\", 3, \"true\"] | (.[0] | tonumber) + .[1] + (if (.[2] | toboolean) then 1 else 0 end)",
    ] {
        let toml = format!("name = \"x\"\n[answer]\nseverity = '''{filter}'''\n");
        Profile::from_toml(toml.as_bytes()).unwrap_or_else(|e| panic!("{filter}: {e}"));
    }
}

#[test]
fn an_answer_nested_too_deep_is_refused_not_a_crash() {
    // A hundred thousand levels would overflow the stack of any recursive reader.
    let depth = 100_000;
    let deep = format!(
        "{{\"status\": 200, \"response\": {}{}}}",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let error = seed().read(deep.as_bytes()).expect_err("refused");
    assert!(error.to_string().contains("deeper than 128"), "{error}");
    // Brackets inside strings are text, not nesting.
    let fine = answer(json!({
        "status": 200,
        "response": {"fault_class": "[".repeat(500), "health_index": 90, "comment": "{\"["},
    }));
    let summary = seed().read(&fine).expect("read");
    assert_eq!(summary.score, Some(90.0));
    // jaq's reader takes `#` comments; an answer is JSON, and a comment cannot hide nesting
    // from the depth check.
    let commented = format!(
        "{{\"status\": 200, \"response\": # \"\n{}{} # \"\n}}",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    assert!(seed().read(commented.as_bytes()).is_err());
    // A number read from a string: a short one only (jaq's `tonumber` parses any text).
    let profile = Profile::from_toml(
        b"name = \"x\"\n[answer]\nseverity = '.response.health_index | tonumber'\n\
          [answer.severity_bands]\nworse = 'lower'\ncaution = 70\nwarning = 50\ncritical = 30\n",
    )
    .expect("loads");
    let as_text = answer(json!({"response": {"health_index": "42.5"}}));
    assert_eq!(profile.read(&as_text).expect("read").score, Some(42.5));
    let brackets = answer(json!({"response": {"health_index": "[".repeat(depth)}}));
    let error = profile.read(&brackets).expect_err("not a number");
    assert!(
        error.to_string().contains("cannot parse as number"),
        "{error}"
    );
}
