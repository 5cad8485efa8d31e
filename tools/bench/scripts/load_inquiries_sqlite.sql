-- SQLite twin of load_inquiries.sql (same rows, SQLite functions), for LIST_SQLITE=1:
--   sqlite3 intake.db ".parameter set :rows 1000000" ".parameter set :property 'demo-hotel'" \
--       ".read bench/load_inquiries_sqlite.sql"

INSERT INTO properties (property_id, created_at)
VALUES (:property, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER))
ON CONFLICT (property_id) DO NOTHING;

INSERT INTO inquiries (inquiry_id, property_id, channel, customer_name, customer_phone,
    customer_email, customer_social, preferred_reply, text, search_text, reservation_ref, status,
    category, language, complexity, confidence, matched_terms, complaint_process, reclassified,
    assignee, created_by, created_at, acknowledged_at, first_response_at, resolved_at,
    version, updated_at)
WITH RECURSIVE texts (idx, text, language, category, complexity, terms) AS (
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
names (idx, name) AS (
    VALUES (0, '王伟'), (1, '李娜'), (2, '张敏'), (3, '刘洋'), (4, '陈静'), (5, 'Emma Wilson'),
           (6, 'James Smith'), (7, 'Sophie Martin'), (8, '杨帆'), (9, '赵磊'),
           (10, 'Hiroshi Tanaka'), (11, '黄丽')
),
channels (idx, channel) AS (
    VALUES (0, 'front_desk'), (1, 'restaurant'), (2, 'facility'), (3, 'website'), (4, 'ota'),
           (5, 'social_wechat'), (6, 'social_weibo'), (7, 'social_douyin'), (8, 'email'),
           (9, 'hotline')
),
series (g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM series WHERE g < :rows),
params AS (
    SELECT CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) AS now_us,
           (365 * 86400 * 1000000) / :rows AS step_us
),
rows AS (
    SELECT g,
           CAST(:rows - g AS REAL) / :rows AS age,
           (g * 7919) % 100 AS dice,
           p.now_us - (:rows - g) * p.step_us - (g * 104729) % p.step_us AS created_at
    FROM series, params p
),
staged AS (
    SELECT r.*, t.text, t.language, t.category, t.complexity, t.terms, n.name, c.channel,
        CASE
            WHEN r.age < 0.002 THEN CASE r.dice % 4 WHEN 2 THEN 'acknowledged' WHEN 3 THEN 'answered' ELSE 'new' END
            WHEN r.age < 0.02 THEN CASE r.dice % 5 WHEN 0 THEN 'new' WHEN 1 THEN 'acknowledged' WHEN 2 THEN 'answered' ELSE 'resolved' END
            WHEN r.dice < 2 THEN 'new'
            WHEN r.dice < 4 THEN 'reopened'
            WHEN r.dice < 8 THEN 'answered'
            ELSE 'resolved'
        END AS status
    FROM rows r
    JOIN texts t ON t.idx = r.g % 20
    JOIN names n ON n.idx = r.g % 12
    JOIN channels c ON c.idx = (r.g / 20 + r.g) % 10
)
SELECT
    printf('%08x-%04x-7000-8000-%012x', g, g % 65536, (g * 2654435761) % 281474976710656),
    :property,
    channel,
    name,
    printf('+86 138 %04d %04d', (g / 10000) % 10000, g % 10000),
    CASE WHEN g % 3 = 0 THEN 'guest' || g || '@example.com' ELSE '' END,
    CASE WHEN channel LIKE 'social_%' THEN 'guest_' || g ELSE '' END,
    CASE channel WHEN 'email' THEN 'email' WHEN 'hotline' THEN 'phone' ELSE '' END,
    text,
    lower(text) || char(10) || lower(name),
    CASE WHEN g % 4 = 0 THEN printf('HT%08d', g) ELSE '' END,
    status,
    category, language, complexity,
    0.55 + (g % 45) / 100.0,
    terms,
    CASE WHEN category = 'complaint' AND channel LIKE 'social_%' THEN 1 ELSE 0 END,
    CASE WHEN dice = 99 THEN 1 ELSE 0 END,
    CASE WHEN status = 'new' THEN '' ELSE 'agent-' || (g % 25) END,
    'seed',
    created_at,
    CASE WHEN status <> 'new' THEN created_at + 300000000 END,
    CASE WHEN status <> 'new' THEN created_at + 300000000 END,
    CASE WHEN status = 'resolved' THEN created_at + 3600000000 END,
    CASE status WHEN 'new' THEN 1 WHEN 'acknowledged' THEN 2 WHEN 'answered' THEN 3 ELSE 4 END,
    created_at + 3600000000
FROM staged;

ANALYZE;

SELECT status, count(*) FROM inquiries GROUP BY status ORDER BY 2 DESC;
