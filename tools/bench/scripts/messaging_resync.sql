-- The resync's rows as plain SQL in one transaction each (the baseline of the messaging
-- bench): 1,500 stays with a guest, four name keys each and one outbox event each (plus a
-- check-in event for the 1,000 in house); then the replay's read of the same 1,500 stays and
-- their guests; then 150 changed stays with an event each. Run with psql \timing on a
-- freshly migrated messaging database.
\timing on
BEGIN;
INSERT INTO stays (stay_id, property_id, reservation_id, room, arrival, departure, status,
  privacy, forwarding_address, forwarding_until, vip, lamp_on, checked_in_at, checked_out_at,
  fingerprint, created_at, updated_at)
SELECT gen_random_uuid()::text, 'demo-hotel', 'PMS-' || lpad(i::text, 7, '0'),
  CASE WHEN i < 1000 THEN (2 + i / 40)::text || lpad((i % 40 + 1)::text, 2, '0') ELSE '' END,
  1790000000000000, 1790259200000000,
  CASE WHEN i < 1000 THEN 'STAY_STATUS_IN_HOUSE' ELSE 'STAY_STATUS_EXPECTED' END,
  'PRIVACY_LEVEL_NONE', '', NULL, 0, 0, NULL, NULL, md5(i::text), 0, 0
FROM generate_series(0, 1499) i;
INSERT INTO stay_guests (stay_id, position, name_zh, name_en, phone, email, language)
SELECT stay_id, 0, '王芳' || reservation_id, 'Wang Fang ' || reservation_id, '+86 139', '',
  'LANGUAGE_UNSPECIFIED' FROM stays WHERE property_id = 'demo-hotel';
INSERT INTO guest_keys (property_id, name_key, stay_id)
SELECT 'demo-hotel', k || reservation_id, stay_id FROM stays, unnest(ARRAY['h:', 'r:a', 'r:b', 'r:c']) k
WHERE property_id = 'demo-hotel';
UPDATE outbox_counter SET value = value + 2500 WHERE name = 'outbox';
INSERT INTO outbox (sequence, event_id, event_type, property_id, aggregate_id, actor,
  occurred_at, payload, traceparent)
SELECT i, gen_random_uuid()::text, 'frontdesk.messaging.v1.StaySynced', 'demo-hotel', 'x',
  'pms', 0, '\x0a24303139330a24303139330a24303139330a2430313933', ''
FROM generate_series(1, 2500) i;
COMMIT;
BEGIN;
SELECT count(*) FROM stays s JOIN stay_guests g USING (stay_id)
WHERE s.property_id = 'demo-hotel' AND s.reservation_id IN
  (SELECT 'PMS-' || lpad(i::text, 7, '0') FROM generate_series(0, 1499) i);
COMMIT;
BEGIN;
UPDATE stays SET status = 'STAY_STATUS_DEPARTED', fingerprint = md5(fingerprint), updated_at = 1
WHERE property_id = 'demo-hotel' AND reservation_id IN
  (SELECT 'PMS-' || lpad(i::text, 7, '0') FROM generate_series(0, 1499, 10) i);
UPDATE outbox_counter SET value = value + 150 WHERE name = 'outbox';
INSERT INTO outbox (sequence, event_id, event_type, property_id, aggregate_id, actor,
  occurred_at, payload, traceparent)
SELECT 2500 + i, gen_random_uuid()::text, 'frontdesk.messaging.v1.StaySynced', 'demo-hotel',
  'x', 'pms', 0, '\x0a2430313933', '' FROM generate_series(1, 150) i;
COMMIT;
