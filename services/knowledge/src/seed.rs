//! The bilingual starter knowledge base of the demo hotel that `frontdesk dev` serves
//! (property `demo-hotel`): hours, breakfast, Wi-Fi, parking, check-in/out, airport
//! transfer, local sights, two reply templates and a synonym list. Loaded only into a new
//! (empty) database of a deployment serving the demo property, so real deployments and
//! tests never see it.

use crate::domain::{Fields, Kind, Lang, Status};
use crate::store::{self, articles};
use frontdesk_platform::db::Db;
use frontdesk_platform::time::now_micros;

pub const DEMO_PROPERTY: &str = "demo-hotel";

/// (slug, kind, language, title, body, tags)
type Entry = (
    &'static str,
    Kind,
    Lang,
    &'static str,
    &'static str,
    &'static [&'static str],
);

const ARTICLES: &[Entry] = &[
    (
        "hours",
        Kind::Faq,
        Lang::Zh,
        "酒店各营业场所营业时间",
        "前台 24 小时服务。\n中餐厅 11:30-14:00，17:30-21:30（三楼）。\n大堂吧 10:00-24:00。\n健身房 06:00-23:00（五楼），游泳池 06:30-22:00。",
        &["营业时间", "餐厅"],
    ),
    (
        "hours",
        Kind::Faq,
        Lang::En,
        "Opening hours of hotel outlets",
        "Front desk: 24 hours.\nChinese restaurant: 11:30-14:00 and 17:30-21:30 (3rd floor).\nLobby bar: 10:00-24:00.\nGym 06:00-23:00 (5th floor), swimming pool 06:30-22:00.",
        &["hours", "restaurant"],
    ),
    (
        "breakfast",
        Kind::Faq,
        Lang::Zh,
        "早餐时间和地点",
        "自助早餐在二楼花园餐厅供应，时间为每天 06:30-10:30，周末延长至 11:00。含早房型凭房卡用餐，非住店客人 128 元/位。",
        &["早餐", "餐厅"],
    ),
    (
        "breakfast",
        Kind::Faq,
        Lang::En,
        "Breakfast time and place",
        "The buffet breakfast is served in the Garden Restaurant on the 2nd floor, daily 06:30-10:30 (weekends until 11:00). Guests with breakfast included show their room card; others pay 128 yuan.",
        &["breakfast", "restaurant"],
    ),
    (
        "wifi",
        Kind::Faq,
        Lang::Zh,
        "无线网络（Wi-Fi）名称和密码",
        "客房及公共区域的无线网络名称为 DemoHotel-Guest，密码为您的房间号加姓氏拼音（例如 1208wang）。连接问题请拨打 8 转前台。",
        &["wifi", "上网"],
    ),
    (
        "wifi",
        Kind::Faq,
        Lang::En,
        "Wi-Fi network and password",
        "The Wi-Fi network in rooms and public areas is DemoHotel-Guest; the password is your room number followed by your surname (e.g. 1208wang). For connection problems dial 8 for the front desk.",
        &["wifi", "internet"],
    ),
    (
        "parking",
        Kind::Faq,
        Lang::Zh,
        "停车",
        "酒店地下停车场 B1-B2 层，住店客人每晚 50 元，访客每小时 10 元。出场前请在前台登记车牌。",
        &["停车"],
    ),
    (
        "parking",
        Kind::Faq,
        Lang::En,
        "Parking",
        "The underground car park is on levels B1-B2: 50 yuan per night for guests, 10 yuan per hour for visitors. Register your plate at the front desk before leaving.",
        &["parking"],
    ),
    (
        "check-in-out",
        Kind::Policy,
        Lang::Zh,
        "入住和退房时间",
        "入住时间为 14:00 以后，退房时间为 12:00 以前。延迟退房至 14:00 免费（视房态），至 18:00 收取半天房费。提前入住请联系前台。",
        &["入住", "退房"],
    ),
    (
        "check-in-out",
        Kind::Policy,
        Lang::En,
        "Check-in and check-out times",
        "Check-in is from 14:00, check-out by 12:00. Late check-out until 14:00 is free when rooms allow; until 18:00 half a day's rate is charged. Ask the front desk for early check-in.",
        &["check-in", "check-out"],
    ),
    (
        "airport-transfer",
        Kind::Procedure,
        Lang::Zh,
        "机场接送服务",
        "酒店提供浦东机场和虹桥机场接送机服务：轿车 380 元/程，商务车 480 元/程。请至少提前 24 小时通过礼宾部预订，并提供航班号和人数。",
        &["接机", "送机", "礼宾"],
    ),
    (
        "airport-transfer",
        Kind::Procedure,
        Lang::En,
        "Airport transfer",
        "We arrange transfers to and from Pudong and Hongqiao airports: sedan 380 yuan, van 480 yuan per way. Book with the concierge at least 24 hours ahead with your flight number and party size.",
        &["airport", "pickup", "concierge"],
    ),
    (
        "sights",
        Kind::LocalInfo,
        Lang::Zh,
        "周边景点",
        "外滩：步行 10 分钟。豫园：地铁 10 号线一站或打车 10 分钟。南京路步行街：步行 15 分钟。东方明珠：过江隧道或地铁 2 号线陆家嘴站。",
        &["景点", "外滩"],
    ),
    (
        "sights",
        Kind::LocalInfo,
        Lang::En,
        "Sights nearby",
        "The Bund: a 10-minute walk. Yu Garden: one stop on Metro line 10 or a 10-minute taxi ride. Nanjing Road pedestrian street: a 15-minute walk. Oriental Pearl Tower: Metro line 2 to Lujiazui.",
        &["sights", "bund"],
    ),
    (
        "delay-notice",
        Kind::ReplyTemplate,
        Lang::Zh,
        "延迟答复通知",
        "{{guest_name}}您好，您的问题需要我们进一步核实，我们将在{{new_expected_time}}之前答复您，感谢您的耐心。",
        &["延迟", "模板"],
    ),
    (
        "delay-notice",
        Kind::ReplyTemplate,
        Lang::En,
        "Delay notice",
        "Dear {{guest_name}}, your request needs a little more checking; we will reply by {{new_expected_time}}. Thank you for your patience.",
        &["delay", "template"],
    ),
    (
        "transfer-notice",
        Kind::ReplyTemplate,
        Lang::Zh,
        "转交通知",
        "{{guest_name}}您好，您的问题已转交{{department}}处理，预计{{wait}}内与您联系。",
        &["转交", "模板"],
    ),
    (
        "transfer-notice",
        Kind::ReplyTemplate,
        Lang::En,
        "Transfer notice",
        "Dear {{guest_name}}, your request has been passed to {{department}}, who will contact you within {{wait}}.",
        &["transfer", "template"],
    ),
];

const SYNONYMS: &[&[&str]] = &[
    &["退房", "离店", "check-out", "checkout"],
    &["入住", "check-in", "checkin"],
    &["接机", "接送机", "airport pickup", "airport transfer"],
    &["wifi", "wi-fi", "无线网络", "上网", "internet"],
    &["早餐", "早饭", "breakfast"],
    &["停车", "车位", "parking"],
];

/// Loads the starter knowledge base when this deployment serves the demo property and the
/// database has no article yet.
pub async fn load_if_new(db: &Db, properties: &[String]) -> anyhow::Result<()> {
    if !properties.iter().any(|p| p == DEMO_PROPERTY) {
        return Ok(());
    }
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM articles")
        .fetch_one(db.pool())
        .await?;
    if n > 0 {
        return Ok(());
    }
    let mut tx = db.pool().begin().await?;
    let now = now_micros();
    let mut originals: Vec<(&str, String)> = Vec::new();
    for (slug, kind, lang, title, body, tags) in ARTICLES {
        let id = uuid::Uuid::now_v7().to_string();
        let translation_of = originals
            .iter()
            .find(|(s, _)| s == slug)
            .map(|(_, id)| id.clone())
            .unwrap_or_default();
        if translation_of.is_empty() {
            originals.push((slug, id.clone()));
        }
        let fields = Fields {
            slug: (*slug).to_string(),
            kind: Some(*kind),
            language: Some(*lang),
            translation_of,
            title: (*title).to_string(),
            body: (*body).to_string(),
            tags: tags.iter().map(|t| (*t).to_string()).collect(),
            owner_department: "front_office".into(),
            effective_from: None,
            effective_until: None,
            review_by: Some(now + 180 * 86_400 * 1_000_000),
        };
        let head = articles::Head {
            article_id: id.clone(),
            property_id: DEMO_PROPERTY.into(),
            head_version: 1,
            published_version: 1,
            status: Status::Published,
            created_by: "seed".into(),
            created_at: now,
        };
        let version = articles::Version {
            version: 1,
            fields,
            status: Status::Published,
            updated_by: "seed".into(),
            updated_at: now,
        };
        let seq = store::next_seq(&mut tx).await?;
        articles::insert_head(&mut tx, &head, &version.fields, seq).await?;
        articles::insert_version(&mut tx, &id, &version).await?;
    }
    let groups: Vec<Vec<String>> = SYNONYMS
        .iter()
        .map(|g| g.iter().map(|t| (*t).to_string()).collect())
        .collect();
    articles::set_synonyms(&mut tx, &groups, "seed", now).await?;
    tx.commit().await?;
    tracing::info!(articles = ARTICLES.len(), "loaded the demo knowledge base");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::article::validate;
    use crate::domain::render::placeholders;
    use frontdesk_platform::error::Violations;

    #[test]
    fn every_starter_article_is_valid_and_templates_name_their_variables() {
        for (slug, kind, lang, title, body, tags) in ARTICLES {
            let f = Fields {
                slug: (*slug).into(),
                kind: Some(*kind),
                language: Some(*lang),
                title: (*title).into(),
                body: (*body).into(),
                tags: tags.iter().map(|t| (*t).to_string()).collect(),
                ..Fields::default()
            };
            let mut v = Violations::new();
            validate(&f, "article", &mut v);
            assert!(v.is_empty(), "{slug}: {v}");
        }
        let delay: Vec<String> = ARTICLES
            .iter()
            .filter(|a| a.0 == "delay-notice")
            .flat_map(|a| placeholders(a.4))
            .collect();
        assert!(delay.contains(&"new_expected_time".to_string()));
    }
}
