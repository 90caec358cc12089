-- Schema version 6: the logbook (docs/store.md, "Logbook").
--
-- What happened to a transformer besides the lab's workbooks: a sample typed in by hand, the
-- oil processed, an inspection, a repair, a resample requested, a note. A typed-in sample is
-- also a row of `sample` (its own one-sample import batch, format "logbook"), so that the gas
-- history, the diagnosis and sync read it like any other; the entry keeps what was typed.

CREATE TABLE log_entry (
    id           INTEGER PRIMARY KEY,
    -- UUIDv7: the entry's id on the central service and every laptop.
    uuid         TEXT NOT NULL UNIQUE,
    asset_key    INTEGER NOT NULL REFERENCES asset (key),
    kind         TEXT NOT NULL CHECK (kind IN ('sample', 'oil_processed', 'inspection', 'repair',
                                               'resample_requested', 'note')),
    -- YYYY-MM-DD: the day it happened (a sample: the day the oil was drawn).
    occurred_on  TEXT NOT NULL,
    author       TEXT NOT NULL,
    text         TEXT NOT NULL,
    -- The event as JSON (substation_dga::LogEvent): a sample's source and readings, a
    -- treatment; `{"kind": …}` alone for the others.
    detail       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    -- The laptop it came from through the change feed; NULL for an entry made here.
    origin       TEXT
);
CREATE INDEX log_entry_asset ON log_entry (asset_key, occurred_on);

-- The outbox learns the entity `log_entry` (keyed by the entry's uuid). SQLite cannot change a
-- CHECK constraint in place: the table is rebuilt with the same rows and ids (the migration
-- runs with foreign keys off, and checks them before it commits).
CREATE TABLE outbox_v6 (
    id               INTEGER PRIMARY KEY,
    op_id            TEXT NOT NULL UNIQUE,
    entity           TEXT NOT NULL CHECK (entity IN ('asset', 'sample_batch', 'diagnosis',
                                                     'log_entry')),
    entity_key       TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    state            TEXT NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'in_flight', 'acked', 'rejected', 'dead')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT,
    batch_id         TEXT,
    last_error       TEXT,
    chunk_after      TEXT
);
INSERT INTO outbox_v6 (id, op_id, entity, entity_key, created_at, state, attempts,
                       next_attempt_at, batch_id, last_error, chunk_after)
    SELECT id, op_id, entity, entity_key, created_at, state, attempts, next_attempt_at,
           batch_id, last_error, chunk_after
    FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_v6 RENAME TO outbox;
CREATE INDEX outbox_state ON outbox (state, id);

-- This build speaks sync protocol version 2, which added logbook entries; a laptop of version
-- 1 was given pages without them. Its cursor is forgotten so that its next sync pulls the
-- change feed from the start once (what it holds already changes nothing) and receives them.
DELETE FROM sync_state WHERE key = 'cursor';
