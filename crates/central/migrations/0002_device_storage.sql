-- What each device has stored, in bytes (its change-feed items and diagnosis responses), kept
-- up to date by every upload so that a per-device quota is checked without counting rows.
ALTER TABLE device ADD COLUMN stored_bytes bigint NOT NULL DEFAULT 0;

UPDATE device SET stored_bytes =
    (SELECT COALESCE(sum(octet_length(c.item)), 0) FROM change_log c WHERE c.device_id = device.id)
  + (SELECT COALESCE(sum(octet_length(g.response_deflate)), 0) FROM diagnosis g
     WHERE g.origin_device_id = device.id);
