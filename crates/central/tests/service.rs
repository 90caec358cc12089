//! The central service through real HTTP, on a real PostgreSQL (`SUBSTATION_TEST_PG`), each
//! test on a database of its own.

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{Duration, Utc};
use common::*;
use reqwest::StatusCode;
use substation_sync_protocol::{
    BATCHES_PATH, CHANGES_PATH, Change, HEALTH_PATH, IDEMPOTENCY_HEADER, Item, Outcome, READY_PATH,
    SyncBatch, VERSION_HEADER,
};
use uuid::Uuid;

#[tokio::test]
async fn a_replay_returns_the_first_answer_and_stores_nothing_twice() {
    let h = Harness::start().await;
    let token = h.token("laptop-a").await;
    let now = Utc::now();
    let sent = batch(vec![
        asset("TR-1", "Unit 1", now),
        samples("TR-1", &[1, 2, 3], 10.0, now),
        diagnosis("TR-1"),
        diagnosis("TR-2"),
    ]);
    let first = h.post(&token, &sent).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text());
    assert_eq!(first.header("Idempotent-Replayed"), None);
    assert_eq!(first.header(VERSION_HEADER), Some("1"));
    let answer: substation_sync_protocol::BatchAnswer = first.json();
    assert_eq!(answer.batch_id, sent.batch_id);
    assert_eq!(outcomes(&answer), vec![Outcome::Applied; 4]);
    let ids: Vec<Uuid> = answer.results.iter().map(|r| r.id).collect();
    let sent_ids: Vec<Uuid> = sent.items.iter().map(|item| item.id).collect();
    assert_eq!(ids, sent_ids, "one result per item, in order");

    // The laptop did not hear the answer and sends the very same body again, twice, the
    // second time gzipped.
    for gzip in [false, true] {
        let body = serde_json::to_vec(&sent).expect("json");
        let again = h
            .post_raw(&token, &sent.batch_id.to_string(), body, gzip)
            .await;
        assert_eq!(again.status, StatusCode::OK, "{}", again.text());
        assert_eq!(again.header("Idempotent-Replayed"), Some("true"));
        assert_eq!(again.body, first.body, "the stored answer, byte for byte");
    }

    assert_eq!(h.sql_count("SELECT count(*) FROM diagnosis").await, 2);
    assert_eq!(h.sql_count("SELECT count(*) FROM sample").await, 3);
    assert_eq!(h.sql_count("SELECT count(*) FROM asset").await, 2);
    assert_eq!(h.sql_count("SELECT count(*) FROM change_log").await, 4);
    assert_eq!(h.sql_count("SELECT count(*) FROM sync_batch").await, 1);
}

#[tokio::test]
async fn a_key_reused_for_another_body_or_by_another_device_is_refused() {
    let h = Harness::start().await;
    let a = h.token("laptop-a").await;
    let b = h.token("laptop-b").await;
    let sent = batch(vec![diagnosis("TR-1")]);
    h.upload(&a, &sent).await;

    let mut changed = sent.clone();
    changed.items.push(diagnosis("TR-2"));
    let refused = h.post(&a, &changed).await;
    let error = refused.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused");
    assert!(
        error.message.contains(&sent.batch_id.to_string()),
        "{error:?}"
    );

    // The same body from another laptop is not its batch either.
    let refused = h.post(&b, &sent).await;
    refused.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused");

    assert_eq!(h.sql_count("SELECT count(*) FROM diagnosis").await, 1);
}

#[tokio::test]
async fn items_sent_again_in_another_batch_are_duplicates() {
    let h = Harness::start().await;
    let token = h.token("laptop-a").await;
    let first = batch(vec![diagnosis("TR-1"), diagnosis("TR-2")]);
    h.upload(&token, &first).await;

    // A new batch (the outbox was rebuilt after a crash) holding the same two items, the same
    // diagnosis under a new item id, a new item, and a new item twice.
    let mut same_diagnosis = first.items[1].clone();
    same_diagnosis.id = Uuid::now_v7();
    let fresh = diagnosis("TR-3");
    let second = batch(vec![
        first.items[0].clone(),
        first.items[1].clone(),
        same_diagnosis,
        fresh.clone(),
        fresh,
    ]);
    let answer = h.upload(&token, &second).await;
    assert_eq!(
        outcomes(&answer),
        vec![
            Outcome::Duplicate,
            Outcome::Duplicate,
            Outcome::Duplicate,
            Outcome::Applied,
            Outcome::Duplicate
        ]
    );
    assert!(answer.results.iter().all(|r| r.reason.is_none()));
    assert_eq!(h.sql_count("SELECT count(*) FROM diagnosis").await, 3);
    assert_eq!(h.sql_count("SELECT count(*) FROM change_log").await, 3);
}

#[tokio::test]
async fn the_same_batch_sent_twice_at_once_is_applied_once() {
    let h = Arc::new(Harness::start().await);
    let token = h.token("laptop-a").await;
    let sent = batch((0..200).map(|i| diagnosis(&format!("TR-{i}"))).collect());
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let (h, token, sent) = (h.clone(), token.clone(), sent.clone());
        tasks.push(tokio::spawn(async move { h.post(&token, &sent).await }));
    }
    let mut bodies = Vec::new();
    let mut replayed = 0;
    for task in tasks {
        let answer = task.await.expect("task");
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
        replayed += usize::from(answer.header("Idempotent-Replayed") == Some("true"));
        bodies.push(answer.body);
    }
    assert_eq!(
        replayed, 3,
        "one request applied the batch, the others got its answer"
    );
    assert!(bodies.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(h.sql_count("SELECT count(*) FROM diagnosis").await, 200);
}

/// Two laptops upload many batches at once, replaying some, while a third pulls the change
/// feed in a loop: everything is stored once, and the puller sees every change exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_laptops_upload_at_once_while_a_third_pulls() {
    const BATCHES: usize = 40;
    const PER_BATCH: usize = 25;
    let h = Arc::new(Harness::start().await);
    let tokens = [h.token("laptop-a").await, h.token("laptop-b").await];
    let puller = h.token("laptop-c").await;

    let mut expected = HashSet::new();
    let mut plans = Vec::new();
    for (device, token) in tokens.iter().enumerate() {
        let batches: Vec<_> = (0..BATCHES)
            .map(|b| {
                batch(
                    (0..PER_BATCH)
                        .map(|i| diagnosis(&format!("TR-{device}-{b}-{i}")))
                        .collect(),
                )
            })
            .collect();
        for sent in &batches {
            expected.extend(sent.items.iter().map(|item| item.id));
        }
        plans.push((token.clone(), batches));
    }

    let done = Arc::new(AtomicBool::new(false));
    let reader = {
        let (h, done) = (h.clone(), done.clone());
        tokio::spawn(async move {
            let mut seen: Vec<Uuid> = Vec::new();
            let mut cursor = String::new();
            loop {
                let finished = done.load(Ordering::SeqCst);
                let page = h.pull(&puller, &cursor, 37).await;
                seen.extend(page.changes.iter().map(|change| change.item.id));
                cursor = page.next_cursor;
                if finished && !page.more {
                    return seen;
                }
                if !page.more {
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                }
            }
        })
    };

    // Each laptop uploads with three requests in flight, and sends every fifth batch twice.
    let mut uploads = Vec::new();
    for (token, batches) in plans {
        for lane in 0..3 {
            let (h, token) = (h.clone(), token.clone());
            let mine: Vec<_> = batches.iter().skip(lane).step_by(3).cloned().collect();
            uploads.push(tokio::spawn(async move {
                for (n, sent) in mine.iter().enumerate() {
                    let answer = h.upload(&token, sent).await;
                    assert!(answer.results.iter().all(|r| r.outcome == Outcome::Applied));
                    if n % 5 == 0 {
                        let again = h.post(&token, sent).await;
                        assert_eq!(again.header("Idempotent-Replayed"), Some("true"));
                    }
                }
            }));
        }
    }
    for upload in uploads {
        upload.await.expect("upload task");
    }
    done.store(true, Ordering::SeqCst);
    let seen = reader.await.expect("reader");

    let total = BATCHES * PER_BATCH * 2;
    assert_eq!(seen.len(), total, "every change seen exactly once");
    assert_eq!(seen.iter().copied().collect::<HashSet<_>>(), expected);
    assert_eq!(
        h.sql_count("SELECT count(*) FROM diagnosis").await,
        total as i64
    );
    assert_eq!(
        h.sql_count("SELECT max(seq) - min(seq) + 1 - count(*) FROM change_log")
            .await,
        0,
        "no gaps in the sequence"
    );
}

#[tokio::test]
async fn bad_or_revoked_tokens_are_refused_alike() {
    let h = Harness::start().await;
    let token = h.token("laptop-a").await;
    let sent = batch(vec![diagnosis("TR-1")]);
    let unknown = format!("sbk_{}", "A".repeat(43));
    let mut messages = HashSet::new();
    for bad in ["", "not-a-token", unknown.as_str()] {
        let answer = h.post(bad, &sent).await;
        let error = answer.assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
        assert!(answer.header("www-authenticate").is_some());
        messages.insert(error.message);
    }
    let no_header = h
        .http
        .get(h.url(CHANGES_PATH))
        .header(VERSION_HEADER, "1")
        .send()
        .await
        .expect("send");
    Answer::from(no_header)
        .await
        .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");

    h.upload(&token, &sent).await;
    let revoked = substation_central::revoke_tokens(
        h.db.url(),
        &substation_central::RevokeBy::Device("laptop-a".into()),
    )
    .await
    .expect("revoke");
    assert_eq!(revoked, 1);
    let answer = h.post(&token, &batch(vec![diagnosis("TR-2")])).await;
    let error = answer.assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    messages.insert(error.message);
    assert_eq!(messages.len(), 1, "nothing tells which check failed");

    // A new token for the same laptop keeps its identity: its own changes stay out of its pulls.
    let renewed = h.token("laptop-a").await;
    assert!(h.pull(&renewed, "", 100).await.changes.is_empty());
}

#[tokio::test]
async fn the_protocol_version_header_is_required() {
    let h = Harness::start().await;
    let token = h.token("laptop-a").await;
    let missing = h
        .http
        .get(h.url(CHANGES_PATH))
        .header("Authorization", format!("Bearer {token}"))
        .send()
        .await
        .expect("send");
    let error = Answer::from(missing)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "unsupported_version");
    assert!(error.message.contains("versions 1 to 2"), "{error:?}");
    let other = h
        .http
        .get(h.url(CHANGES_PATH))
        .header("Authorization", format!("Bearer {token}"))
        .header(VERSION_HEADER, "3")
        .send()
        .await
        .expect("send");
    let error = Answer::from(other)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "unsupported_version");
    assert!(error.message.contains("\"3\""), "{error:?}");
}

#[tokio::test]
async fn oversized_bodies_and_gzip_bombs_are_refused() {
    let h = Harness::start_with(|config| config.max_body_bytes = 1024 * 1024).await;
    let token = h.token("laptop-a").await;
    let key = Uuid::now_v7().to_string();

    // 2 MiB of JSON, plainly.
    let big = batch(
        (0..1_000)
            .map(|i| {
                let mut item = diagnosis(&format!("TR-{i}"));
                if let Change::Diagnosis(d) = &mut item.change {
                    d.response_deflate = vec![7; 1_500];
                }
                item
            })
            .collect(),
    );
    let body = serde_json::to_vec(&big).expect("json");
    assert!(body.len() > 2 * 1024 * 1024);
    let answer = h
        .post_raw(&token, &big.batch_id.to_string(), body.clone(), false)
        .await;
    let error = answer.assert_error(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    assert!(error.message.contains("1048576 bytes"), "{error:?}");

    // The same, gzipped to well under the limit: still too large once inflated.
    let answer = h
        .post_raw(&token, &big.batch_id.to_string(), body, true)
        .await;
    answer.assert_error(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");

    // A bomb: 128 MiB of spaces in about 130 KB of gzip, refused once the first MiB is out.
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let spaces = vec![b' '; 1024 * 1024];
    for _ in 0..128 {
        std::io::Write::write_all(&mut encoder, &spaces).expect("gzip");
    }
    let bomb = encoder.finish().expect("gzip");
    assert!(bomb.len() < 200 * 1024, "{}", bomb.len());
    let answer = Answer::from(
        h.http
            .post(h.url(BATCHES_PATH))
            .header("Authorization", format!("Bearer {token}"))
            .header(VERSION_HEADER, "1")
            .header(IDEMPOTENCY_HEADER, &key)
            .header("Content-Encoding", "gzip")
            .body(bomb)
            .send()
            .await
            .expect("send"),
    )
    .await;
    answer.assert_error(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");

    // More items than a batch may hold, each small.
    let many = batch(
        (0..substation_sync_protocol::MAX_ITEMS_PER_BATCH + 1)
            .map(|_| Item {
                id: Uuid::now_v7(),
                change: Change::Asset(substation_sync_protocol::AssetChange {
                    asset: substation_dga::Asset::new("T"),
                    updated_at: Utc::now(),
                }),
            })
            .collect(),
    );
    let answer = h.post(&token, &many).await;
    let error = answer.assert_error(StatusCode::PAYLOAD_TOO_LARGE, "too_many_items");
    assert!(error.message.contains("5000"), "{error:?}");

    assert_eq!(h.sql_count("SELECT count(*) FROM change_log").await, 0);
}

#[tokio::test]
async fn malformed_bodies_are_refused_with_a_useful_message() {
    let h = Harness::start().await;
    let token = h.token("laptop-a").await;
    let key = Uuid::now_v7();

    let answer = h
        .post_raw(&token, &key.to_string(), b"{\"batch_id\": ".to_vec(), false)
        .await;
    let error = answer.assert_error(StatusCode::BAD_REQUEST, "malformed_body");
    assert!(error.message.contains("line 1 column"), "{error:?}");

    let body =
        format!("{{\"batch_id\": \"{key}\",\n \"created_at\": \"yesterday\", \"items\": []}}");
    let answer = h
        .post_raw(&token, &key.to_string(), body.into_bytes(), false)
        .await;
    let error = answer.assert_error(StatusCode::BAD_REQUEST, "malformed_body");
    assert!(
        error.message.contains("created_at") && error.message.contains("line 2"),
        "{error:?}"
    );

    let body = format!(
        "{{\"batch_id\": \"{key}\", \"created_at\": \"2025-01-01T00:00:00Z\", \"items\": [], \"extra\": 1}}"
    );
    let answer = h
        .post_raw(&token, &key.to_string(), body.into_bytes(), false)
        .await;
    let error = answer.assert_error(StatusCode::BAD_REQUEST, "malformed_body");
    assert!(error.message.contains("extra"), "{error:?}");

    // An item without a readable id cannot be answered on its own.
    let body = format!(
        "{{\"batch_id\": \"{key}\", \"created_at\": \"2025-01-01T00:00:00Z\", \"items\": [{{\"id\": 5}}]}}"
    );
    let answer = h
        .post_raw(&token, &key.to_string(), body.into_bytes(), false)
        .await;
    let error = answer.assert_error(StatusCode::BAD_REQUEST, "malformed_body");
    assert!(error.message.contains("items[0]"), "{error:?}");

    // The key must be the batch's id.
    let sent = batch(vec![diagnosis("TR-1")]);
    let answer = h
        .post_raw(
            &token,
            &Uuid::now_v7().to_string(),
            serde_json::to_vec(&sent).expect("json"),
            false,
        )
        .await;
    let error = answer.assert_error(StatusCode::BAD_REQUEST, "bad_idempotency_key");
    assert!(
        error.message.contains(&sent.batch_id.to_string()),
        "{error:?}"
    );
    let answer = h
        .post_raw(
            &token,
            "batch-1",
            serde_json::to_vec(&sent).expect("json"),
            false,
        )
        .await;
    answer.assert_error(StatusCode::BAD_REQUEST, "bad_idempotency_key");
    let missing = h
        .http
        .post(h.url(BATCHES_PATH))
        .header("Authorization", format!("Bearer {token}"))
        .header(VERSION_HEADER, "1")
        .body(serde_json::to_vec(&sent).expect("json"))
        .send()
        .await
        .expect("send");
    Answer::from(missing)
        .await
        .assert_error(StatusCode::BAD_REQUEST, "bad_idempotency_key");

    // Corrupt gzip; an encoding the service does not speak; not JSON.
    let mut corrupt = gzip_bytes(&serde_json::to_vec(&sent).expect("json"));
    let middle = corrupt.len() / 2;
    corrupt[middle..].fill(0);
    for (encoding, content_type, code, status) in [
        (
            "gzip",
            "application/json",
            "malformed_body",
            StatusCode::BAD_REQUEST,
        ),
        (
            "br",
            "application/json",
            "unsupported_encoding",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "identity",
            "text/csv",
            "unsupported_media_type",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
    ] {
        let answer = Answer::from(
            h.http
                .post(h.url(BATCHES_PATH))
                .header("Authorization", format!("Bearer {token}"))
                .header(VERSION_HEADER, "1")
                .header(IDEMPOTENCY_HEADER, sent.batch_id.to_string())
                .header("Content-Encoding", encoding)
                .header("Content-Type", content_type)
                .body(corrupt.clone())
                .send()
                .await
                .expect("send"),
        )
        .await;
        answer.assert_error(status, code);
    }
    assert_eq!(h.sql_count("SELECT count(*) FROM sync_batch").await, 0);
}

#[tokio::test]
async fn invalid_items_are_rejected_with_reasons_while_valid_ones_apply() {
    let h = Harness::start().await;
    let token = h.token("laptop-a").await;
    let valid = diagnosis("TR-1");
    let mut bad_sha = diagnosis("TR-2");
    let mut not_deflate = diagnosis("TR-3");
    let mut other_asset = diagnosis("TR-4");
    let mut not_object = diagnosis("TR-5");
    if let Change::Diagnosis(d) = &mut bad_sha.change {
        d.request_sha256 = "XYZ".into();
    }
    if let Change::Diagnosis(d) = &mut not_deflate.change {
        d.response_deflate = b"{\"asset_id\": \"TR-3\"}".to_vec();
    }
    if let Change::Diagnosis(d) = &mut other_asset.change {
        d.response_deflate = response_for("TR-99");
    }
    if let Change::Diagnosis(d) = &mut not_object.change {
        d.response_deflate = deflate(b"[\"TR-5\"]");
    }
    let mut bad_gas = samples("TR-6", &[1], 1.0, Utc::now());
    if let Change::Samples(s) = &mut bad_gas.change {
        s.samples[0].gases.ch4 = substation_dga::GasValue::Measured(-3.0);
    }
    let sent = batch(vec![
        bad_sha,
        valid.clone(),
        not_deflate,
        other_asset,
        not_object,
        bad_gas,
    ]);
    // And an item from a newer client: a field this service does not know.
    let mut body: serde_json::Value = serde_json::to_value(&sent).expect("json");
    let unknown_id = Uuid::now_v7();
    let mut newer = serde_json::to_value(diagnosis("TR-7")).expect("json");
    newer["id"] = serde_json::json!(unknown_id);
    newer["change"]["diagnosis"]["confidence"] = serde_json::json!(0.9);
    body["items"].as_array_mut().expect("items").push(newer);
    let answer = h
        .post_raw(
            &token,
            &sent.batch_id.to_string(),
            serde_json::to_vec(&body).expect("json"),
            false,
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let answer: substation_sync_protocol::BatchAnswer = answer.json();
    assert_eq!(
        outcomes(&answer),
        vec![
            Outcome::Rejected,
            Outcome::Applied,
            Outcome::Rejected,
            Outcome::Rejected,
            Outcome::Rejected,
            Outcome::Rejected,
            Outcome::Rejected,
        ]
    );
    assert_eq!(answer.results[1].id, valid.id);
    assert_eq!(answer.results[6].id, unknown_id);
    let reasons: Vec<_> = answer
        .results
        .iter()
        .filter_map(|r| r.reason.clone())
        .collect();
    assert!(
        reasons.iter().all(|r| r.code == "invalid_item"),
        "{reasons:?}"
    );
    let messages: Vec<&str> = reasons.iter().map(|r| r.message.as_str()).collect();
    assert!(messages[0].contains("request_sha256"), "{messages:?}");
    assert!(messages[1].contains("does not inflate"), "{messages:?}");
    assert!(messages[2].contains("TR-99"), "{messages:?}");
    assert!(messages[3].contains("JSON object"), "{messages:?}");
    assert!(
        messages[4].contains("TR-6") && messages[4].contains("-3"),
        "{messages:?}"
    );
    assert!(
        messages[5].contains("items[6]") && messages[5].contains("confidence"),
        "{messages:?}"
    );
    assert_eq!(h.sql_count("SELECT count(*) FROM diagnosis").await, 1);
    assert_eq!(h.sql_count("SELECT count(*) FROM change_log").await, 1);
}

/// The protocol's checks cannot know every limit of the database: a sample row past the range
/// of PostgreSQL's `integer` passes them, and the database refuses it. That item alone is
/// rejected, with the database's reason; the rest of its batch is stored and the next batch
/// goes on as usual.
#[tokio::test]
async fn an_item_the_database_refuses_is_rejected_alone() {
    let h = Harness::start().await;
    let token = h.token("laptop-a").await;
    let now = Utc::now();
    let mut too_far = samples("TR-2", &[1, 2], 10.0, now);
    if let Change::Samples(s) = &mut too_far.change {
        s.samples[1].row = Some(3_000_000_000);
    }
    let mut also_too_far = samples("TR-5", &[3], 10.0, now);
    if let Change::Samples(s) = &mut also_too_far.change {
        s.samples[0].row = Some(u32::MAX);
    }
    let sent = batch(vec![
        asset("TR-1", "Unit 1", now),
        samples("TR-1", &[1], 7.0, now),
        too_far.clone(),
        diagnosis("TR-1"),
        asset("TR-6", "Unit 6", now),
        also_too_far,
        diagnosis("TR-6"),
    ]);
    let answer = h.upload(&token, &sent).await;
    assert_eq!(
        outcomes(&answer),
        vec![
            Outcome::Applied,
            Outcome::Applied,
            Outcome::Rejected,
            Outcome::Applied,
            Outcome::Applied,
            Outcome::Rejected,
            Outcome::Applied,
        ]
    );
    assert_eq!(
        answer.results[5].reason.as_ref().map(|r| r.code.as_str()),
        Some("not_storable")
    );
    let reason = answer.results[2].reason.clone().expect("a reason");
    assert_eq!(reason.code, "not_storable");
    assert!(reason.message.contains("out of range"), "{reason:?}");
    assert_eq!(
        h.sql_count("SELECT count(*) FROM asset WHERE name = 'Unit 1'")
            .await,
        1
    );
    assert_eq!(h.sql_count("SELECT count(*) FROM sample").await, 1);
    assert_eq!(
        h.sql_count("SELECT count(*) FROM sample WHERE asset_id = 'TR-2'")
            .await,
        0
    );
    assert_eq!(h.sql_count("SELECT count(*) FROM diagnosis").await, 2);
    assert_eq!(
        h.sql_count("SELECT count(*) FROM asset WHERE name = 'Unit 6'")
            .await,
        1
    );
    let logged: HashSet<Uuid> = h
        .pull(&h.token("laptop-b").await, "", 100)
        .await
        .changes
        .iter()
        .map(|change| change.item.id)
        .collect();
    assert_eq!(
        logged,
        HashSet::from([
            sent.items[0].id,
            sent.items[1].id,
            sent.items[3].id,
            sent.items[4].id,
            sent.items[6].id
        ])
    );

    // The refused item does not hold up the next batch, nor does it come back as a duplicate.
    let next = batch(vec![samples("TR-2", &[1, 2], 10.0, now), too_far]);
    let answer = h.upload(&token, &next).await;
    assert_eq!(outcomes(&answer), vec![Outcome::Applied, Outcome::Rejected]);
    assert_eq!(
        h.sql_count("SELECT count(*) FROM sample WHERE asset_id = 'TR-2'")
            .await,
        2
    );
}

#[tokio::test]
async fn a_pull_brings_another_laptops_diagnoses_page_by_page() {
    let h = Harness::start().await;
    let a = h.token("laptop-a").await;
    let b = h.token("laptop-b").await;
    let now = Utc::now();
    let sent = batch(vec![
        asset("TR-1", "Unit 1", now),
        samples("TR-1", &[1, 2], 10.0, now),
        diagnosis("TR-1"),
        diagnosis("TR-2"),
        diagnosis("TR-3"),
    ]);
    h.upload(&a, &sent).await;
    h.upload(&b, &batch(vec![diagnosis("TR-9")])).await;

    // B sees A's five changes, not its own; in pages of two.
    let mut cursor = String::new();
    let mut received = Vec::new();
    let mut mores = Vec::new();
    loop {
        let page = h.pull(&b, &cursor, 2).await;
        assert!(page.changes.len() <= 2);
        mores.push(page.more);
        received.extend(page.changes);
        cursor = page.next_cursor;
        if !mores.last().copied().unwrap_or(false) {
            break;
        }
    }
    assert_eq!(mores, vec![true, true, false]);
    assert!(received.iter().all(|change| change.origin == "laptop-a"));
    let items: Vec<Item> = received.into_iter().map(|change| change.item).collect();
    assert_eq!(
        items, sent.items,
        "the items as uploaded, response bytes and all"
    );

    // Nothing new: the same cursor comes back, with no changes.
    let again = h.pull(&b, &cursor, 2).await;
    assert!(again.changes.is_empty() && !again.more);
    assert_eq!(again.next_cursor, cursor);

    // A sees B's diagnosis only.
    let (page, _) = h.pull_all(&a, "", 500).await;
    assert_eq!(page.changes.len(), 1);
    assert_eq!(page.changes[0].origin, "laptop-b");

    // A later upload by A reaches B from where it left off.
    let later = batch(vec![diagnosis("TR-4")]);
    h.upload(&a, &later).await;
    let page = h.pull(&b, &cursor, 100).await;
    assert_eq!(page.changes.len(), 1);
    assert_eq!(page.changes[0].item, later.items[0]);

    // Cursors and limits are checked.
    let ahead = h.get(&b, &format!("{CHANGES_PATH}?since=c1-999")).await;
    let error = ahead.assert_error(StatusCode::BAD_REQUEST, "bad_cursor");
    assert!(error.message.contains("restored"), "{error:?}");
    for query in ["since=42", "since=c1-x", "since=c1--1"] {
        h.get(&b, &format!("{CHANGES_PATH}?{query}"))
            .await
            .assert_error(StatusCode::BAD_REQUEST, "bad_cursor");
    }
    for query in ["limit=0", "limit=2001", "limit=ten"] {
        h.get(&b, &format!("{CHANGES_PATH}?{query}"))
            .await
            .assert_error(StatusCode::BAD_REQUEST, "bad_limit");
    }
}

/// A diagnosis whose response carries `pad` random letters and digits (DEFLATE keeps about
/// three quarters of them).
fn large_diagnosis(asset_id: &str, pad: usize) -> Item {
    let mut x: u64 = 0x2545_F491_4F6C_DD1D ^ pad as u64;
    let pad: String = (0..pad)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            char::from(
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                    [(x % 62) as usize],
            )
        })
        .collect();
    let mut item = diagnosis(asset_id);
    if let Change::Diagnosis(d) = &mut item.change {
        let mut response: serde_json::Value =
            serde_json::from_slice(&inflate(&response_for(asset_id))).expect("json");
        response["pad"] = serde_json::Value::from(pad);
        d.response_deflate = deflate(response.to_string().as_bytes());
    }
    item
}

/// A change larger than the page's byte bound still travels, alone on its page, and the
/// changes after it are not skipped.
#[tokio::test]
async fn a_change_larger_than_a_page_comes_alone_and_nothing_after_it_is_skipped() {
    let h = Harness::start_with(|config| config.max_page_bytes = 64 * 1024).await;
    let a = h.token("laptop-a").await;
    let b = h.token("laptop-b").await;
    let sent = batch(vec![
        large_diagnosis("TR-1", 120_000),
        large_diagnosis("TR-2", 120_000),
        diagnosis("TR-3"),
        diagnosis("TR-4"),
    ]);
    assert_eq!(
        outcomes(&h.upload(&a, &sent).await),
        vec![Outcome::Applied; 4]
    );
    let (all, pages) = h.pull_all(&b, "", 2000).await;
    let pulled: Vec<Uuid> = all.changes.iter().map(|c| c.item.id).collect();
    let expected: Vec<Uuid> = sent.items.iter().map(|i| i.id).collect();
    assert_eq!(pulled, expected, "every change, once, in order");
    assert_eq!(pages, 3, "two large changes alone, then the two small ones");
}

/// Pull pages are bounded by bytes as well as by count: diagnoses whose responses take about
/// 1 MiB each come a few to a page, each page within the configured bound, every one once.
#[tokio::test]
async fn a_pull_of_large_diagnoses_keeps_each_page_within_the_byte_bound() {
    const BOUND: usize = 4 * 1024 * 1024;
    let h = Harness::start_with(|config| config.max_page_bytes = BOUND).await;
    let a = h.token("laptop-a").await;
    let b = h.token("laptop-b").await;
    let mut sent = HashSet::new();
    for _ in 0..3 {
        let items: Vec<Item> = (0..4)
            .map(|n| {
                let item = large_diagnosis(&format!("TR-{n}"), 1_300_000);
                if let Change::Diagnosis(d) = &item.change {
                    assert!(
                        d.response_deflate.len() > 900 * 1024,
                        "{}",
                        d.response_deflate.len()
                    );
                }
                sent.insert(item.id);
                item
            })
            .collect();
        let answer = h.upload(&a, &batch(items)).await;
        assert_eq!(outcomes(&answer), vec![Outcome::Applied; 4]);
    }

    let mut since = String::new();
    let mut pulled = Vec::new();
    let mut pages = 0;
    loop {
        let answer = h
            .get(&b, &format!("{CHANGES_PATH}?since={since}&limit=2000"))
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
        let size = answer.text().len();
        assert!(size <= BOUND, "a page of {size} bytes");
        let page: substation_sync_protocol::ChangesPage = answer.json();
        assert!(!page.changes.is_empty());
        pages += 1;
        pulled.extend(page.changes.iter().map(|change| change.item.id));
        since = page.next_cursor;
        if !page.more {
            break;
        }
    }
    assert!(pages >= 4, "{pages} pages");
    assert_eq!(pulled.len(), 12);
    assert_eq!(pulled.into_iter().collect::<HashSet<_>>(), sent);
}

/// A device may store up to its quota; a batch that would go past it is refused whole (507
/// `quota_exceeded`, saying how much is stored), nothing of it is kept, and once the quota is
/// raised the same batch is stored.
#[tokio::test]
async fn a_batch_past_the_devices_quota_is_refused_whole() {
    let h = Harness::start_with(|config| config.device_quota_bytes = 16 * 1024).await;
    let a = h.token("laptop-a").await;
    let b = h.token("laptop-b").await;
    let first = batch((0..10).map(|n| diagnosis(&format!("TR-{n}"))).collect());
    assert_eq!(
        outcomes(&h.upload(&a, &first).await),
        vec![Outcome::Applied; 10]
    );
    let stored = h
        .sql_count("SELECT stored_bytes FROM device WHERE name = 'laptop-a'")
        .await;
    assert!(stored > 4 * 1024 && stored < 8 * 1024, "{stored}");

    let big = batch((0..40).map(|n| diagnosis(&format!("TR-{n}"))).collect());
    let answer = h.post(&a, &big).await;
    let error = answer.assert_error(StatusCode::INSUFFICIENT_STORAGE, "quota_exceeded");
    assert!(error.message.contains("quota"), "{error:?}");
    assert_eq!(h.sql_count("SELECT count(*) FROM diagnosis").await, 10);
    // Another device has its own quota.
    assert_eq!(
        outcomes(&h.upload(&b, &batch(vec![diagnosis("TR-1")])).await),
        vec![Outcome::Applied]
    );
    // Items already stored cost nothing: a replay of the first batch's items is answered.
    let again = SyncBatch {
        batch_id: Uuid::now_v7(),
        ..first.clone()
    };
    assert_eq!(
        outcomes(&h.upload(&a, &again).await),
        vec![Outcome::Duplicate; 10]
    );
}

#[tokio::test]
async fn pulls_are_gzipped_for_clients_that_accept_it() {
    let h = Harness::start().await;
    let a = h.token("laptop-a").await;
    let b = h.token("laptop-b").await;
    h.upload(
        &a,
        &batch((0..20).map(|i| diagnosis(&format!("TR-{i}"))).collect()),
    )
    .await;
    let answer = Answer::from(
        h.http
            .get(h.url(CHANGES_PATH))
            .header("Authorization", format!("Bearer {b}"))
            .header(VERSION_HEADER, "1")
            .header("Accept-Encoding", "gzip")
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.header("content-encoding"), Some("gzip"));
    let mut json = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(&answer.body[..]),
        &mut json,
    )
    .expect("gunzip");
    let page: substation_sync_protocol::ChangesPage =
        serde_json::from_slice(&json).expect("a page");
    assert_eq!(page.changes.len(), 20);
}

#[tokio::test]
async fn nameplates_and_samples_keep_the_newest() {
    let h = Harness::start().await;
    let a = h.token("laptop-a").await;
    let b = h.token("laptop-b").await;
    let t0 = Utc::now() - Duration::days(2);
    let t1 = t0 + Duration::days(1);

    // A diagnosis names TR-1 before its nameplate arrives: a bare row.
    h.upload(&a, &batch(vec![diagnosis("TR-1")])).await;
    assert_eq!(
        h.sql_count("SELECT count(*) FROM asset WHERE asset_id = 'TR-1' AND name IS NULL")
            .await,
        1
    );
    h.upload(&b, &batch(vec![asset("TR-1", "newer", t1)])).await;
    // An older nameplate arrives late, and in one batch an older and a newer one.
    h.upload(&a, &batch(vec![asset("TR-1", "older", t0)])).await;
    h.upload(
        &a,
        &batch(vec![
            asset("TR-2", "second", t1),
            asset("TR-2", "first", t0),
        ]),
    )
    .await;
    let client = substation_central::connect(h.db.url()).await.expect("db");
    let names: HashMap<String, String> = client
        .query(
            "SELECT asset_id, name FROM asset WHERE name IS NOT NULL",
            &[],
        )
        .await
        .expect("query")
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
    assert_eq!(names["TR-1"], "newer");
    assert_eq!(names["TR-2"], "second");

    // Samples: a newer import of the same day wins; an older one does not.
    h.upload(&a, &batch(vec![samples("TR-3", &[1, 2], 10.0, t0)]))
        .await;
    h.upload(&b, &batch(vec![samples("TR-3", &[2, 3], 20.0, t1)]))
        .await;
    h.upload(&a, &batch(vec![samples("TR-3", &[3], 5.0, t0)]))
        .await;
    let h2: Vec<(String, f64)> = client
        .query(
            "SELECT sampled_on::text, (gases->>'h2')::float8 FROM sample
             WHERE asset_id = 'TR-3' ORDER BY sampled_on",
            &[],
        )
        .await
        .expect("query")
        .iter()
        .map(|row| (row.get(0), row.get::<_, Option<f64>>(1).unwrap_or(f64::NAN)))
        .collect();
    assert_eq!(
        h2,
        vec![
            ("2025-01-01".to_owned(), 10.0),
            ("2025-01-02".to_owned(), 20.0),
            ("2025-01-03".to_owned(), 20.0),
        ]
    );
}

/// "Newest wins" by the laptop's time, but never later than when the service received it: a
/// laptop whose clock runs five years ahead cannot fix a nameplate, a sample or the latest
/// diagnosis beyond a later honest upload, and the feed tells every other laptop the same.
#[tokio::test]
async fn a_clock_years_ahead_cannot_override_a_later_honest_upload() {
    let h = Harness::start().await;
    let ahead = h.token("laptop-ahead").await;
    let honest = h.token("laptop-honest").await;
    let future = Utc::now() + Duration::days(5 * 365);
    let mut early_diagnosis = diagnosis("TR-1");
    if let Change::Diagnosis(d) = &mut early_diagnosis.change {
        d.created_at = future;
        d.run.started_at = future;
    }
    let answer = h
        .upload(
            &ahead,
            &batch(vec![
                asset("TR-1", "from the future", future),
                samples("TR-1", &[1], 99.0, future),
                early_diagnosis.clone(),
            ]),
        )
        .await;
    assert_eq!(outcomes(&answer), vec![Outcome::Applied; 3]);

    let now = Utc::now();
    let later_diagnosis = diagnosis("TR-1");
    h.upload(
        &honest,
        &batch(vec![
            asset("TR-1", "honest", now),
            samples("TR-1", &[1], 10.0, now),
            later_diagnosis.clone(),
        ]),
    )
    .await;
    let client = substation_central::connect(h.db.url()).await.expect("db");
    let name: String = client
        .query_one("SELECT name FROM asset WHERE asset_id = 'TR-1'", &[])
        .await
        .expect("query")
        .get(0);
    assert_eq!(name, "honest");
    let h2: f64 = client
        .query_one(
            "SELECT (gases->>'h2')::float8 FROM sample WHERE asset_id = 'TR-1'",
            &[],
        )
        .await
        .expect("query")
        .get(0);
    assert_eq!(h2, 10.0);
    let latest: Uuid = client
        .query_one(
            "SELECT diagnosis_id FROM diagnosis WHERE asset_id = 'TR-1'
             ORDER BY created_at DESC LIMIT 1",
            &[],
        )
        .await
        .expect("query")
        .get(0);
    let Change::Diagnosis(later) = &later_diagnosis.change else {
        unreachable!()
    };
    assert_eq!(latest, later.diagnosis_id);

    // A third laptop pulls both and applies them in the same order: the early laptop's times
    // arrive as they counted, not as its clock said.
    let page = h.pull(&h.token("laptop-c").await, "", 100).await;
    for change in &page.changes {
        let time = match &change.item.change {
            Change::Asset(a) => a.updated_at,
            Change::Samples(s) => s.source.imported_at,
            Change::Diagnosis(d) => d.created_at.max(d.run.started_at),
            Change::LogEntry(e) => e.created_at,
        };
        assert!(time <= Utc::now(), "{change:?}");
    }
}

/// The keys a diagnosis is sorted and filtered by are copied from its response; a device that
/// sends keys its response does not hold is refused, item by item.
#[tokio::test]
async fn a_diagnosis_whose_indexed_keys_disagree_with_its_response_is_refused() {
    let h = Harness::start().await;
    let token = h.token("laptop-a").await;
    let mut calmer = diagnosis("TR-1");
    let mut graver = diagnosis("TR-2");
    let mut other_day = diagnosis("TR-3");
    if let Change::Diagnosis(d) = &mut calmer.change {
        d.severity = Some("normal".into());
    }
    if let Change::Diagnosis(d) = &mut graver.change {
        d.ieee_status = Some(3);
        d.fault = Some("D2".into());
    }
    if let Change::Diagnosis(d) = &mut other_day.change {
        d.latest_sample_date = None;
    }
    let answer = h
        .upload(
            &token,
            &batch(vec![calmer, diagnosis("TR-4"), graver, other_day]),
        )
        .await;
    assert_eq!(
        outcomes(&answer),
        vec![
            Outcome::Rejected,
            Outcome::Applied,
            Outcome::Rejected,
            Outcome::Rejected
        ]
    );
    let messages: Vec<String> = answer
        .results
        .iter()
        .filter_map(|r| r.reason.as_ref().map(|reason| reason.message.clone()))
        .collect();
    assert!(
        messages[0].contains("severity") && messages[0].contains("\"caution\""),
        "{messages:?}"
    );
    assert!(messages[1].contains("ieee_status"), "{messages:?}");
    assert!(
        messages[2].contains("latest_sample_date") && messages[2].contains("absent"),
        "{messages:?}"
    );
    assert_eq!(h.sql_count("SELECT count(*) FROM diagnosis").await, 1);
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_retry_after() {
    let h = Harness::start_with(|config| config.rate_per_minute = 3).await;
    let a = h.token("laptop-a").await;
    let b = h.token("laptop-b").await;
    for _ in 0..3 {
        assert_eq!(h.get(&a, CHANGES_PATH).await.status, StatusCode::OK);
    }
    let answer = h.get(&a, CHANGES_PATH).await;
    let error = answer.assert_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    let retry: u64 = answer
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((1..=20).contains(&retry), "{retry}");
    assert!(error.message.contains("3 requests a minute"), "{error:?}");
    // Another token has its own allowance.
    assert_eq!(h.get(&b, CHANGES_PATH).await.status, StatusCode::OK);
}

#[tokio::test]
async fn unauthenticated_load_is_limited_by_address_before_the_token_is_looked_up() {
    let h = Harness::start_with(|config| config.address_rate_per_minute = 4).await;
    // Made-up tokens: each is looked up in the database and refused, until the address has
    // used its allowance; then the answer is 429 without a look-up.
    let bogus = format!("sbk_{}", "x".repeat(43));
    for _ in 0..4 {
        h.get(&bogus, CHANGES_PATH)
            .await
            .assert_error(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    let answer = h.get(&bogus, CHANGES_PATH).await;
    let error = answer.assert_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert!(error.message.contains("this address"), "{error:?}");
    assert!(answer.header("retry-after").is_some());
    // A valid token from the same address waits too.
    let token = h.token("laptop-a").await;
    h.get(&token, CHANGES_PATH)
        .await
        .assert_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    // Behind a reverse proxy on this computer, each client has its own allowance: the last
    // address the proxy adds to X-Forwarded-For (an earlier one a client wrote is not believed).
    let via_proxy = Answer::from(
        h.http
            .get(h.url(CHANGES_PATH))
            .bearer_auth(&token)
            .header(VERSION_HEADER, "1")
            .header("x-forwarded-for", "10.9.9.9, 192.0.2.7")
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(via_proxy.status, StatusCode::OK, "{}", via_proxy.text());
}

#[tokio::test]
async fn readiness_asks_the_database_once_per_interval() {
    // A flood of unauthenticated readiness probes makes one database query per interval: within
    // it the last answer stands, even with the database gone.
    let h = Harness::start_with(|config| {
        config.ready_check_interval = std::time::Duration::from_secs(60)
    })
    .await;
    let ready = Answer::from(h.http.get(h.url(READY_PATH)).send().await.expect("send")).await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.text());
    let Harness { db, server, http } = h;
    db.drop_database().await;
    for _ in 0..50 {
        let answer = http
            .get(format!("{}{READY_PATH}", server.url()))
            .send()
            .await
            .expect("send");
        assert_eq!(answer.status(), StatusCode::OK);
    }
    server.stop().await.expect("stop");
}

#[tokio::test]
async fn health_and_readiness_reflect_the_database() {
    let h = Harness::start().await;
    let health = Answer::from(h.http.get(h.url(HEALTH_PATH)).send().await.expect("send")).await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(
        health.header(VERSION_HEADER),
        Some("2"),
        "the newest, unasked"
    );
    let ready = Answer::from(h.http.get(h.url(READY_PATH)).send().await.expect("send")).await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.text());

    let token = h.token("laptop-a").await;
    let Harness { db, server, http } = h;
    db.drop_database().await;

    let ready = Answer::from(
        http.get(format!("{}{READY_PATH}", server.url()))
            .send()
            .await
            .expect("send"),
    )
    .await;
    ready.assert_error(StatusCode::SERVICE_UNAVAILABLE, "not_ready");
    assert!(ready.header("retry-after").is_some());
    let upload = Answer::from(
        http.get(format!("{}{CHANGES_PATH}", server.url()))
            .header("Authorization", format!("Bearer {token}"))
            .header(VERSION_HEADER, "1")
            .send()
            .await
            .expect("send"),
    )
    .await;
    upload.assert_error(StatusCode::SERVICE_UNAVAILABLE, "not_ready");
    let health = Answer::from(
        http.get(format!("{}{HEALTH_PATH}", server.url()))
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(health.status, StatusCode::OK);
    server.stop().await.expect("stop");
}

#[tokio::test]
async fn unknown_paths_and_methods_answer_in_json() {
    let h = Harness::start().await;
    let answer = Answer::from(h.http.get(h.url("/v2/nothing")).send().await.expect("send")).await;
    answer.assert_error(StatusCode::NOT_FOUND, "not_found");
    let answer = Answer::from(h.http.get(h.url(BATCHES_PATH)).send().await.expect("send")).await;
    answer.assert_error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
}

#[tokio::test]
async fn concurrent_migrations_apply_once() {
    let db = substation_central::testing::TestDatabase::create().await;
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let url = db.url().to_owned();
        tasks.push(tokio::spawn(async move {
            substation_central::migrate(&url).await
        }));
    }
    let mut applied = 0;
    for task in tasks {
        applied += task.await.expect("task").expect("migrate").len();
    }
    assert_eq!(applied, substation_central::latest_version() as usize);
    let client = substation_central::connect(db.url()).await.expect("db");
    let rows: i64 = client
        .query_one("SELECT count(*) FROM schema_migrations", &[])
        .await
        .expect("query")
        .get(0);
    assert_eq!(rows, i64::from(substation_central::latest_version()));
}

/// Version 2 added logbook entries. A laptop still on version 1 keeps syncing: its answers
/// say version 1 (which it checks), and its pages leave out the entries it could not read;
/// an updated laptop speaks version 2 and gets them. A version the service does not speak is
/// refused before anything is read.
#[tokio::test]
async fn laptops_of_both_versions_sync_and_only_version_2_is_given_logbook_entries() {
    use substation_dga::{LogEntry, LogEvent, OilTreatment};
    use substation_sync_protocol::{ChangesPage, LogEntryChange};
    let h = Harness::start().await;
    let writer = h.token("laptop-new").await;
    let now = Utc::now();
    let entry = Item {
        id: Uuid::now_v7(),
        change: Change::LogEntry(LogEntryChange {
            entry_id: Uuid::now_v7(),
            entry: LogEntry {
                asset_id: "TR-1".into(),
                occurred_on: now.date_naive(),
                author: "J. Kim".into(),
                text: "Degassed on site".into(),
                event: LogEvent::OilProcessed {
                    treatment: OilTreatment::Degassed,
                },
            },
            created_at: now,
        }),
    };
    let sent = batch(vec![asset("TR-1", "Unit 1", now), entry, diagnosis("TR-1")]);
    let answer = h
        .http
        .post(h.url(BATCHES_PATH))
        .header("Authorization", format!("Bearer {writer}"))
        .header(VERSION_HEADER, "2")
        .header(IDEMPOTENCY_HEADER, sent.batch_id.to_string())
        .header("Content-Type", "application/json")
        .body(serde_json::to_vec(&sent).expect("json"))
        .send()
        .await
        .expect("upload");
    let answer = Answer::from(answer).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(answer.header(VERSION_HEADER), Some("2"));
    assert_eq!(
        outcomes(&answer.json()),
        vec![Outcome::Applied; 3],
        "{}",
        answer.text()
    );
    assert_eq!(h.sql_count("SELECT count(*) FROM log_entry").await, 1);

    let reader = h.token("laptop-other").await;
    let pull = |version: &'static str| {
        let request = h
            .http
            .get(h.url(CHANGES_PATH))
            .header("Authorization", format!("Bearer {reader}"))
            .header(VERSION_HEADER, version);
        async move { Answer::from(request.send().await.expect("pull")).await }
    };
    let old = pull("1").await;
    assert_eq!(old.status, StatusCode::OK, "{}", old.text());
    assert_eq!(old.header(VERSION_HEADER), Some("1"));
    let page: ChangesPage = old.json();
    let kinds: Vec<&str> = page
        .changes
        .iter()
        .map(|c| match &c.item.change {
            Change::Asset(_) => "asset",
            Change::Diagnosis(_) => "diagnosis",
            Change::Samples(_) => "samples",
            Change::LogEntry(_) => "log_entry",
        })
        .collect();
    assert_eq!(
        kinds,
        ["asset", "diagnosis"],
        "version 1 is not given the entry"
    );
    assert!(!page.more);
    assert!(
        !old.text().contains("log_entry"),
        "a version-1 laptop could not parse the page: {}",
        old.text()
    );

    let new = pull("2").await;
    assert_eq!(new.header(VERSION_HEADER), Some("2"));
    let page: ChangesPage = new.json();
    assert_eq!(page.changes.len(), 3);
    assert!(matches!(page.changes[1].item.change, Change::LogEntry(_)));

    let unknown = pull("3").await;
    let error = unknown.assert_error(StatusCode::BAD_REQUEST, "unsupported_version");
    assert!(
        error.message.contains("versions 1 to 2"),
        "{}",
        error.message
    );
}
