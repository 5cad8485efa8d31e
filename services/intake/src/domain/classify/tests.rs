//! Behaviour of the classifier with the chain's default rules.

use super::*;

const P: &str = "hq-shanghai";

fn classify(channel: Channel, text: &str) -> Classification {
    Classifier::default_rules().classify(P, channel, text)
}

fn category(text: &str) -> Category {
    classify(Channel::Website, text).category
}

#[test]
fn default_rules_are_valid() {
    // `default_rules()` silently falls back to an empty rule set; this keeps it unreachable.
    let parsed = Classifier::from_toml(DEFAULT_RULES);
    assert!(parsed.is_ok(), "rules/default.toml: {:?}", parsed.err());
    assert!(!Classifier::default_rules().rules_version(P).is_empty());
}

#[test]
fn every_category_has_a_chinese_and_an_english_case() {
    let cases: &[(Category, &str, &str)] = &[
        (
            Category::RoomRates,
            "下周末海景房什么价位？有没有折扣",
            "What's your best rate for a suite in August?",
        ),
        (
            Category::Reservation,
            "帮我订一间6号的双床房，住三晚",
            "I'd like to cancel my booking for next Tuesday.",
        ),
        (
            Category::CheckInOut,
            "最晚几点要退房",
            "Can I check in at 10am if I arrive early?",
        ),
        (
            Category::Dining,
            "西餐厅晚上有儿童餐吗",
            "Is the hotel restaurant open for lunch on Sundays?",
        ),
        (
            Category::Facilities,
            "泳池和健身房对外开放吗",
            "Is there a sauna next to the fitness centre?",
        ),
        (
            Category::Events,
            "想办一个80人的发布会，有合适的场地吗",
            "Do you have a meeting room with a projector for Thursday?",
        ),
        (
            Category::LocalInfo,
            "去火车站坐地铁方便吗",
            "Is there an ATM or a bank near the hotel?",
        ),
        (
            Category::GuestLookup,
            "请帮我转接一下周先生的房间",
            "Could you put me through to Ms. Rossi, she is staying with you.",
        ),
        (
            Category::MessagesMail,
            "有一个寄给我的包裹到了吗",
            "Please hold any mail that arrives for me until Monday.",
        ),
        (
            Category::Complaint,
            "服务员态度恶劣，我要投诉",
            "The bathroom was filthy and the staff were rude.",
        ),
        (
            Category::Suggestion,
            "建议大堂增加充电宝租借",
            "It would be nice to have a shuttle to the metro.",
        ),
        (
            Category::HotelServices,
            "明早七点叫醒，谢谢",
            "Can I get my shirts dry cleaned by tomorrow?",
        ),
        (
            Category::Other,
            "你们招聘实习生吗",
            "Are you hiring for summer jobs?",
        ),
    ];
    for (want, zh, en) in cases {
        let got = classify(Channel::Website, zh);
        assert_eq!(got.category, *want, "zh: {zh} -> {got:?}");
        assert_eq!(got.language, Language::Zh, "{zh}");
        let got = classify(Channel::Website, en);
        assert_eq!(got.category, *want, "en: {en} -> {got:?}");
        assert_eq!(got.language, Language::En, "{en}");
    }
}

#[test]
fn intent_beats_topic() {
    assert_eq!(
        category("餐厅的菜太难吃了，服务也很差"),
        Category::Complaint
    );
    assert_eq!(
        category("The buffet breakfast was cold and the waiter was rude."),
        Category::Complaint
    );
    assert_eq!(category("建议健身房晚上开到十二点"), Category::Suggestion);
    assert_eq!(
        category("You should consider adding a rowing machine to the gym."),
        Category::Suggestion
    );
    // A plain question that mentions a refund is not a complaint.
    assert_eq!(
        category("If I cancel my reservation, how long does a refund take?"),
        Category::Reservation
    );
    // Asking for advice is not a suggestion.
    assert_eq!(category("附近有什么景点，给点建议"), Category::LocalInfo);
}

#[test]
fn hard_pairs_split_by_topic() {
    assert_eq!(
        category("能安排接机吗，航班晚上9点到"),
        Category::HotelServices
    );
    assert_eq!(category("从机场坐地铁到酒店怎么走"), Category::LocalInfo);
    assert_eq!(
        category("How much is breakfast for children?"),
        Category::Dining
    );
    assert_eq!(
        category("Does the room rate include breakfast?"),
        Category::RoomRates
    );
    assert_eq!(category("早餐多少钱一位"), Category::Dining);
    assert_eq!(category("这个房价含早餐吗"), Category::RoomRates);
}

#[test]
fn social_complaints_go_to_the_complaint_process() {
    // CI-2.5
    let text = "房间太脏了，非常不满意";
    for channel in [
        Channel::SocialWechat,
        Channel::SocialWeibo,
        Channel::SocialDouyin,
    ] {
        let c = classify(channel, text);
        assert_eq!(c.category, Category::Complaint);
        assert!(c.complaint_process, "{channel}");
    }
    let c = classify(Channel::Hotline, text);
    assert_eq!(c.category, Category::Complaint);
    assert!(!c.complaint_process);
    // A social inquiry that is not a complaint does not either.
    assert!(!classify(Channel::SocialWechat, "健身房几点开门").complaint_process);
}

#[test]
fn complaints_are_complex_and_plain_questions_simple() {
    assert_eq!(
        classify(Channel::Email, "Terrible stay, dirty room.").complexity,
        Complexity::Complex
    );
    assert_eq!(
        classify(Channel::Email, "What time is breakfast?").complexity,
        Complexity::Simple
    );
    assert_eq!(
        classify(Channel::Email, "我们团队40人想订房").complexity,
        Complexity::Complex
    );
    assert_eq!(
        classify(Channel::Email, "Room for a group of 25 in May?").complexity,
        Complexity::Complex
    );
    assert_eq!(
        classify(Channel::Email, "Pool? Gym? Spa? Parking?").complexity,
        Complexity::Complex
    );
    let long = "I would like to ask about the room. ".repeat(10);
    assert_eq!(
        classify(Channel::Email, &long).complexity,
        Complexity::Complex
    );
}

#[test]
fn degenerate_input_is_other_and_never_panics() {
    let huge = "🙂房".repeat(200_000) + &"a ".repeat(100_000);
    let odd = [
        "",
        "   ",
        "😀😀😀",
        "？？？",
        "\u{0}\u{FEFF}\u{200B}",
        "ｗｉｆｉ",
        "\u{FF5E}\u{FF01}",
        "1)2)3)",
    ];
    for text in odd {
        let c = classify(Channel::Hotline, text);
        assert!((0.0..=1.0).contains(&c.confidence), "{text:?}");
        if text != "ｗｉｆｉ" {
            assert_eq!(c.category, Category::Other, "{text:?}");
        }
    }
    let c = classify(Channel::Email, "");
    assert!(c.matched_terms.is_empty());
    assert!(c.confidence < 0.3);
    let c = classify(Channel::Email, &huge);
    assert_eq!(c.complexity, Complexity::Complex);
    assert!((0.0..=1.0).contains(&c.confidence));
}

#[test]
fn random_text_never_panics() {
    // Deterministic LCG over a mix of ASCII, CJK, full-width, emoji and combining marks,
    // aimed at the byte-slicing code paths (gaps, headcounts, the scan-prefix cut).
    let pool: Vec<char> = "ab1 9?!*)、人桌间ｗＡ？！　早餐投诉建议留话\u{301}😀\n\t'-"
        .chars()
        .collect();
    let classifier = Classifier::default_rules();
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..300 {
        let mut text = String::new();
        for _ in 0..(seed % 97) {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            text.push(pool[(seed >> 33) as usize % pool.len()]);
        }
        let c = classifier.classify(P, Channel::SocialWeibo, &text);
        assert!((0.0..=1.0).contains(&c.confidence), "{text:?}");
        assert_eq!(
            c.complaint_process,
            c.category == Category::Complaint,
            "{text:?}"
        );
    }
}

#[test]
fn full_width_and_mixed_text() {
    assert_eq!(category("ＷＩＦＩ密码是多少"), Category::HotelServices);
    assert_eq!(
        category("late checkout 到几点不收费呀"),
        Category::CheckInOut
    );
    assert_eq!(
        classify(Channel::Ota, "late checkout 到几点").language,
        Language::Zh
    );
}

#[test]
fn matched_terms_are_best_first_and_confidence_reflects_margin() {
    let c = classify(Channel::Email, "我要投诉，房间太脏");
    assert_eq!(c.matched_terms.first().map(String::as_str), Some("投诉"));
    let clear = classify(
        Channel::Email,
        "gym opening hours, is the fitness centre open now?",
    );
    let vague = classify(Channel::Email, "how much?");
    assert!(
        clear.confidence > vague.confidence,
        "{clear:?} vs {vague:?}"
    );
}

#[test]
fn property_override_applies_only_to_that_property() {
    let over = r#"
        [[category]]
        code = "dining"
        zh = ["云境"]
        en = [{ term = "cloud nine", weight = 2.5 }]
    "#;
    let c = Classifier::default_rules().with_property_override("sh-bund", over);
    let Ok(c) = c else {
        panic!("override rejected: {:?}", c.err())
    };
    assert_eq!(
        c.classify("sh-bund", Channel::Hotline, "Is Cloud Nine open tonight?")
            .category,
        Category::Dining
    );
    assert_eq!(
        c.classify("sh-bund", Channel::Hotline, "云境今天营业吗")
            .category,
        Category::Dining
    );
    assert_eq!(
        c.classify("bj-east", Channel::Hotline, "云境今天营业吗")
            .category,
        Category::Other
    );
}

#[test]
fn property_override_can_remove_a_term() {
    let over = "[[category]]\ncode = \"hotel_services\"\nzh = [{ term = \"宠物\", weight = 0 }]\n";
    let c = Classifier::default_rules().with_property_override("p9", over);
    let Ok(c) = c else { panic!("{:?}", c.err()) };
    assert_eq!(
        c.classify("p9", Channel::Website, "宠物").category,
        Category::Other
    );
    assert_eq!(
        c.classify("p1", Channel::Website, "宠物").category,
        Category::HotelServices
    );
}

#[test]
fn bad_override_names_the_bad_category() {
    let over = "[[category]]\ncode = \"minibar\"\nen = [\"minibar\"]\n";
    let err = Classifier::default_rules()
        .with_property_override("p7", over)
        .err();
    let Some(err) = err else {
        panic!("unknown category accepted")
    };
    assert!(matches!(&err, RulesError::UnknownCategory { code, .. } if code == "minibar"));
    let msg = err.to_string();
    assert!(msg.contains("minibar") && msg.contains("p7"), "{msg}");

    let err = Classifier::from_toml(
        "version = \"1\"\n[[category]]\ncode = \"dining\"\nen = [{ term = \"x\", weight = 1e9 }]",
    )
    .err();
    let msg = err.map(|e| e.to_string()).unwrap_or_default();
    assert!(msg.contains("dining") && msg.contains("`x`"), "{msg}");
}

// ------------------------------------------------------------------------------------------
// Dev-set accuracy. Parsed by hand: the lines are flat objects of string fields, and this
// keeps the test free of a JSON dependency.
// ------------------------------------------------------------------------------------------

const DEV_SET: &str = include_str!("../../../tests/data/classification_dev.jsonl");

struct Labelled {
    text: String,
    channel: Channel,
    category: Category,
    complexity: Complexity,
}

/// Parse `{"k": "v", ...}` with string values only (JSON escapes supported).
fn parse_flat_object(line: &str) -> Option<Vec<(String, String)>> {
    let mut chars = line.trim().chars().peekable();
    let mut fields = Vec::new();
    let skip_ws = |c: &mut std::iter::Peekable<std::str::Chars<'_>>| {
        while c.peek().is_some_and(|c| c.is_whitespace()) {
            c.next();
        }
    };
    let string = |c: &mut std::iter::Peekable<std::str::Chars<'_>>| -> Option<String> {
        if c.next()? != '"' {
            return None;
        }
        let mut s = String::new();
        loop {
            match c.next()? {
                '"' => return Some(s),
                '\\' => match c.next()? {
                    'n' => s.push('\n'),
                    't' => s.push('\t'),
                    'r' => s.push('\r'),
                    'u' => {
                        let hex: String = (0..4).filter_map(|_| c.next()).collect();
                        let mut code = u32::from_str_radix(&hex, 16).ok()?;
                        if (0xD800..0xDC00).contains(&code) {
                            // Surrogate pair: \uD83D\uDE00.
                            let lo: String = (0..6).filter_map(|_| c.next()).collect();
                            let lo = u32::from_str_radix(lo.get(2..)?, 16).ok()?;
                            code = 0x10000 + ((code - 0xD800) << 10) + (lo - 0xDC00);
                        }
                        s.push(char::from_u32(code)?);
                    }
                    other => s.push(other),
                },
                ch => s.push(ch),
            }
        }
    };
    skip_ws(&mut chars);
    if chars.next()? != '{' {
        return None;
    }
    loop {
        skip_ws(&mut chars);
        let key = string(&mut chars)?;
        skip_ws(&mut chars);
        if chars.next()? != ':' {
            return None;
        }
        skip_ws(&mut chars);
        let value = string(&mut chars)?;
        fields.push((key, value));
        skip_ws(&mut chars);
        match chars.next()? {
            ',' => continue,
            '}' => return Some(fields),
            _ => return None,
        }
    }
}

fn dev_set() -> Vec<Labelled> {
    DEV_SET
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, line)| {
            let fields = parse_flat_object(line).unwrap_or_default();
            let get = |k: &str| {
                fields
                    .iter()
                    .find(|(key, _)| key == k)
                    .map(|(_, v)| v.as_str())
                    .unwrap_or_default()
            };
            let (Some(channel), Some(category), Some(complexity)) = (
                Channel::from_code(get("channel")),
                Category::from_code(get("category")),
                Complexity::from_code(get("complexity")),
            ) else {
                panic!("dev set line {}: bad or missing field: {line}", i + 1)
            };
            Labelled {
                text: get("text").to_string(),
                channel,
                category,
                complexity,
            }
        })
        .collect()
}

#[test]
fn dev_set_is_well_formed() {
    let set = dev_set();
    assert!(set.len() >= 150);
    for c in Category::ALL {
        assert!(set.iter().filter(|l| l.category == *c).count() >= 8, "{c}");
    }
    for ch in Channel::ALL {
        assert!(set.iter().any(|l| l.channel == *ch), "{ch}");
    }
}

#[test]
fn dev_set_accuracy() {
    let classifier = Classifier::default_rules();
    let set = dev_set();
    let mut correct = 0;
    let mut complexity_ok = 0;
    for l in &set {
        let got = classifier.classify(P, l.channel, &l.text);
        if got.category == l.category {
            correct += 1;
        }
        if got.complexity == l.complexity {
            complexity_ok += 1;
        }
    }
    let accuracy = correct as f64 / set.len() as f64;
    let cx_accuracy = complexity_ok as f64 / set.len() as f64;
    assert!(accuracy >= 0.85, "category accuracy {accuracy:.3} < 0.85");
    assert!(
        cx_accuracy >= 0.80,
        "complexity accuracy {cx_accuracy:.3} < 0.80"
    );
}
