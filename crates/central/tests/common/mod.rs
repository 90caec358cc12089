//! What the service's tests share: a server on its own database, tokens, batches, requests.
#![allow(dead_code)]

use std::io::{Read as _, Write as _};

use chrono::{NaiveDate, Utc};
use flate2::Compression;
use flate2::write::{DeflateEncoder, GzEncoder};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use substation_central::testing::TestDatabase;
use substation_central::{RunningServer, ServerConfig};
use substation_dga::{Asset, GasReadings, GasValue};
use substation_sync_protocol::{
    AssetChange, BATCHES_PATH, BatchAnswer, CHANGES_PATH, Change, ChangesPage, DiagnosisChange,
    ErrorBody, IDEMPOTENCY_HEADER, Item, RunInfo, SampleRecord, SampleSource, SamplesChange,
    SyncBatch, VERSION_HEADER,
};
use uuid::Uuid;

pub struct Harness {
    pub db: TestDatabase,
    pub server: RunningServer,
    pub http: reqwest::Client,
}

impl Harness {
    pub async fn start() -> Harness {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(configure: impl FnOnce(&mut ServerConfig)) -> Harness {
        let db = TestDatabase::create().await;
        let server = substation_central::testing::serve(&db, configure).await;
        Harness {
            db,
            server,
            // The workspace enables reqwest's gzip feature, which would undo the service's
            // compression silently; the tests look at the wire as a client sees it.
            http: reqwest::Client::builder()
                .no_gzip()
                .build()
                .expect("an HTTP client"),
        }
    }

    pub async fn token(&self, device: &str) -> String {
        substation_central::issue_token(self.db.url(), device)
            .await
            .expect("issue a token")
            .token
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.url())
    }

    /// POSTs `body` as a batch with every header a client sends.
    pub async fn post_raw(&self, token: &str, key: &str, body: Vec<u8>, gzip: bool) -> Answer {
        let mut request = self
            .http
            .post(self.url(BATCHES_PATH))
            .header("Authorization", format!("Bearer {token}"))
            .header(VERSION_HEADER, "1")
            .header(IDEMPOTENCY_HEADER, key)
            .header("Content-Type", "application/json");
        let body = if gzip {
            request = request.header("Content-Encoding", "gzip");
            gzip_bytes(&body)
        } else {
            body
        };
        Answer::from(request.body(body).send().await.expect("send")).await
    }

    pub async fn post(&self, token: &str, batch: &SyncBatch) -> Answer {
        let body = serde_json::to_vec(batch).expect("serialise");
        self.post_raw(token, &batch.batch_id.to_string(), body, false)
            .await
    }

    /// Posts and expects a 200 answer.
    pub async fn upload(&self, token: &str, batch: &SyncBatch) -> BatchAnswer {
        let answer = self.post(token, batch).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
        answer.json()
    }

    pub async fn get(&self, token: &str, path_and_query: &str) -> Answer {
        let request = self
            .http
            .get(self.url(path_and_query))
            .header("Authorization", format!("Bearer {token}"))
            .header(VERSION_HEADER, "1");
        Answer::from(request.send().await.expect("send")).await
    }

    pub async fn pull(&self, token: &str, since: &str, limit: usize) -> ChangesPage {
        let answer = self
            .get(
                token,
                &format!("{CHANGES_PATH}?since={since}&limit={limit}"),
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
        answer.json()
    }

    /// Pulls every page from `since`; returns the changes and the last cursor.
    pub async fn pull_all(&self, token: &str, since: &str, limit: usize) -> (ChangesPage, usize) {
        let mut all = ChangesPage {
            changes: Vec::new(),
            next_cursor: since.to_owned(),
            more: true,
        };
        let mut pages = 0;
        while all.more {
            let page = self.pull(token, &all.next_cursor, limit).await;
            pages += 1;
            all.changes.extend(page.changes);
            all.next_cursor = page.next_cursor;
            all.more = page.more;
        }
        (all, pages)
    }

    pub async fn sql_count(&self, sql: &str) -> i64 {
        let client = substation_central::connect(self.db.url())
            .await
            .expect("connect");
        client.query_one(sql, &[]).await.expect(sql).get(0)
    }
}

/// An answer, read whole.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub async fn from(response: reqwest::Response) -> Answer {
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.expect("body").to_vec();
        Answer {
            status,
            headers,
            body,
        }
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json<T: serde::de::DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|err| panic!("{err}: {} {}", self.status, self.text()))
    }

    pub fn error(&self) -> ErrorBody {
        self.json()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// Asserts an error answer: status, code, the version header (the version the harness's
    /// requests speak, 1, or for a request without one the service's newest).
    pub fn assert_error(&self, status: StatusCode, code: &str) -> ErrorBody {
        assert_eq!(self.status, status, "{}", self.text());
        let error = self.error();
        assert_eq!(error.code, code, "{error:?}");
        let newest = substation_sync_protocol::PROTOCOL_VERSION.to_string();
        assert!(
            [Some("1"), Some(newest.as_str())].contains(&self.header(VERSION_HEADER)),
            "{:?}",
            self.header(VERSION_HEADER)
        );
        assert_eq!(
            self.header("content-type"),
            Some("application/json"),
            "{error:?}"
        );
        error
    }
}

pub fn gzip_bytes(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip")
}

pub fn deflate(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = DeflateEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).expect("deflate");
    encoder.finish().expect("deflate")
}

pub fn inflate(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::DeflateDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("inflate");
    out
}

/// A stand-in for the contract's response: a JSON object naming the asset, with the keys
/// [`diagnosis`] indexes.
pub fn response_for(asset_id: &str) -> Vec<u8> {
    deflate(
        serde_json::json!({
            "contract_version": 2,
            "asset_id": asset_id,
            "latest_sample_date": "2025-03-01",
            "fault": "none",
            "severity": "caution",
            "ieee_c57_104_2019": {"status": 2, "extreme": false},
            "iec_60599": {"state": "normal", "ratio_code": null},
            "rules": ["a", "b", "c"],
        })
        .to_string()
        .as_bytes(),
    )
}

pub fn diagnosis(asset_id: &str) -> Item {
    Item {
        id: Uuid::now_v7(),
        change: Change::Diagnosis(DiagnosisChange {
            diagnosis_id: Uuid::now_v7(),
            asset_id: asset_id.into(),
            run: RunInfo {
                run_id: Uuid::now_v7(),
                engine: "embedded".into(),
                function_name: None,
                started_at: Utc::now(),
            },
            request_sha256: "a".repeat(64),
            engine_version: "0.1.0".into(),
            latest_sample_date: NaiveDate::from_ymd_opt(2025, 3, 1),
            ieee_status: Some(2),
            iec_state: Some("normal".into()),
            fault: Some("none".into()),
            severity: Some("caution".into()),
            created_at: Utc::now(),
            response_deflate: response_for(asset_id),
            profile: None,
            fault_label: None,
            score: None,
            action: None,
            headline: None,
        }),
    }
}

pub fn asset(asset_id: &str, name: &str, updated_at: chrono::DateTime<Utc>) -> Item {
    let mut asset = Asset::new(asset_id);
    asset.name = Some(name.into());
    asset.substation = Some("Sinincheon".into());
    asset.rated_kv = Some(154.0);
    Item {
        id: Uuid::now_v7(),
        change: Change::Asset(AssetChange { asset, updated_at }),
    }
}

pub fn samples(asset_id: &str, days: &[u32], h2: f64, imported_at: chrono::DateTime<Utc>) -> Item {
    Item {
        id: Uuid::now_v7(),
        change: Change::Samples(SamplesChange {
            source: SampleSource {
                file_name: "fleet.xlsx".into(),
                content_sha256: "0".repeat(64),
                imported_at,
            },
            samples: days
                .iter()
                .map(|day| {
                    let gases = GasReadings {
                        h2: GasValue::Measured(h2),
                        c2h2: GasValue::BelowDetection { limit: Some(0.5) },
                        ..GasReadings::default()
                    };
                    SampleRecord {
                        asset_id: asset_id.into(),
                        date: NaiveDate::from_ymd_opt(2025, 1, *day).expect("date"),
                        gases,
                        sheet: Some("DGA".into()),
                        row: Some(*day + 1),
                    }
                })
                .collect(),
        }),
    }
}

pub fn batch(items: Vec<Item>) -> SyncBatch {
    SyncBatch {
        batch_id: Uuid::now_v7(),
        created_at: Utc::now(),
        items,
    }
}

pub fn outcomes(answer: &BatchAnswer) -> Vec<substation_sync_protocol::Outcome> {
    answer.results.iter().map(|result| result.outcome).collect()
}
