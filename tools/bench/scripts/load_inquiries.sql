-- Bulk-loads :rows inquiries of property :'property' into a migrated intake database
-- (Postgres), for the ListInquiries benchmark. Only `inquiries` is filled; the property row
-- is created if missing.
--
--   psql -v rows=1000000 -v property=demo-hotel -f bench/load_inquiries.sql <db>
--
-- Rows spread over the last 365 days, newest last; texts are the benchmark's 20 guest
-- messages (Chinese, English, mixed) with their language and category, half of them with a
-- room number; guests have 1,000 names and each a phone number of their own; statuses skew to
-- "resolved" for old rows and "new"/"acknowledged" for recent ones.

\set ON_ERROR_STOP on

INSERT INTO properties (property_id, created_at)
VALUES (:'property', (extract(epoch FROM now()) * 1000000)::bigint)
ON CONFLICT (property_id) DO NOTHING;

WITH texts (idx, text, language, category, complexity, terms) AS (
    VALUES
    (0,  '请问明天早餐几点开始？我们一家四口，有没有儿童餐？', 'zh', 'dining', 'simple', '["早餐"]'),
    (1,  'What time does breakfast start tomorrow? Is it included in our rate?', 'en', 'dining', 'simple', '["breakfast"]'),
    (2,  '房间空调不制冷，已经调到18度还是很热，麻烦尽快派人来看一下，谢谢。', 'zh', 'hotel_services', 'simple', '["空调"]'),
    (3,  'The Wi-Fi in room 1208 keeps disconnecting. Could someone check it, please?', 'en', 'hotel_services', 'simple', '["wi-fi"]'),
    (4,  '我想把入住日期从5月3日改到5月5日，订单号 HT20240503-88，可以吗？', 'zh', 'reservation', 'complex', '["入住日期","订单"]'),
    (5,  'Can we get a late checkout until 2pm on Sunday? We have an evening flight.', 'en', 'check_in_out', 'simple', '["late checkout"]'),
    (6,  '请问酒店有没有免费停车场？我们大概晚上十点到。', 'zh', 'facilities', 'simple', '["停车"]'),
    (7,  'Is the gym open 24 hours, and do I need to book the pool in advance?', 'en', 'facilities', 'simple', '["gym","pool"]'),
    (8,  '我在携程上订的房间，到店后发现是无窗房，跟描述不符，非常失望，要求换房。', 'zh', 'complaint', 'complex', '["失望","不符"]'),
    (9,  'I''d like to book a table for six at the Chinese restaurant tonight at 7pm, near the window if possible.', 'en', 'dining', 'simple', '["restaurant","table"]'),
    (10, '会议室可以容纳多少人？下周三下午需要投影仪和茶歇。', 'zh', 'events', 'complex', '["会议室"]'),
    (11, 'Could you recommend a good local restaurant within walking distance? Something Cantonese.', 'en', 'local_info', 'simple', '["recommend"]'),
    (12, '前台有我的快递吗？寄件人是顺丰，收件人写的是王先生。', 'zh', 'messages_mail', 'simple', '["快递"]'),
    (13, 'My colleague Mr. Zhang is staying with you — can you tell me his room number? 我是他的同事。', 'en', 'guest_lookup', 'complex', '["room number"]'),
    (14, '房间太吵了，隔壁半夜一直在装修，我们一晚没睡好。这是我住过最差的一次体验。', 'zh', 'complaint', 'complex', '["太吵","最差"]'),
    (15, 'Do you offer airport pickup from PVG? Our flight lands at 23:40, two adults, three suitcases.', 'en', 'hotel_services', 'simple', '["airport pickup"]'),
    (16, '能不能帮忙订两张明天去杭州的高铁票？上午十点左右出发。', 'zh', 'hotel_services', 'complex', '["订票"]'),
    (17, 'Suggestion: it would be great to have more vegetarian options at the breakfast buffet 建议增加素食。', 'en', 'suggestion', 'simple', '["suggestion"]'),
    (18, '请问婚宴场地还有6月的档期吗？大约二十桌，预算每桌五千左右。', 'zh', 'events', 'complex', '["婚宴"]'),
    (19, 'Please hold any mail for room 806 until I return on Friday. 谢谢！', 'en', 'messages_mail', 'simple', '["mail"]')
),
-- Guests: 600 Chinese names (surname + given name) and 400 English ones, plus one rare
-- name (司马相如, about 1 in 5,000 rows) for the search benchmark's rare Chinese term.
surnames (s) AS (
    SELECT ARRAY['王','李','张','刘','陈','杨','赵','黄','周','吴','徐','孙','胡','朱','高',
                 '林','何','郭','马','罗']
),
given (g) AS (
    SELECT ARRAY['伟','娜','敏','洋','静','帆','磊','丽','强','军','杰','芳','秀英','明','超',
                 '霞','平','刚','桂英','建华','文','华','红','玉兰','海燕','志强','晓东','雪','欣怡','子涵']
),
first_names (f) AS (
    SELECT ARRAY['Emma','James','Sophie','Oliver','Hiroshi','Anna','Lucas','Mia','Noah','Olivia',
                 'Liam','Ava','Ethan','Isla','Mateo','Chloe','Leo','Grace','Ivan','Sara']
),
last_names (l) AS (
    SELECT ARRAY['Wilson','Smith','Martin','Brown','Tanaka','Müller','Garcia','Rossi','Dubois','Kim',
                 'Nguyen','Taylor','Johnson','Silva','Novak','Jensen','Costa','Weber','Moreau','Lopez']
),
channels (idx, channel) AS (
    VALUES (0, 'front_desk'), (1, 'restaurant'), (2, 'facility'), (3, 'website'), (4, 'ota'),
           (5, 'social_wechat'), (6, 'social_weibo'), (7, 'social_douyin'), (8, 'email'),
           (9, 'hotline')
),
params AS (
    SELECT (extract(epoch FROM now()) * 1000000)::bigint AS now_us,
           (365::bigint * 86400 * 1000000) / :rows AS step_us
),
rows AS (
    SELECT g,
           -- Age rank 0 (newest) .. 1 (oldest) decides how far along the inquiry is.
           (:rows - g)::float8 / :rows AS age,
           (g * 7919) % 100 AS dice,
           p.now_us - (:rows - g) * p.step_us - (g * 104729) % p.step_us AS created_at
    FROM generate_series(1, :rows::bigint) AS g, params p
)
INSERT INTO inquiries (inquiry_id, property_id, channel, customer_name, customer_phone,
    customer_email, customer_social, preferred_reply, text, search_text, reservation_ref, status,
    category, language, complexity, confidence, matched_terms, complaint_process, reclassified,
    assignee, created_by, created_at, acknowledged_at, first_response_at, resolved_at,
    version, updated_at)
SELECT
    md5('inquiry-' || r.g)::uuid::text,
    :'property',
    c.channel,
    CASE
        WHEN r.g % 4999 = 7 THEN '司马相如'
        WHEN r.g % 2 = 0 THEN sn.s[1 + (r.g / 2) % 20] || gv.g[1 + (r.g / 40) % 30]
        ELSE fn.f[1 + (r.g / 2) % 20] || ' ' || ln.l[1 + (r.g / 40) % 20]
    END,
    '+86 138 ' || lpad(((r.g / 10000) % 10000)::text, 4, '0') || ' ' || lpad((r.g % 10000)::text, 4, '0'),
    CASE WHEN r.g % 3 = 0 THEN 'guest' || r.g || '@example.com' ELSE '' END,
    CASE WHEN c.channel LIKE 'social_%' THEN 'guest_' || r.g ELSE '' END,
    CASE c.channel WHEN 'email' THEN 'email' WHEN 'hotline' THEN 'phone' ELSE '' END,
    -- Half the messages name a room: texts vary row to row, as guests' do.
    t.text || CASE WHEN r.g % 2 = 1 THEN ''
                   WHEN t.language = 'zh' THEN '（房间' || (1000 + r.g % 1500) || '）'
                   ELSE ' (room ' || (1000 + r.g % 1500) || ')' END,
    -- search_text and search_tokens: intake's start-up backfill computes them (search_tokens
    -- NULL = not indexed yet), with the same code as for a created inquiry.
    '',
    CASE WHEN r.g % 4 = 0 THEN 'HT' || lpad(r.g::text, 8, '0') ELSE '' END,
    s.status,
    t.category, t.language, t.complexity,
    0.55 + (r.g % 45) / 100.0,
    t.terms,
    CASE WHEN t.category = 'complaint' AND c.channel LIKE 'social_%' THEN 1 ELSE 0 END,
    CASE WHEN r.dice = 99 THEN 1 ELSE 0 END,
    CASE WHEN s.status = 'new' THEN '' ELSE 'agent-' || (r.g % 25) END,
    'seed',
    r.created_at,
    CASE WHEN s.status <> 'new' THEN r.created_at + 300000000 END,
    CASE WHEN s.status <> 'new' THEN r.created_at + 300000000 END,
    CASE WHEN s.status = 'resolved' THEN r.created_at + 3600000000 END,
    CASE s.status WHEN 'new' THEN 1 WHEN 'acknowledged' THEN 2 WHEN 'answered' THEN 3 ELSE 4 END,
    r.created_at + 3600000000
FROM rows r
JOIN texts t ON t.idx = r.g % 20
CROSS JOIN surnames sn CROSS JOIN given gv CROSS JOIN first_names fn CROSS JOIN last_names ln
JOIN channels c ON c.idx = (r.g / 20 + r.g) % 10
CROSS JOIN LATERAL (
    SELECT CASE
        WHEN r.age < 0.002 THEN (ARRAY['new', 'new', 'acknowledged', 'answered'])[1 + r.dice % 4]
        WHEN r.age < 0.02 THEN (ARRAY['new', 'acknowledged', 'answered', 'resolved', 'resolved'])[1 + r.dice % 5]
        WHEN r.dice < 2 THEN 'new'
        WHEN r.dice < 4 THEN 'reopened'
        WHEN r.dice < 8 THEN 'answered'
        ELSE 'resolved'
    END AS status
) s;

VACUUM ANALYZE inquiries;

SELECT status, count(*) FROM inquiries GROUP BY status ORDER BY 2 DESC;
