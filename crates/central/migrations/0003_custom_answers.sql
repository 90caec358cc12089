-- Answers of a team's own diagnosis function, read through its profile (docs/byo-function.md).
-- The response holds the function's whole answer as it came; the profile travels in the item
-- (and so in the change feed), and these columns hold what it read. NULL for the built-in
-- contract, whose answers keep ieee_status and iec_state instead.
ALTER TABLE diagnosis ADD COLUMN profile_name text;
ALTER TABLE diagnosis ADD COLUMN profile_sha256 text;
ALTER TABLE diagnosis ADD COLUMN fault_label text;
ALTER TABLE diagnosis ADD COLUMN score double precision;
ALTER TABLE diagnosis ADD COLUMN action text;
ALTER TABLE diagnosis ADD COLUMN headline text;
