-- pgbench script: the SQL transaction CreateInquiry runs on Postgres, statement for statement
-- (services/intake/src/commands.rs `Intake::create`, store.rs, platform/src/outbox.rs `append`):
-- 8 round trips, the counter row locked from its UPDATE until COMMIT.
-- Run with -M prepared (sqlx prepares and caches every statement too). In that mode pgbench
-- turns every colon-name into a parameter, even inside literals, hence the \x3a for the colon.
--
-- Ids: the pgbench client id plus a 62-bit random number, formatted as 36 characters like the UUIDv7 the service uses.
\set r random(1, 4611686018427387903)
\set ch random(0, 9)
BEGIN;
SELECT COUNT(*) FROM properties WHERE property_id = 'demo-hotel';
SELECT request_hash, inquiry_id, result_id FROM idempotency_keys
    WHERE scope = E'create\x3ademo-hotel' AND idem_key = 'pgbench-' || :client_id::text || '-' || :r::text;
INSERT INTO idempotency_keys (scope, idem_key, request_hash, inquiry_id, result_id, created_at)
    VALUES (E'create\x3ademo-hotel', 'pgbench-' || :client_id::text || '-' || :r::text,
            '9f2c1d7e4b8a6f3e0d5c2b1a9e8f7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e',
            lpad(to_hex(:client_id::int), 4, '0') || '-0190-7000-8000-' || lpad(to_hex(:r::bigint), 16, '0'),
            lpad(to_hex(:client_id::int), 4, '0') || '-0190-7000-8000-' || lpad(to_hex(:r::bigint), 16, '0'),
            (extract(epoch FROM clock_timestamp()) * 1000000)::bigint);
INSERT INTO inquiries (inquiry_id, property_id, channel, customer_name, customer_phone,
    customer_email, customer_social, preferred_reply, text, search_text, reservation_ref, status,
    category, language, complexity, confidence, matched_terms, complaint_process, reclassified,
    assignee, created_by, created_at, version, updated_at)
    VALUES (lpad(to_hex(:client_id::int), 4, '0') || '-0190-7000-8000-' || lpad(to_hex(:r::bigint), 16, '0'),
            'demo-hotel', (ARRAY['front_desk','restaurant','facility','website','ota','social_wechat','social_weibo','social_douyin','email','hotline'])[:ch::int + 1],
            '王伟', '+86 138 0000 1234', 'guest@example.com', '', '',
            '房间空调不制冷，已经调到18度还是很热，麻烦尽快派人来看一下。The AC in room 1208 is not cooling, please send someone.',
            '房间空调不制冷，已经调到18度还是很热，麻烦尽快派人来看一下。the ac in room 1208 is not cooling, please send someone.' || chr(10) || '王伟',
            '', 'new', 'hotel_services', 'zh', 'simple', 0.82, '["空调","room"]', 0, 0, '', 'bench',
            (extract(epoch FROM clock_timestamp()) * 1000000)::bigint, 1,
            (extract(epoch FROM clock_timestamp()) * 1000000)::bigint);
UPDATE outbox_counter SET value = value + 1 WHERE name = 'outbox' RETURNING value AS seq \gset
INSERT INTO outbox (sequence, event_id, event_type, property_id, aggregate_id, actor, occurred_at,
    payload, traceparent)
    VALUES (:seq::bigint, lpad(to_hex(:client_id::int), 4, '0') || '-0190-7001-8000-' || lpad(to_hex(:r::bigint), 16, '0'),
            'frontdesk.intake.v1.InquiryChanged', 'demo-hotel',
            lpad(to_hex(:client_id::int), 4, '0') || '-0190-7000-8000-' || lpad(to_hex(:r::bigint), 16, '0'),
            'bench', (extract(epoch FROM clock_timestamp()) * 1000000)::bigint,
            decode(repeat(md5(:r::text), 64), 'hex'), '');
COMMIT;
