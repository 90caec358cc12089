//! Custom answers read again by the real service binary's reading children: what a device's
//! profile does to the reader stays in the reader.

mod common;

use common::{Harness, batch, deflate, diagnosis, outcomes};
use substation_central::CustomReading;
use substation_sync_protocol::{Change, Item, Outcome, ProfileInfo};

const SEED_AI: &str = include_str!("../../../examples/python-lambda/seed_ai/profile.toml");

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A diagnosis read through `toml` (a profile named `name`) from `answer`, claiming the keys
/// the seed-ai example's profile reads from the answer of [`answer`].
fn custom(asset_id: &str, name: &str, toml: &str, answer: &str) -> Item {
    let mut item = diagnosis(asset_id);
    if let Change::Diagnosis(d) = &mut item.change {
        let sha256 = sha256_hex(toml.as_bytes());
        d.engine_version = format!("{name}@{}", &sha256[..12]);
        d.ieee_status = None;
        d.iec_state = None;
        d.fault = Some("D2".into());
        d.severity = Some("critical".into());
        d.fault_label = Some("Arcing".into());
        d.score = Some(12.5);
        d.action = Some("Take it out of service and inspect.".into());
        d.headline = Some("Arcing, health index 12.5".into());
        d.response_deflate = deflate(answer.as_bytes());
        d.profile = Some(ProfileInfo {
            name: name.into(),
            sha256,
            toml: toml.into(),
        });
    }
    item
}

fn answer(asset_id: &str) -> String {
    serde_json::json!({
        "status": 200,
        "response": {
            "equipment_id": asset_id,
            "fault_class": "Arcing",
            "health_index": 12.5,
            "comment": "Take it out of service and inspect.",
        },
    })
    .to_string()
}

/// A profile named `name` whose severity is read by `filter`.
fn hostile(name: &str, filter: &str) -> String {
    format!("name = \"{name}\"\n[answer]\nseverity = '''{filter}'''\n")
}

async fn isolated() -> Harness {
    Harness::start_with(|config| {
        config.custom_reading = CustomReading::Isolated {
            program: env!("CARGO_BIN_EXE_substation-central").into(),
        };
    })
    .await
}

#[tokio::test]
async fn a_profile_written_to_exhaust_the_reader_refuses_only_its_own_item() {
    let h = isolated().await;
    let token = h.token("laptop-a").await;
    // Each passes the profile language's checks, and each would end or hold the service's
    // process if it were read there: an expression nested thousands deep (the stack), a text
    // doubled to a GiB and a half at its peak (memory: it would fit without the limit), four
    // hundred million additions (CPU: half a minute without the limit).
    let deep = hostile("deep", &format!("{}1", "-".repeat(20_000)));
    let doubled = hostile(
        "doubled",
        &format!("\"0123456789abcdef\" | {}length", "(. + .) | ".repeat(26)),
    );
    let busy = hostile(
        "busy",
        ".response.xs as $xs | reduce $xs[] as $a (0; . + ([$xs[] | . + $a] | length))",
    );
    let many = serde_json::json!({"status": 200, "response": {"xs": vec![1; 20_000]}}).to_string();
    let halting = hostile("halting", "halt");
    let items = vec![
        custom("TR-1", "seed-ai", SEED_AI, &answer("TR-1")),
        custom("TR-2", "deep", &deep, &answer("TR-2")),
        custom("TR-3", "doubled", &doubled, &answer("TR-3")),
        custom("TR-4", "busy", &busy, &many),
        custom("TR-5", "halting", &halting, &answer("TR-5")),
        diagnosis("TR-6"),
        custom("TR-7", "seed-ai", SEED_AI, &answer("TR-7")),
    ];
    let started = std::time::Instant::now();
    let reply = h.upload(&token, &batch(items)).await;
    let took = started.elapsed();
    use Outcome::{Applied, Rejected};
    assert_eq!(
        outcomes(&reply),
        vec![
            Applied, Rejected, Rejected, Rejected, Rejected, Applied, Applied
        ],
        "{reply:?}"
    );
    let reasons: Vec<String> = reply
        .results
        .iter()
        .filter_map(|r| r.reason.as_ref().map(|reason| reason.message.clone()))
        .collect();
    for reason in &reasons[..3] {
        assert!(
            reason.contains("within the service's limits"),
            "{reasons:#?}"
        );
    }
    assert!(reasons[3].contains("`halt` is not allowed"), "{reasons:#?}");
    // The CPU allowance is seconds, not the half minute the busy filter would take.
    assert!(took < std::time::Duration::from_secs(15), "{took:?}");
    assert_eq!(h.sql_count("SELECT count(*) FROM diagnosis").await, 3);

    // The service is still up, and a new reader takes the next upload.
    let reply = h
        .upload(
            &token,
            &batch(vec![custom("TR-8", "seed-ai", SEED_AI, &answer("TR-8"))]),
        )
        .await;
    assert_eq!(outcomes(&reply), vec![Applied]);
    // What the reader read is what the item claims; a claim the answer does not make is
    // refused by the same reader.
    let mut claims_more = custom("TR-9", "seed-ai", SEED_AI, &answer("TR-9"));
    if let Change::Diagnosis(d) = &mut claims_more.change {
        d.score = Some(99.0);
    }
    let reply = h.upload(&token, &batch(vec![claims_more])).await;
    assert_eq!(outcomes(&reply), vec![Rejected]);
    let reason = reply.results[0].reason.as_ref().map(|r| r.message.clone());
    assert!(
        reason.as_deref().is_some_and(|r| r.contains("score")),
        "{reason:?}"
    );
}

#[tokio::test]
async fn a_reader_that_hangs_is_killed_after_its_wall_time() {
    // A reader that takes the request and never answers (a stopped or swapping process):
    // the watchdog ends it, and the item alone is refused.
    let dir = tempfile::tempdir().expect("temp dir");
    let program = dir.path().join("hangs");
    std::fs::write(&program, "#!/bin/sh\nexec sleep 600\n").expect("script");
    let mut permissions = std::fs::metadata(&program).expect("meta").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&program, permissions).expect("chmod");
    let h = Harness::start_with(|config| {
        config.custom_reading = CustomReading::Isolated { program };
    })
    .await;
    let token = h.token("laptop-a").await;
    let started = std::time::Instant::now();
    let reply = h
        .upload(
            &token,
            &batch(vec![
                custom("TR-1", "seed-ai", SEED_AI, &answer("TR-1")),
                diagnosis("TR-2"),
            ]),
        )
        .await;
    let took = started.elapsed();
    assert_eq!(
        outcomes(&reply),
        vec![Outcome::Rejected, Outcome::Applied],
        "{reply:?}"
    );
    let wall = substation_central::CHILD_WALL_TIME_PER_ANSWER;
    assert!(took >= wall && took < wall * 3, "{took:?}");
}

#[tokio::test]
async fn a_service_that_cannot_start_a_reader_answers_503_and_refuses_nothing() {
    let h = Harness::start_with(|config| {
        config.custom_reading = CustomReading::Isolated {
            program: "/nonexistent/substation-central".into(),
        };
    })
    .await;
    let token = h.token("laptop-a").await;
    let answer = h
        .post(
            &token,
            &batch(vec![custom("TR-1", "seed-ai", SEED_AI, &answer("TR-1"))]),
        )
        .await;
    let error = answer.assert_error(reqwest::StatusCode::SERVICE_UNAVAILABLE, "not_ready");
    assert!(error.message.contains("profile reader"), "{error:?}");
    assert_eq!(answer.header("retry-after"), Some("30"));
    assert_eq!(h.sql_count("SELECT count(*) FROM diagnosis").await, 0);
}
