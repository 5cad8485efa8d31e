-- pgbench: LocateGuest's transaction as plain SQL (the baseline of the messaging bench):
-- stays by one name key, their guests, the access-log row, one outbox event.
-- Needs bench_keys (n, name_key), made by messaging.sh from the service's own guest_keys.
\set n random(1, :keys)
BEGIN;
SELECT s.stay_id, s.room, s.status, s.privacy FROM stays s WHERE s.stay_id IN
  (SELECT stay_id FROM guest_keys WHERE property_id = 'demo-hotel'
     AND name_key = (SELECT name_key FROM bench_keys WHERE n = :n))
  ORDER BY s.arrival DESC, s.stay_id;
SELECT g.stay_id, g.name_zh, g.name_en FROM stay_guests g WHERE g.stay_id IN
  (SELECT stay_id FROM guest_keys WHERE property_id = 'demo-hotel'
     AND name_key = (SELECT name_key FROM bench_keys WHERE n = :n))
  ORDER BY g.stay_id, g.position;
INSERT INTO lookups (lookup_id, property_id, asked_by, asked_at, caller_kind, query_name,
  query_reservation_id, disclosure, matched_stay_ids, room_disclosed)
  VALUES (gen_random_uuid()::text, 'demo-hotel', 'pgbench', 0, 'CALLER_KIND_OUTSIDE',
  'wang fang', '', 'DISCLOSURE_NOT_CONFIRMED', '', 0);
UPDATE outbox_counter SET value = value + 1 WHERE name = 'outbox' RETURNING value \gset seq_
INSERT INTO outbox (sequence, event_id, event_type, property_id, aggregate_id, actor,
  occurred_at, payload, traceparent)
  VALUES (:seq_value, gen_random_uuid()::text, 'frontdesk.messaging.v1.GuestLookedUp',
  'demo-hotel', 'x', 'pgbench', 0, '\x0a2430313933', '');
END;
