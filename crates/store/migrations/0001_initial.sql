-- Substation Bulk local cache, schema version 1.
-- Times are RFC 3339 UTC text; dates are YYYY-MM-DD text (they sort as dates), except the
-- sample date, an integer YYYYMMDD (still readable and sortable) to keep the million-row table
-- and its key small.

CREATE TABLE import_batch (
    id              INTEGER PRIMARY KEY,
    file_name       TEXT NOT NULL,
    content_sha256  TEXT NOT NULL,
    imported_at     TEXT NOT NULL,
    format          TEXT NOT NULL,
    -- How each sheet was read (header row, columns, signature), as JSON.
    sheets_json     TEXT NOT NULL,
    summary_json    TEXT NOT NULL,
    assets_new      INTEGER NOT NULL DEFAULT 0,
    samples_new     INTEGER NOT NULL DEFAULT 0,
    samples_updated INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX import_batch_hash ON import_batch (content_sha256);

CREATE TABLE asset (
    -- Internal key; samples refer to it (an integer keeps their key small).
    key                  INTEGER PRIMARY KEY,
    id                   TEXT NOT NULL UNIQUE,
    name                 TEXT,
    substation           TEXT,
    manufacturer         TEXT,
    year_of_manufacture  INTEGER,
    rated_kv             REAL,
    rated_mva            REAL,
    oil_volume_litres    REAL,
    oil_preservation     TEXT CHECK (oil_preservation IN ('sealed', 'conservator', 'nitrogen_blanket')),
    communicating_oltc   INTEGER CHECK (communicating_oltc IN (0, 1)),
    batch_id             INTEGER REFERENCES import_batch (id),
    updated_at           TEXT NOT NULL,
    -- Maintained by the writer so the fleet overview is one join.
    latest_diagnosis_id  INTEGER REFERENCES diagnosis (id)
);
CREATE INDEX asset_substation ON asset (substation);
CREATE INDEX asset_name ON asset (name);

-- Gas columns: the value (measured ppm, or the detection limit) and its state:
-- 0 not measured, 1 measured, 2 below detection.
CREATE TABLE sample (
    asset_key     INTEGER NOT NULL REFERENCES asset (key),
    -- YYYYMMDD
    sampled_on    INTEGER NOT NULL,
    h2 REAL,   h2_state   INTEGER NOT NULL DEFAULT 0,
    ch4 REAL,  ch4_state  INTEGER NOT NULL DEFAULT 0,
    c2h6 REAL, c2h6_state INTEGER NOT NULL DEFAULT 0,
    c2h4 REAL, c2h4_state INTEGER NOT NULL DEFAULT 0,
    c2h2 REAL, c2h2_state INTEGER NOT NULL DEFAULT 0,
    co REAL,   co_state   INTEGER NOT NULL DEFAULT 0,
    co2 REAL,  co2_state  INTEGER NOT NULL DEFAULT 0,
    o2 REAL,   o2_state   INTEGER NOT NULL DEFAULT 0,
    n2 REAL,   n2_state   INTEGER NOT NULL DEFAULT 0,
    batch_id      INTEGER NOT NULL REFERENCES import_batch (id),
    source_sheet  TEXT NOT NULL,
    source_row    INTEGER NOT NULL,
    PRIMARY KEY (asset_key, sampled_on)
) WITHOUT ROWID;
-- No index on batch_id: sync reads one batch's samples by a scan, rarely; every import would
-- pay for the index on each of its rows.

CREATE TABLE diagnosis_run (
    id              INTEGER PRIMARY KEY,
    run_uuid        TEXT NOT NULL UNIQUE,
    engine          TEXT NOT NULL,
    engine_version  TEXT,
    function_name   TEXT,
    options_json    TEXT NOT NULL,
    started_at      TEXT NOT NULL,
    finished_at     TEXT,
    state           TEXT NOT NULL DEFAULT 'running'
                    CHECK (state IN ('running', 'finished', 'cancelled', 'failed')),
    assets_total    INTEGER NOT NULL,
    succeeded       INTEGER NOT NULL DEFAULT 0,
    failed          INTEGER NOT NULL DEFAULT 0,
    reused          INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE diagnosis (
    id                  INTEGER PRIMARY KEY,
    diagnosis_uuid      TEXT NOT NULL UNIQUE,
    run_id              INTEGER NOT NULL REFERENCES diagnosis_run (id),
    asset_id            TEXT NOT NULL REFERENCES asset (id),
    request_sha256      TEXT NOT NULL,
    engine_version      TEXT NOT NULL,
    reused_from         INTEGER REFERENCES diagnosis (id),
    latest_sample_date  TEXT,
    ieee_status         INTEGER,
    iec_state           TEXT,
    fault               TEXT,
    severity            TEXT,
    -- normal 0, caution 1, warning 2, critical 3: sorts worst first.
    severity_rank       INTEGER NOT NULL,
    -- The full response (the diagnosis JSON), deflate-compressed: about a quarter of its size.
    response            BLOB NOT NULL,
    created_at          TEXT NOT NULL,
    UNIQUE (run_id, asset_id)
);
CREATE INDEX diagnosis_asset ON diagnosis (asset_id, id);
CREATE INDEX diagnosis_request ON diagnosis (request_sha256, engine_version);

CREATE TABLE diagnosis_failure (
    run_id    INTEGER NOT NULL REFERENCES diagnosis_run (id),
    asset_id  TEXT NOT NULL REFERENCES asset (id),
    code      TEXT NOT NULL,
    message   TEXT NOT NULL,
    attempts  INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (run_id, asset_id)
);

-- Changes waiting to reach the central service: an asset, the samples an import batch added or
-- changed (sample_batch, keyed by batch id), or a diagnosis. The payload is read from the entity
-- when the sync batch is built, so a row is small; entity rows are never deleted.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    op_id            TEXT NOT NULL UNIQUE,
    entity           TEXT NOT NULL CHECK (entity IN ('asset', 'sample_batch', 'diagnosis')),
    entity_key       TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    state            TEXT NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'in_flight', 'acked', 'rejected', 'dead')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT,
    batch_id         TEXT,
    last_error       TEXT
);
CREATE INDEX outbox_state ON outbox (state, id);
