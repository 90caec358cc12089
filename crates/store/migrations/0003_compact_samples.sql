-- Schema version 3: a compact sample table. A million-sample import wrote ~100 MB of sample
-- rows, twice (WAL, then the checkpoint); now a row is about half of that:
-- - the nine gases (a value and a state each, eighteen columns) are one BLOB, `gases`, whose
--   layout is described in src/gases.rs: one tag byte per gas, then the value as a short
--   decimal when that reads back bit-exact, else its 8 IEEE bytes;
-- - the import batch and the sheet a sample came from are one small integer, `source_id`, into
--   `sample_source` (one row per batch and sheet), instead of the batch id and the sheet's name
--   on every row.

CREATE TABLE sample_source (
    id        INTEGER PRIMARY KEY,
    batch_id  INTEGER NOT NULL REFERENCES import_batch (id),
    sheet     TEXT NOT NULL,
    UNIQUE (batch_id, sheet)
);

ALTER TABLE sample RENAME TO sample_v2;

CREATE TABLE sample (
    asset_key   INTEGER NOT NULL REFERENCES asset (key),
    -- YYYYMMDD
    sampled_on  INTEGER NOT NULL,
    gases       BLOB NOT NULL,
    source_id   INTEGER NOT NULL REFERENCES sample_source (id),
    source_row  INTEGER NOT NULL,
    PRIMARY KEY (asset_key, sampled_on)
) WITHOUT ROWID;
-- Still no index on the batch: sync finds a batch's samples through sample_source by a scan.

INSERT INTO sample_source (batch_id, sheet)
    SELECT DISTINCT batch_id, source_sheet FROM sample_v2 ORDER BY batch_id, source_sheet;

-- The migration's hook (src/schema.rs) then packs every row of sample_v2 into sample, in Rust,
-- and drops sample_v2.
