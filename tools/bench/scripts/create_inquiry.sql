-- pgbench script: the SQL transaction CreateInquiry runs on Postgres for a batch of one,
-- statement for statement (services/intake/src/commands/create.rs `try_batch`,
-- store/idempotency.rs `claim_idempotent`, store/inquiries.rs `insert_new`,
-- platform/src/outbox.rs `append_many`, store/timeline.rs `insert`): 7 round trips —
-- BEGIN, the idempotency claim (INSERT … ON CONFLICT DO NOTHING), the inquiry with its search
-- grams (GIN-indexed) and phone key, the counter bump, the outbox row, the timeline row,
-- COMMIT — the counter row locked from its UPDATE until COMMIT. The property check is a
-- cache hit in the service (no statement). The row's text, grams and classification are the
-- service's own for this text (read back from an inquiry the service created).
-- Run with -M prepared (sqlx prepares and caches every statement too). In that mode pgbench
-- turns every colon-name into a parameter, even inside literals, hence the \x3a for the colon.
--
-- Ids: the pgbench client id plus a 62-bit random number, formatted as 36 characters like the UUIDv7 the service uses.
\set r random(1, 4611686018427387903)
\set ch random(0, 9)
BEGIN;
INSERT INTO idempotency_keys (scope, idem_key, request_hash, inquiry_id, result_id, created_at)
    VALUES (E'create\x3ademo-hotel', 'pgbench-' || :client_id::text || '-' || :r::text,
            '9f2c1d7e4b8a6f3e0d5c2b1a9e8f7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e',
            lpad(to_hex(:client_id::int), 4, '0') || '-0190-7000-8000-' || lpad(to_hex(:r::bigint), 16, '0'),
            lpad(to_hex(:client_id::int), 4, '0') || '-0190-7000-8000-' || lpad(to_hex(:r::bigint), 16, '0'),
            (extract(epoch FROM clock_timestamp()) * 1000000)::bigint)
    ON CONFLICT (scope, idem_key) DO NOTHING;
INSERT INTO inquiries (inquiry_id, property_id, channel, customer_name, customer_phone,
    customer_email, customer_social, preferred_reply, text, search_text, reservation_ref, status,
    category, language, complexity, confidence, matched_terms, complaint_process, reclassified,
    assignee, created_by, created_at, version, updated_at, needs_triage, search_tokens,
    customer_phone_key)
    VALUES (lpad(to_hex(:client_id::int), 4, '0') || '-0190-7000-8000-' || lpad(to_hex(:r::bigint), 16, '0'),
            'demo-hotel', (ARRAY['front_desk','restaurant','facility','website','ota','social_wechat','social_weibo','social_douyin','email','hotline'])[:ch::int + 1],
            '王伟', '+86 138 0000 1234', 'guest@example.com', '', '',
            '房间空调不制冷，已经调到18度还是很热，麻烦尽快派人来看一下。The AC in room 1208 is not cooling, please send someone.',
            '房间空调不制冷,已经调到18度还是很热,麻烦尽快派人来看一下。the ac in room 1208 is not cooling, please send someone.' || chr(10) || '王伟' || chr(10) || 'guest@example.com' || chr(10) || chr(10) || '13800001234',
            '', 'new', 'hotel_services', 'zh', 'simple', 0.965, '["send someone","空调","派人"]', 0, 0, '', 'bench',
            (extract(epoch FROM clock_timestamp()) * 1000000)::bigint, 1,
            (extract(epoch FROM clock_timestamp()) * 1000000)::bigint, 0,
            '000 001 012 120 123 138 18度 208 234 380 800 8度还 amp ase com coo eas end eon est exa gue ing lea lin meo mpl not oli ome one ool oom ple roo sen som the ues xam 一下 不制 人来 到18 制冷 尽快 已经 度还 很热 快派 房间 是很 来看 派人 烦尽 王伟 看一 空调 经调 调不 调到 调到1 还是 间空 麻烦',
            '13800001234');
UPDATE outbox_counter SET value = value + 1 WHERE name = 'outbox' RETURNING value AS seq \gset
INSERT INTO outbox (sequence, event_id, event_type, property_id, aggregate_id, actor, occurred_at,
    payload, traceparent)
    VALUES (:seq::bigint, lpad(to_hex(:client_id::int), 4, '0') || '-0190-7001-8000-' || lpad(to_hex(:r::bigint), 16, '0'),
            'frontdesk.intake.v1.InquiryChanged', 'demo-hotel',
            lpad(to_hex(:client_id::int), 4, '0') || '-0190-7000-8000-' || lpad(to_hex(:r::bigint), 16, '0'),
            'bench', (extract(epoch FROM clock_timestamp()) * 1000000)::bigint,
            decode(repeat(md5(:r::text), 64), 'hex'), '');
INSERT INTO timeline (sequence, inquiry_id, property_id, change, actor, at, detail)
    VALUES (:seq::bigint, lpad(to_hex(:client_id::int), 4, '0') || '-0190-7000-8000-' || lpad(to_hex(:r::bigint), 16, '0'),
            'demo-hotel', 1, 'bench', (extract(epoch FROM clock_timestamp()) * 1000000)::bigint,
            'recorded via hotline as hotel_services (simple)');
COMMIT;
