//! Behaviour of the classifier with the chain's default rules.

use super::*;
use training::Labelled;

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
    // On the calibrated scale "nothing to go on" is 0.3 and always goes to a person.
    assert!(c.confidence <= 0.3);
    assert!(c.needs_triage);
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
        c.clone()
            .without_model()
            .classify("bj-east", Channel::Hotline, "云境今天营业吗")
            .category,
        Category::Other
    );
}

#[test]
fn property_override_can_remove_a_term() {
    let over = "[[category]]\ncode = \"hotel_services\"\nzh = [{ term = \"宠物\", weight = 0 }]\n";
    let c = Classifier::default_rules().with_property_override("p9", over);
    let Ok(c) = c else { panic!("{:?}", c.err()) };
    // The rules alone no longer see the term there...
    let rules = c.clone().without_model();
    assert_eq!(
        rules.classify("p9", Channel::Website, "宠物").category,
        Category::Other
    );
    assert_eq!(
        rules.classify("p1", Channel::Website, "宠物").category,
        Category::HotelServices
    );
    // ...and with the model it is no longer a matched rule term (the model may still guess).
    let got = c.classify("p9", Channel::Website, "宠物");
    assert!(!got.matched_terms.iter().any(|t| t == "宠物"), "{got:?}");
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
// Labelled-set accuracy.
// ------------------------------------------------------------------------------------------

const DEV_SET: &str = include_str!("../../../tests/data/classification_dev.jsonl");

fn labelled(src: &str, name: &str) -> Vec<Labelled> {
    training::parse_jsonl(src)
        .into_iter()
        .map(|l| l.unwrap_or_else(|line| panic!("{name} line {line}: bad or missing field")))
        .collect()
}

fn dev_set() -> Vec<Labelled> {
    labelled(DEV_SET, "dev set")
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
fn training_file_is_well_formed() {
    // Malformed lines would be skipped silently at start-up; catch them here instead.
    let set = labelled(TRAINING, "rules/training.jsonl");
    for c in Category::ALL {
        assert!(set.iter().filter(|l| l.category == *c).count() >= 20, "{c}");
    }
}

fn accuracy(classifier: &Classifier, set: &[Labelled]) -> (f64, f64) {
    let mut correct = 0;
    let mut complexity_ok = 0;
    for l in set {
        let got = classifier.classify(P, l.channel, &l.text);
        correct += usize::from(got.category == l.category);
        complexity_ok += usize::from(got.complexity == l.complexity);
    }
    let n = set.len().max(1) as f64;
    (correct as f64 / n, complexity_ok as f64 / n)
}

#[test]
fn dev_set_accuracy() {
    // The dev set is part of the model's training data and the rules were tuned on it, so
    // these are regression floors, not estimates of accuracy on new inquiries (see the
    // cross-validation test below for that).
    let set = dev_set();
    let (acc, cx) = accuracy(&Classifier::default_rules(), &set);
    assert!(acc >= 0.97, "category accuracy {acc:.3} < 0.97");
    assert!(cx >= 0.90, "complexity accuracy {cx:.3} < 0.90");
    let (rules_acc, _) = accuracy(&Classifier::default_rules().without_model(), &set);
    assert!(
        rules_acc >= 0.95,
        "rules-only accuracy {rules_acc:.3} < 0.95"
    );
}

#[test]
fn cross_validated_accuracy() {
    // 5-fold over the whole training file: the model is scored only on inquiries it was
    // not trained on. Measured at ~0.96 when written; the floor leaves room for noise.
    let set = labelled(TRAINING, "rules/training.jsonl");
    let k = 5;
    let mut correct = 0;
    for fold in 0..k {
        let train = set
            .iter()
            .enumerate()
            .filter(|(i, _)| i % k != fold)
            .map(|(_, l)| (l.category, l.channel, l.text.as_str()));
        let c = Classifier::default_rules().with_model_trained_on(train);
        correct += set
            .iter()
            .enumerate()
            .filter(|(i, _)| i % k == fold)
            .filter(|(_, l)| c.classify(P, l.channel, &l.text).category == l.category)
            .count();
    }
    let acc = correct as f64 / set.len() as f64;
    assert!(acc >= 0.92, "5-fold accuracy {acc:.3} < 0.92");
}

#[test]
fn model_backed_classifier_gets_unseen_plain_inquiries_right() {
    // Written for this test, in no labelled file; phrased the way guests write, not the way
    // the rules are. Several match no rule term at all.
    let cases: &[(Category, &str)] = &[
        (Category::RoomRates, "普通双人间一晚上收多少钱呀"),
        (
            Category::Reservation,
            "Can I reserve a double room for the 3rd to the 5th of May?",
        ),
        (Category::CheckInOut, "明天中午十二点前要退房吗"),
        (
            Category::Dining,
            "Do you have a vegetarian option on the dinner menu?",
        ),
        (Category::Facilities, "游泳池晚上开到几点"),
        (
            Category::Events,
            "We'd like to hold our company's annual gala dinner at your hotel.",
        ),
        (Category::LocalInfo, "离酒店最近的地铁站走路要多久"),
        (
            Category::GuestLookup,
            "Could you put me through to my colleague Mr. Fischer's room?",
        ),
        (Category::MessagesMail, "我有个快递寄到酒店，到了帮我收一下"),
        (
            Category::Complaint,
            "房间又脏又吵，前台态度也很差，太失望了",
        ),
        (
            Category::Suggestion,
            "It would be nice if the gym opened earlier in the morning.",
        ),
        (
            Category::HotelServices,
            "Could housekeeping bring two more pillows to my room?",
        ),
        (Category::Other, "你好，我想应聘你们酒店的前台岗位"),
    ];
    let classifier = Classifier::default_rules();
    for (want, text) in cases {
        let got = classifier.classify(P, Channel::Website, text);
        assert_eq!(got.category, *want, "{text} -> {got:?}");
    }
}

#[test]
fn model_decides_when_no_rule_matches() {
    let classifier = Classifier::default_rules();
    let text = "我们一家三口想周末过来玩两天，订一间带阳台的";
    let rules = classifier
        .clone()
        .without_model()
        .classify(P, Channel::Ota, text);
    let both = classifier.classify(P, Channel::Ota, text);
    assert_eq!(
        both.category,
        Category::Reservation,
        "{both:?} (rules: {rules:?})"
    );
    assert!((0.0..=1.0).contains(&both.confidence));
    // Rule terms when the rules decided; `~`-prefixed model features otherwise.
    assert!(!both.matched_terms.is_empty());
}

// ------------------------------------------------------------------------------------------
// Messy inquiries (issue 15). Phrasings written for these tests, in no labelled file.
// ------------------------------------------------------------------------------------------

const MESSY_SET: &str = include_str!("../../../tests/data/classification_messy.jsonl");

#[test]
fn ota_template_words_do_not_outvote_the_question() {
    let c = classify(
        Channel::Ota,
        "Booking.com\nGuest message: Is there a pharmacy close to the hotel?\nBooking number: 5550012345\nGuest name: Ana Silva",
    );
    assert_eq!(c.category, Category::LocalInfo, "{c:?}");
    assert_eq!(c.reservation_ref.as_deref(), Some("5550012345"));
    let c = classify(
        Channel::Ota,
        "【携程】客人留言：几点可以办入住？订单号：3141592653 入住日期：2026-01-02",
    );
    assert_eq!(c.category, Category::CheckInOut, "{c:?}");
    assert_eq!(c.reservation_ref.as_deref(), Some("3141592653"));
    // Without a template the booking words still count, and nothing is taken as a ref.
    let c = classify(Channel::Email, "Please cancel booking 7781, thanks");
    assert_eq!(c.category, Category::Reservation);
    assert_eq!(c.reservation_ref, None);
}

#[test]
fn email_wrappers_are_not_the_question() {
    let c = classify(
        Channel::Email,
        "Dear team,\n\nIs the gym open before 6am?\n\nBest regards,\nKarl Ruud\nSenior Reservations Analyst\n\n> On Tue, Reservations wrote:\n> Your booking is confirmed, we look forward to your reservation.",
    );
    assert_eq!(c.category, Category::Facilities, "{c:?}");
}

#[test]
fn typos_and_homophone_slips_are_tolerated() {
    assert_eq!(
        category("can i cancle my resevation"),
        Category::Reservation
    );
    assert_eq!(
        category("is there a laundary servce"),
        Category::HotelServices
    );
    assert_eq!(category("泳永池开到几点"), Category::Facilities);
    assert_eq!(category("早参有没有粥"), Category::Dining);
    // A real word near a rule word stays itself: "quite" is not "quote".
    let c = classify(Channel::Website, "the room was quite nice, thanks");
    assert!(!c.matched_terms.iter().any(|t| t == "quote"), "{c:?}");
}

#[test]
fn words_inside_longer_words_do_not_match() {
    let c = classify(
        Channel::Email,
        "We need a room for a staff training session for 12 people next Friday",
    );
    assert_eq!(c.category, Category::Events, "{c:?}");
    assert!(!c.matched_terms.iter().any(|t| t == "train"), "{c:?}");
    let c = classify(
        Channel::Email,
        "How far is the immigration office from the hotel? I need a visa extension.",
    );
    assert_eq!(c.category, Category::LocalInfo, "{c:?}");
}

#[test]
fn negated_cues_do_not_count() {
    let c = classify(
        Channel::Website,
        "Not a complaint, just curious: how late is the pool open?",
    );
    assert_eq!(c.category, Category::Facilities, "{c:?}");
    assert_eq!(
        category("We have nothing to book yet, which subway line goes to the zoo?"),
        Category::LocalInfo
    );
    // An A-not-A question is a question, not a negation.
    assert_eq!(
        category("空调是不是坏了，一晚上都不制冷，太差了"),
        Category::Complaint
    );
}

#[test]
fn fraud_compensation_and_praise_are_intents_not_topics() {
    assert_eq!(
        category("你们早餐明明说免费却收了钱，这就是欺诈"),
        Category::Complaint
    );
    assert_eq!(
        category("The laundry ruined my jacket and I expect compensation for it, please reply."),
        Category::Complaint
    );
    assert_eq!(
        category("Just a thought: a water dispenser by the gym would be handy."),
        Category::Suggestion
    );
    // Praise mentioning breakfast is not a dining question...
    assert_eq!(
        category("Lovely stay, the breakfast was superb. See you next time!"),
        Category::Other
    );
    // ...but praise with an idea in it is a suggestion, and with a grievance a complaint.
    assert_eq!(
        category("Lovely stay! Maybe consider adding a kettle to the rooms."),
        Category::Suggestion
    );
    assert_eq!(
        category("Lovely staff, but the bathroom was filthy. Unacceptable."),
        Category::Complaint
    );
}

#[test]
fn uncertain_results_are_flagged_for_triage() {
    // Nothing matched: a guess, for a person to confirm.
    let c = classify(Channel::Website, "qwerty zxcvb");
    assert_eq!(c.category, Category::Other);
    assert!(c.needs_triage, "{c:?}");
    // A clear question is not.
    let c = classify(Channel::Website, "What time does the swimming pool open?");
    assert!(!c.needs_triage, "{c:?}");
    assert!(c.confidence > 0.7, "{c:?}");
    // The threshold is a setting: an override can flag everything for one property.
    let strict = Classifier::default_rules()
        .with_property_override("strict", "[confidence]\ntriage_below = 1.0")
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        strict
            .classify(
                "strict",
                Channel::Website,
                "What time does the swimming pool open?"
            )
            .needs_triage
    );
}

#[test]
fn calibration_must_be_monotone() {
    let e = Classifier::default_rules().with_property_override(
        "p",
        "[confidence]\ncalibration = [[0.0, 0.5], [0.5, 0.2], [1.0, 1.0]]",
    );
    assert!(
        matches!(&e, Err(RulesError::InvalidSetting { setting, .. }) if setting == "confidence.calibration"),
        "{e:?}"
    );
}

#[test]
fn messy_set_accuracy_and_no_confidently_wrong() {
    // The working messy set (never in training). Rules were improved while looking at its
    // misses, so this is a regression floor; the sealed set in BENCHMARKS.md is the estimate.
    let set = labelled(MESSY_SET, "messy set");
    assert!(set.len() >= 150);
    let classifier = Classifier::default_rules();
    let mut correct = 0;
    for l in &set {
        let got = classifier.classify(P, l.channel, &l.text);
        if got.category == l.category {
            correct += 1;
        } else {
            assert!(
                got.confidence <= 0.8,
                "confidently wrong: {} -> {got:?}",
                l.text
            );
        }
    }
    let acc = correct as f64 / set.len() as f64;
    assert!(acc >= 0.95, "messy accuracy {acc:.3} < 0.95");
}
