use super::*;

fn doc(id: &str, property: &str, slug: &str, lang: Lang, title: &str, body: &str) -> LiveDoc {
    LiveDoc {
        article_id: id.into(),
        property_id: property.into(),
        slug: slug.into(),
        kind: Kind::Faq,
        language: lang,
        version: 1,
        title: title.into(),
        body: body.into(),
        tags: Vec::new(),
        effective_from: None,
        effective_until: None,
    }
}

fn query(text: &str, property: &str) -> SearchQuery {
    SearchQuery {
        text: text.into(),
        property_id: property.into(),
        limit: 10,
        now: 1_000,
        ..SearchQuery::default()
    }
}

fn ids(index: &KbIndex, text: &str, property: &str) -> Vec<String> {
    index
        .search(&query(text, property))
        .expect("search")
        .0
        .into_iter()
        .map(|h| h.doc.article_id)
        .collect()
}

fn sample() -> KbIndex {
    let index = KbIndex::new().expect("index");
    index
        .replace_all(
            vec![
                doc(
                    "wifi",
                    "a",
                    "wifi",
                    Lang::Zh,
                    "无线网络",
                    "无线网络密码是房间号。",
                ),
                doc(
                    "bf",
                    "",
                    "breakfast",
                    Lang::En,
                    "Breakfast",
                    "Breakfast is served from 06:30.",
                ),
                doc(
                    "bf-a",
                    "a",
                    "breakfast",
                    Lang::En,
                    "Breakfast at A",
                    "Breakfast at A starts at 07:00.",
                ),
                doc(
                    "b-only",
                    "b",
                    "gym",
                    Lang::En,
                    "Gym",
                    "The gym is on floor 3.",
                ),
            ],
            4,
        )
        .expect("build");
    index
}

#[test]
fn chinese_words_mixed_queries_and_typos() {
    let index = sample();
    assert_eq!(ids(&index, "密码", "a"), ["wifi"]);
    assert_eq!(ids(&index, "wifi密码", "a"), ["wifi"]);
    assert_eq!(ids(&index, "breakfst", "b"), ["bf"]);
    assert_eq!(index.sequence(), 4);
}

#[test]
fn properties_see_their_own_and_override_the_chain() {
    let index = sample();
    assert_eq!(ids(&index, "breakfast", "a"), ["bf-a"]);
    assert_eq!(ids(&index, "breakfast", "b"), ["bf"]);
    assert!(ids(&index, "gym", "a").is_empty());
    assert!(ids(&index, "无线网络", "b").is_empty());
}

#[test]
fn changes_apply_in_order_and_dates_filter() {
    let index = sample();
    let mut later = doc("spa", "a", "spa", Lang::En, "Spa", "The spa opens soon.");
    later.effective_from = Some(2_000);
    index
        .apply(
            vec![Change::Remove("bf-a".into()), Change::Upsert(later)],
            6,
        )
        .expect("apply");
    assert_eq!(ids(&index, "breakfast", "a"), ["bf"]);
    assert!(ids(&index, "spa", "a").is_empty());
    let mut q = query("spa", "a");
    q.now = 2_000;
    assert_eq!(index.search(&q).expect("search").0.len(), 1);
    assert_eq!(index.sequence(), 6);
    assert_eq!(index.indexed(), 4);
}

#[test]
fn synonyms_widen_the_query() {
    let index = sample();
    assert!(ids(&index, "wlan", "a").is_empty());
    index.set_synonyms(vec![vec!["wlan".into(), "无线网络".into()]]);
    assert_eq!(ids(&index, "wlan", "a"), ["wifi"]);
}

#[test]
fn pages_follow_each_other() {
    let index = sample();
    let mut q = query("breakfast gym 无线网络", "a");
    q.limit = 1;
    let (first, more) = index.search(&q).expect("search");
    assert!(more);
    q.offset = 1;
    let (second, _) = index.search(&q).expect("search");
    assert_ne!(first[0].doc.article_id, second[0].doc.article_id);
}

#[test]
fn a_synonym_counts_once_and_the_query_script_is_preferred() {
    let index = KbIndex::new().expect("index");
    index
        .replace_all(
            vec![
                doc("zh", "a", "co", Lang::Zh, "入住和退房时间", "入住时间为 14:00 以后，退房时间为 12:00 以前。延迟退房请联系前台。"),
                doc("en", "a", "co", Lang::En, "Check-in and check-out times", "Check-in is from 14:00, check-out by 12:00. Late check-out until 14:00 is free."),
            ],
            2,
        )
        .expect("build");
    index.set_synonyms(vec![vec![
        "退房".into(),
        "离店".into(),
        "check-out".into(),
        "checkout".into(),
    ]]);
    let (hits, _) = index.search(&query("几点离店", "a")).expect("search");
    let got: Vec<(String, f32)> = hits
        .iter()
        .map(|h| (h.doc.article_id.clone(), h.score))
        .collect();
    assert_eq!(got.first().map(|g| g.0.as_str()), Some("zh"), "{got:?}");
    let (hits, _) = index.search(&query("late checkout", "a")).expect("search");
    assert_eq!(hits[0].doc.article_id, "en");
}

#[test]
fn an_article_applied_again_stays_searchable_once() {
    let index = sample();
    for seq in 5..8 {
        let d = doc(
            "bf",
            "",
            "breakfast",
            Lang::En,
            "Breakfast",
            "Breakfast is served from 06:30.",
        );
        index.apply(vec![Change::Upsert(d)], seq).expect("apply");
        assert_eq!(ids(&index, "breakfast", "b"), ["bf"], "after {seq}");
    }
    assert_eq!(index.indexed(), 4);
}

#[test]
fn language_and_kind_narrow_the_search() {
    let index = KbIndex::new().expect("index");
    let mut policy = doc("p", "", "pets", Lang::En, "Pets", "Pets stay free.");
    policy.kind = Kind::Policy;
    index
        .replace_all(
            vec![
                doc("faq", "", "pets-faq", Lang::En, "Pets", "Dogs are welcome."),
                policy,
                doc("zh", "", "pets-zh", Lang::Zh, "宠物 pets", "可以带宠物。"),
            ],
            3,
        )
        .expect("build");
    let mut q = query("pets", "a");
    q.kinds = vec![Kind::Policy];
    let got: Vec<String> = index
        .search(&q)
        .expect("search")
        .0
        .into_iter()
        .map(|h| h.doc.article_id)
        .collect();
    assert_eq!(got, ["p"]);
    let mut q = query("pets", "a");
    q.language = Some(Lang::Zh);
    let got: Vec<String> = index
        .search(&q)
        .expect("search")
        .0
        .into_iter()
        .map(|h| h.doc.article_id)
        .collect();
    assert_eq!(got, ["zh"]);
}

#[test]
fn snippets_mark_the_query_words_in_both_scripts() {
    let index = KbIndex::new().expect("index");
    index
        .replace_all(
            vec![
                doc(
                    "zh",
                    "",
                    "wifi",
                    Lang::Zh,
                    "无线网络",
                    "房间里的无线网络密码是房间号。",
                ),
                doc(
                    "en",
                    "",
                    "co",
                    Lang::En,
                    "Check-out",
                    "Late check-out until 14:00; breakfasts are served.",
                ),
            ],
            2,
        )
        .expect("build");
    let (hits, _) = index.search(&query("wifi密码", "")).expect("search");
    assert!(
        hits[0].snippet.contains("<mark>密码</mark>"),
        "{}",
        hits[0].snippet
    );
    index.set_synonyms(vec![vec!["退房".into(), "check-out".into()]]);
    let (hits, _) = index.search(&query("退房 breakfast", "")).expect("search");
    let s = &hits[0].snippet;
    assert!(s.contains("<mark>check-out</mark>"), "{s}");
    assert!(s.contains("<mark>breakfasts</mark>"), "{s}");
}
