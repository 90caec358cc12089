//! The example function in `examples/python-lambda/seed_ai` (a team's own model: its own
//! feature document in, `{"status": 200, "response": …}` out), run as its real Python handler,
//! called through its profile: the request the profile makes is what the handler reads, and
//! the handler's answers read into summaries, refusals with the function's own message.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::{Value, json};
use substation_dga::{Fault, Severity};
use substation_profile::{AnswerError, Profile};

fn example(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/python-lambda/seed_ai")
        .join(path)
}

/// Runs `lambda_handler` of handler.py on each event, in one Python process, as Lambda would
/// (one event in, one answer out).
fn invoke(events: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let runner = format!(
        "import json, sys\nsys.path.insert(0, {dir:?})\nimport handler\n\
         for line in sys.stdin:\n    print(json.dumps(handler.lambda_handler(json.loads(line), None)), flush=True)\n",
        dir = example("").display().to_string()
    );
    let mut python = Command::new("python3")
        .args(["-c", &runner])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs the example handler (scripts/setup installs it)");
    {
        let mut stdin = python.stdin.take().expect("stdin");
        for event in events {
            stdin.write_all(event).expect("write");
            stdin.write_all(b"\n").expect("write");
        }
    }
    let output = python.wait_with_output().expect("python");
    assert!(output.status.success(), "the handler failed");
    output
        .stdout
        .split(|b| *b == b'\n')
        .filter(|line| !line.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

fn profile() -> Profile {
    Profile::from_toml(&std::fs::read(example("profile.toml")).expect("profile.toml"))
        .expect("the example profile loads")
}

fn contract_request() -> Value {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/contract/example-request.json");
    serde_json::from_slice(&std::fs::read(path).expect("example request")).expect("json")
}

#[test]
fn the_example_function_is_called_and_read_through_its_profile() {
    let profile = profile();
    assert_eq!(profile.name, "seed-ai");

    let example = contract_request();
    let mut arcing = example.clone();
    arcing["asset"]["id"] = json!("TR-ARC");
    arcing["samples"] = json!([
        {"date": "2025-03-01", "gases": {"h2": 420, "ch4": 120, "c2h6": 20, "c2h4": 160, "c2h2": 95, "co": 300}}
    ]);
    let mut healthy = example.clone();
    healthy["asset"]["id"] = json!("TR-NEW");
    healthy["samples"] = json!([
        {"date": "2025-03-01", "gases": {"h2": 5, "ch4": 2, "c2h6": 1, "c2h4": 1, "c2h2": {"below_detection": 0.5}, "co": 90}}
    ]);
    let mut empty = example.clone();
    empty["asset"]["id"] = json!("TR-NONE");
    empty["samples"] = json!([]);

    let events: Vec<Vec<u8>> = [&example, &arcing, &healthy, &empty]
        .iter()
        .map(|request| {
            profile
                .request(&serde_json::to_vec(request).expect("json"))
                .expect("the transform makes one event")
        })
        .collect();
    // The event is the function's own shape: its id field, gases flat, below-detection as 0.
    let first: Value = serde_json::from_slice(&events[0]).expect("json");
    assert_eq!(first["equipment_id"], "TR-003");
    assert_eq!(first["samples"][0]["c2h2"], 0);
    assert_eq!(first["samples"][0]["h2"], 30);

    let answers = invoke(&events);
    assert_eq!(answers.len(), 4);
    let read: Vec<_> = answers.iter().map(|a| profile.read(a)).collect();

    let arc = read[1].as_ref().expect("read");
    assert_eq!(arc.fault, Some(Fault::D2));
    assert_eq!(arc.fault_label.as_deref(), Some("Arcing"));
    assert!(
        matches!(arc.severity, Severity::Critical | Severity::Warning),
        "{arc:?}"
    );
    assert_eq!(
        arc.action.as_deref(),
        Some("Take it out of service and inspect.")
    );

    let new = read[2].as_ref().expect("read");
    assert_eq!(
        (new.fault, new.severity),
        (Some(Fault::None), Severity::Normal)
    );
    assert_eq!(new.score, Some(100.0));
    assert!(
        new.headline
            .as_deref()
            .is_some_and(|h| h.contains("health index 100")),
        "{new:?}"
    );
    // Worse gases, a lower index.
    assert!(arc.score < read[0].as_ref().expect("read").score);

    let refused = read[3].as_ref().expect_err("no samples");
    assert_eq!(
        refused,
        &AnswerError::Refused {
            message: "equipment TR-NONE has no samples".into()
        }
    );
}
