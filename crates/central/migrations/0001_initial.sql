-- The central store: devices and their tokens, the entities laptops upload (assets, samples,
-- diagnoses), the change feed laptops pull, and the answers to upload batches (idempotency).

-- A laptop (or any client) known to the service, by the name its token was issued under.
CREATE TABLE device (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Bearer tokens: only the SHA-256 of a token is kept. A device may hold several (rotation);
-- a revoked token stays listed.
CREATE TABLE device_token (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    device_id    bigint NOT NULL REFERENCES device (id),
    token_sha256 bytea NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz
);
CREATE INDEX device_token_device ON device_token (device_id);

-- Transformers. A row with updated_at NULL is known only by its id: a sample or a diagnosis
-- named it before any laptop uploaded its nameplate. The newest updated_at wins.
CREATE TABLE asset (
    asset_id            text PRIMARY KEY,
    name                text,
    substation          text,
    manufacturer        text,
    year_of_manufacture integer,
    rated_kv            double precision,
    rated_mva           double precision,
    oil_volume_litres   double precision,
    oil_preservation    text,
    communicating_oltc  boolean,
    updated_at          timestamptz,
    origin_device_id    bigint REFERENCES device (id),
    first_seen_at       timestamptz NOT NULL DEFAULT now()
);

-- One oil sample per transformer and day; the newest import (imported_at) wins.
CREATE TABLE sample (
    asset_id         text NOT NULL REFERENCES asset (asset_id),
    sampled_on       date NOT NULL,
    gases            jsonb NOT NULL,
    sheet            text,
    sheet_row        integer,
    source_file      text NOT NULL,
    source_sha256    text NOT NULL,
    imported_at      timestamptz NOT NULL,
    item_id          uuid NOT NULL,
    origin_device_id bigint NOT NULL REFERENCES device (id),
    PRIMARY KEY (asset_id, sampled_on)
);

-- Diagnoses, immutable, unique by the id the laptop gave them. The response is the
-- contract's JSON as raw DEFLATE, exactly as uploaded.
CREATE TABLE diagnosis (
    diagnosis_id       uuid PRIMARY KEY,
    item_id            uuid NOT NULL,
    asset_id           text NOT NULL REFERENCES asset (asset_id),
    run_id             uuid NOT NULL,
    engine             text NOT NULL,
    function_name      text,
    run_started_at     timestamptz NOT NULL,
    request_sha256     text NOT NULL,
    engine_version     text NOT NULL,
    latest_sample_date date,
    ieee_status        smallint,
    iec_state          text,
    fault              text,
    severity           text,
    created_at         timestamptz NOT NULL,
    response_deflate   bytea NOT NULL,
    origin_device_id   bigint NOT NULL REFERENCES device (id),
    received_at        timestamptz NOT NULL
);
CREATE INDEX diagnosis_asset ON diagnosis (asset_id, created_at);
-- The response is already compressed: not worth another try. A row (about 3.5 KB) stays in the
-- table's own page rather than going to TOAST, which saves a second heap and index per row.
ALTER TABLE diagnosis ALTER COLUMN response_deflate SET STORAGE EXTERNAL;
ALTER TABLE diagnosis SET (toast_tuple_target = 8160);

-- The change feed: every applied item, in the order of seq, which is also the order in which
-- the uploads committed (the service allocates seq under a lock held until commit), so that a
-- reader that has seen seq N has seen everything below it. item is the item's JSON, as pulls
-- return it, except that a diagnosis's response_deflate is left empty there: it is stored once,
-- in diagnosis.response_deflate (diagnosis_id), and put back when pulled.
CREATE TABLE change_log (
    seq          bigint PRIMARY KEY,
    item_id      uuid NOT NULL UNIQUE,
    device_id    bigint NOT NULL REFERENCES device (id),
    batch_id     uuid NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('asset', 'samples', 'diagnosis')),
    item         text NOT NULL,
    diagnosis_id uuid,
    received_at  timestamptz NOT NULL,
    CHECK ((kind = 'diagnosis') = (diagnosis_id IS NOT NULL))
);

-- Upload batches by Idempotency-Key: a replay with the same body gets the stored answer.
CREATE TABLE sync_batch (
    batch_id    uuid PRIMARY KEY,
    device_id   bigint NOT NULL REFERENCES device (id),
    body_sha256 bytea NOT NULL,
    answer      text NOT NULL,
    item_count  integer NOT NULL,
    received_at timestamptz NOT NULL
);
