-- Which assets an import batch holds, changed or not, so that `--batch` and the run of a
-- workbook cover every transformer in it (asset.batch_id and sample.batch_id only record the
-- batch that last changed a row).
CREATE TABLE import_batch_asset (
    batch_id   INTEGER NOT NULL REFERENCES import_batch (id),
    asset_key  INTEGER NOT NULL REFERENCES asset (key),
    PRIMARY KEY (batch_id, asset_key)
) WITHOUT ROWID;

-- The assets a diagnosis run set out to diagnose, fixed when it began: what a resumed run
-- still owes, whatever was imported since.
CREATE TABLE diagnosis_run_asset (
    run_id    INTEGER NOT NULL REFERENCES diagnosis_run (id),
    asset_id  TEXT NOT NULL REFERENCES asset (id),
    PRIMARY KEY (run_id, asset_id)
) WITHOUT ROWID;

-- Older databases: the best record there is.
INSERT OR IGNORE INTO import_batch_asset (batch_id, asset_key)
    SELECT batch_id, key FROM asset WHERE batch_id IS NOT NULL;
INSERT OR IGNORE INTO import_batch_asset (batch_id, asset_key)
    SELECT DISTINCT batch_id, asset_key FROM sample;
INSERT OR IGNORE INTO diagnosis_run_asset (run_id, asset_id)
    SELECT run_id, asset_id FROM diagnosis;
INSERT OR IGNORE INTO diagnosis_run_asset (run_id, asset_id)
    SELECT run_id, asset_id FROM diagnosis_failure;
-- An unfinished run covered the whole store.
INSERT OR IGNORE INTO diagnosis_run_asset (run_id, asset_id)
    SELECT r.id, a.id FROM diagnosis_run r, asset a WHERE r.state IN ('running', 'cancelled');
