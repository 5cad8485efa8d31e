//! Search quality on a small labelled bilingual collection: 20 hotel topics, each an article in
//! Chinese and one in English (40 articles), and 40 queries — Chinese, English, typos,
//! synonyms, mixed-language and cross-language — each labelled with the topic it asks about
//! (both language versions count as relevant). Reports nDCG@5 and recall@5 of the knowledge
//! index against a plain keyword baseline with SQL `LIKE` semantics on the same collection.
//!
//! cargo run --release -p frontdesk-knowledge --example search_eval

use frontdesk_knowledge::domain::{Kind, Lang};
use frontdesk_knowledge::index::{KbIndex, LiveDoc, SearchQuery};

/// (topic, zh title, zh body, en title, en body)
const TOPICS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "breakfast",
        "早餐时间和地点",
        "自助早餐在二楼花园餐厅供应，每天 06:30-10:30，非住店客人 128 元/位。",
        "Breakfast time and place",
        "The buffet breakfast is served in the Garden Restaurant on the 2nd floor, 06:30-10:30; 128 yuan for non-residents.",
    ),
    (
        "wifi",
        "无线网络名称和密码",
        "无线网络名称为 Hotel-Guest，密码为房间号加姓氏拼音。",
        "Wi-Fi network and password",
        "The Wi-Fi network is Hotel-Guest; the password is your room number and surname.",
    ),
    (
        "parking",
        "停车场",
        "地下停车场 B1-B2 层，住店客人每晚 50 元。",
        "Car park",
        "The underground car park on B1-B2 costs guests 50 yuan per night.",
    ),
    (
        "checkout",
        "退房时间",
        "退房时间为中午 12:00 以前，延迟退房至 14:00 免费。",
        "Check-out time",
        "Check-out is by 12:00 noon; late check-out until 14:00 is free.",
    ),
    (
        "checkin",
        "入住时间",
        "入住时间为下午 14:00 以后，提前入住视房态安排。",
        "Check-in time",
        "Check-in is from 14:00; early check-in depends on availability.",
    ),
    (
        "airport",
        "机场接送服务",
        "提供浦东和虹桥机场接送，轿车 380 元/程，请提前 24 小时预订。",
        "Airport transfer",
        "Transfers to Pudong and Hongqiao airports: sedan 380 yuan per way, book 24 hours ahead.",
    ),
    (
        "gym",
        "健身房",
        "健身房位于五楼，开放时间 06:00-23:00，住客免费。",
        "Fitness centre",
        "The gym on the 5th floor is open 06:00-23:00, free for guests.",
    ),
    (
        "pool",
        "游泳池",
        "室内恒温游泳池位于五楼，开放时间 06:30-22:00，请穿泳帽。",
        "Swimming pool",
        "The heated indoor swimming pool on floor 5 opens 06:30-22:00; swim caps required.",
    ),
    (
        "laundry",
        "洗衣服务",
        "洗衣服务当天 10 点前送洗，当晚 18 点送回，快洗加收 50%。",
        "Laundry service",
        "Laundry collected before 10:00 is returned by 18:00 the same day; express costs 50% more.",
    ),
    (
        "luggage",
        "行李寄存",
        "礼宾部提供免费行李寄存服务，退房后可寄存至当天晚上。",
        "Luggage storage",
        "The concierge stores luggage free of charge, also after check-out.",
    ),
    (
        "pets",
        "宠物政策",
        "酒店不接受宠物入住，导盲犬除外。",
        "Pet policy",
        "Pets are not allowed in the hotel, except guide dogs.",
    ),
    (
        "smoking",
        "吸烟规定",
        "所有客房禁止吸烟，违者收取 500 元清洁费，吸烟区在一楼室外。",
        "Smoking rules",
        "All rooms are non-smoking; a 500 yuan cleaning fee applies. The smoking area is outside on the ground floor.",
    ),
    (
        "invoice",
        "发票开具",
        "前台可开具增值税普通发票和专用发票，请提供公司抬头和税号。",
        "Invoices (fapiao)",
        "The front desk issues VAT fapiao; please give your company name and tax number.",
    ),
    (
        "currency",
        "外币兑换",
        "前台可兑换美元、欧元、日元，每人每天限额 500 美元。",
        "Currency exchange",
        "The front desk exchanges US dollars, euros and yen, up to 500 dollars per person per day.",
    ),
    (
        "metro",
        "地铁交通",
        "最近的地铁站是南京东路站（2 号线和 10 号线），步行 5 分钟。",
        "Metro access",
        "The nearest metro station is East Nanjing Road (lines 2 and 10), a 5-minute walk.",
    ),
    (
        "bund",
        "外滩",
        "外滩步行 10 分钟可到，晚上 19:00 后灯光最美。",
        "The Bund",
        "The Bund is a 10-minute walk away; the lights are best after 19:00.",
    ),
    (
        "roomservice",
        "送餐服务",
        "24 小时客房送餐，请拨打 6 号分机点餐。",
        "Room service",
        "In-room dining is available 24 hours; dial extension 6 to order.",
    ),
    (
        "safe",
        "保险箱",
        "客房衣柜内有电子保险箱，贵重物品也可寄存在前台。",
        "In-room safe",
        "Each wardrobe has an electronic safe; valuables can also be deposited at the front desk.",
    ),
    (
        "wakeup",
        "叫醒服务",
        "可通过电视或拨打总机预约叫醒服务。",
        "Wake-up call",
        "Book a wake-up call on the TV or by dialling the operator.",
    ),
    (
        "extrabed",
        "加床",
        "豪华房可加床，每晚 200 元，含早餐。",
        "Extra bed",
        "An extra bed in deluxe rooms costs 200 yuan per night including breakfast.",
    ),
];

const SYNONYMS: &[&[&str]] = &[
    &["退房", "离店", "check-out", "checkout"],
    &["入住", "check-in", "checkin"],
    &["接机", "接送机", "机场", "airport pickup", "airport"],
    &["wifi", "wi-fi", "无线网络", "上网", "internet"],
    &["早餐", "早饭", "breakfast"],
    &["停车", "停车场", "车位", "parking", "car park"],
    &["健身房", "gym", "fitness"],
    &["游泳池", "泳池", "swimming pool", "pool"],
    &["洗衣", "laundry"],
    &["行李", "luggage", "baggage"],
    &["宠物", "pet", "pets", "dog"],
    &["吸烟", "抽烟", "smoking"],
    &["发票", "fapiao", "invoice", "receipt"],
    &["外币", "换钱", "currency", "exchange"],
    &["地铁", "metro", "subway"],
    &["外滩", "bund"],
    &["送餐", "room service", "in-room dining"],
    &["保险箱", "safe"],
    &["叫醒", "wake-up", "wake up"],
    &["加床", "extra bed"],
];

/// (query, topic)
const QUERIES: &[(&str, &str)] = &[
    ("早餐几点开始", "breakfast"),
    ("breakfast time", "breakfast"),
    ("breakfst", "breakfast"),
    ("wifi密码", "wifi"),
    ("wifi password", "wifi"),
    ("怎么上网", "wifi"),
    ("停车多少钱", "parking"),
    ("parking fee", "parking"),
    ("几点离店", "checkout"),
    ("late checkout", "checkout"),
    ("chekout time", "checkout"),
    ("什么时候可以入住", "checkin"),
    ("early check-in", "checkin"),
    ("接机服务", "airport"),
    ("airport pickup", "airport"),
    ("浦东机场 transfer", "airport"),
    ("健身房开放时间", "gym"),
    ("fitness centre hours", "gym"),
    ("泳池几点关门", "pool"),
    ("swiming pool", "pool"),
    ("洗衣服", "laundry"),
    ("laundry express", "laundry"),
    ("寄存行李", "luggage"),
    ("baggage storage", "luggage"),
    ("可以带狗吗", "pets"),
    ("pets allowed", "pets"),
    ("房间可以抽烟吗", "smoking"),
    ("smoking room", "smoking"),
    ("开发票", "invoice"),
    ("fapiao", "invoice"),
    ("换美元", "currency"),
    ("currency exchange", "currency"),
    ("最近的地铁站", "metro"),
    ("subway station", "metro"),
    ("外滩怎么走", "bund"),
    ("bund lights", "bund"),
    ("room service 菜单", "roomservice"),
    ("保险箱在哪里", "safe"),
    ("wake up call", "wakeup"),
    ("加床多少钱", "extrabed"),
];

fn docs() -> Vec<LiveDoc> {
    let mut out = Vec::new();
    for (topic, zt, zb, et, eb) in TOPICS {
        for (lang, title, body) in [(Lang::Zh, zt, zb), (Lang::En, et, eb)] {
            out.push(LiveDoc {
                article_id: format!("{topic}-{}", lang.code()),
                property_id: String::new(),
                slug: (*topic).to_string(),
                kind: Kind::Faq,
                language: lang,
                version: 1,
                title: (*title).to_string(),
                body: (*body).to_string(),
                tags: Vec::new(),
                effective_from: None,
                effective_until: None,
            });
        }
    }
    out
}

/// The baseline: `WHERE title LIKE '%w%' OR body LIKE '%w%'` for each whitespace-separated
/// word of the query (case-insensitive), ranked by how many words matched, ties in table order.
fn like_baseline(docs: &[LiveDoc], query: &str) -> Vec<String> {
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    let mut scored: Vec<(usize, usize, &LiveDoc)> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let text = format!("{} {}", d.title, d.body).to_lowercase();
            (
                words.iter().filter(|w| text.contains(w.as_str())).count(),
                i,
                d,
            )
        })
        .filter(|(n, _, _)| *n > 0)
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored
        .into_iter()
        .map(|(_, _, d)| d.article_id.clone())
        .collect()
}

/// (nDCG@5, recall@5) of a ranking; relevant: both language versions of the topic.
fn metrics(ranked: &[String], topic: &str) -> (f64, f64) {
    let relevant = |id: &str| id.rsplit_once('-').is_some_and(|(t, _)| t == topic);
    let top: Vec<&String> = ranked.iter().take(5).collect();
    let dcg: f64 = top
        .iter()
        .enumerate()
        .filter(|(_, id)| relevant(id))
        .map(|(i, _)| 1.0 / ((i + 2) as f64).log2())
        .sum();
    let ideal: f64 = (0..2).map(|i| 1.0 / ((i + 2) as f64).log2()).sum();
    let found = top.iter().filter(|id| relevant(id)).count();
    // + 0.0 turns -0.0 into 0.0 for printing.
    (dcg / ideal + 0.0, found as f64 / 2.0)
}

fn main() -> anyhow::Result<()> {
    let docs = docs();
    let index = KbIndex::new()?;
    index.set_synonyms(
        SYNONYMS
            .iter()
            .map(|g| g.iter().map(|t| (*t).to_string()).collect())
            .collect(),
    );
    index.replace_all(docs.clone(), 1)?;
    let (mut kb, mut base) = ((0.0, 0.0), (0.0, 0.0));
    println!("{:<24} {:>12} {:>12}", "query", "kb nDCG@5", "LIKE nDCG@5");
    for (q, topic) in QUERIES {
        let (hits, _) = index.search(&SearchQuery {
            text: (*q).to_string(),
            limit: 5,
            now: 0,
            ..SearchQuery::default()
        })?;
        let ranked: Vec<String> = hits.into_iter().map(|h| h.doc.article_id).collect();
        let m = metrics(&ranked, topic);
        let b = metrics(&like_baseline(&docs, q), topic);
        println!("{q:<24} {:>12.3} {:>12.3}", m.0 + 0.0, b.0 + 0.0);
        kb = (kb.0 + m.0, kb.1 + m.1);
        base = (base.0 + b.0, base.1 + b.1);
    }
    let n = QUERIES.len() as f64;
    println!();
    println!("{} articles, {} queries", docs.len(), QUERIES.len());
    println!(
        "knowledge index (tantivy+jieba): nDCG@5 {:.3}  recall@5 {:.3}",
        kb.0 / n,
        kb.1 / n
    );
    println!(
        "keyword baseline (SQL LIKE):     nDCG@5 {:.3}  recall@5 {:.3}",
        base.0 / n,
        base.1 / n
    );
    Ok(())
}
