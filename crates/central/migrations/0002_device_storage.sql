-- What each device has stored, in bytes (its change-feed items and diagnosis responses), kept
-- up to date by every upload so that a per-device quota is checked without counting rows.
ALTER TABLE device ADD COLUMN stored_bytes bigint NOT NULL DEFAULT 0;

-- One pass over each table, whatever the number of devices.
UPDATE device SET stored_bytes = device.stored_bytes + s.bytes
FROM (SELECT device_id, sum(octet_length(item))::bigint AS bytes
      FROM change_log GROUP BY device_id) s
WHERE s.device_id = device.id;

UPDATE device SET stored_bytes = device.stored_bytes + s.bytes
FROM (SELECT origin_device_id, sum(octet_length(response_deflate))::bigint AS bytes
      FROM diagnosis GROUP BY origin_device_id) s
WHERE s.origin_device_id = device.id;
