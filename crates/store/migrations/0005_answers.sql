-- Schema version 5: answers kept as they came, from the built-in contract or from a team's own
-- function read through a profile (docs/byo-function.md).
--
-- `diagnosis.response` now holds the answer's JSON bytes exactly as the engine gave them
-- (deflate-compressed as before): the contract's diagnosis response, or a custom function's
-- whole answer. The columns below are what the tool read from it. For a custom answer,
-- `ieee_status` and `iec_state` are NULL, `fault` is the tool's code only when the profile maps
-- the function's label to one, and `fault_label` is the function's own label.

ALTER TABLE diagnosis ADD COLUMN fault_label TEXT;
-- The number a custom function's severity was read from (a score, a health index).
ALTER TABLE diagnosis ADD COLUMN score REAL;
ALTER TABLE diagnosis ADD COLUMN action TEXT;
ALTER TABLE diagnosis ADD COLUMN resample_within_days INTEGER;
ALTER TABLE diagnosis ADD COLUMN headline TEXT;
-- The profile that read the answer; both NULL for the built-in contract.
ALTER TABLE diagnosis ADD COLUMN profile_name TEXT;
ALTER TABLE diagnosis ADD COLUMN profile_sha256 TEXT;
CREATE INDEX diagnosis_profile ON diagnosis (profile_sha256) WHERE profile_sha256 IS NOT NULL;

-- Every profile a stored answer was read with, by the SHA-256 of its file, so that the answer
-- can be read again (here, on another laptop, by the central service) with the very same one.
CREATE TABLE function_profile (
    sha256    TEXT PRIMARY KEY,
    name      TEXT NOT NULL,
    -- The profile file's bytes, as loaded.
    toml      BLOB NOT NULL,
    added_at  TEXT NOT NULL
);
