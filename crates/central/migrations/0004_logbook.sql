-- Logbook entries (docs/sync.md, "Logbook entries"): what happened to a transformer besides
-- lab workbooks, one row per entry, immutable, unique by the id the laptop gave it. A
-- typed-in sample's readings arrive also as a samples item (source file "logbook") and are
-- stored in `sample` like any other.
CREATE TABLE log_entry (
    entry_id         uuid PRIMARY KEY,
    item_id          uuid NOT NULL,
    asset_id         text NOT NULL REFERENCES asset (asset_id),
    kind             text NOT NULL,
    occurred_on      date NOT NULL,
    author           text NOT NULL,
    text             text NOT NULL,
    -- The event as the laptop sent it: {"kind": …} and its data (a sample's readings, a
    -- treatment).
    event            jsonb NOT NULL,
    created_at       timestamptz NOT NULL,
    origin_device_id bigint NOT NULL REFERENCES device (id),
    received_at      timestamptz NOT NULL
);
CREATE INDEX log_entry_asset ON log_entry (asset_id, occurred_on);

ALTER TABLE change_log DROP CONSTRAINT change_log_kind_check;
ALTER TABLE change_log ADD CONSTRAINT change_log_kind_check
    CHECK (kind IN ('asset', 'samples', 'diagnosis', 'log_entry'));
