-- Schema version 4: sync with the central service (docs/store.md, "Sync").
--
-- An upload is built from the outbox into a `sync_batch` whose body (the exact bytes of the
-- protocol's SyncBatch) is stored in the same transaction that stamps its outbox rows, before
-- the first attempt: a retry, or a restart after a crash, sends the very same bytes under the
-- same Idempotency-Key, and the service replays its first answer.

CREATE TABLE sync_batch (
    -- UUIDv7: the batch id and Idempotency-Key.
    id           TEXT PRIMARY KEY,
    -- The request body exactly as sent, `encoding` says whether gzip-compressed.
    body         BLOB NOT NULL,
    encoding     TEXT NOT NULL DEFAULT 'identity' CHECK (encoding IN ('identity', 'gzip')),
    items        INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    -- open: built, not answered yet (resent before anything new is built); answered: the
    -- service answered item by item; refused: the service refused the whole batch (its rows
    -- were rejected, or went back to pending to be sent in smaller batches).
    state        TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'answered', 'refused')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    answered_at  TEXT
);
CREATE INDEX sync_batch_state ON sync_batch (state, created_at);

-- The items of a batch not answered yet: which outbox row each came from. Deleted when the
-- batch is answered or refused.
CREATE TABLE sync_batch_item (
    batch_id    TEXT NOT NULL REFERENCES sync_batch (id),
    position    INTEGER NOT NULL,
    item_id     TEXT NOT NULL,
    outbox_id   INTEGER NOT NULL REFERENCES outbox (id),
    -- 1 when the item is the row's last (or only) part: its answer settles the row.
    last_part   INTEGER NOT NULL CHECK (last_part IN (0, 1)),
    -- A samples item: the row's progress before it (`outbox.chunk_after`), to undo a refused
    -- batch.
    chunk_from  TEXT,
    PRIMARY KEY (batch_id, position)
) WITHOUT ROWID;

-- A sample_batch row too big for one upload goes in parts: the key ("asset_key/YYYYMMDD") of
-- the last sample already put into a stored batch.
ALTER TABLE outbox ADD COLUMN chunk_after TEXT;

-- Cursor of the change feed, last success, last error.
CREATE TABLE sync_state (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
) WITHOUT ROWID;

-- What came from another laptop through the change feed: the uploading laptop's name. NULL for
-- what was made here.
ALTER TABLE diagnosis_run ADD COLUMN origin TEXT;
ALTER TABLE import_batch ADD COLUMN origin TEXT;
