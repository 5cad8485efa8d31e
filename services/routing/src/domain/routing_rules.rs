//! Which department leads an inquiry, as data (CI-2, CI-3.2, CI-3.3, CI-3.5). Ordered rules,
//! first match wins; otherwise simple questions are answered on the spot by the receiving team
//! and complex ones go to the category's owner. The defaults live in
//! `rules/default_routing.toml`; a property overrides them with the same shape. Codes are
//! plain strings so this does not depend on intake's types. Violations name `rules` (the
//! file as a whole), `receiving_team.<channel>`, `category_owner.<category>`,
//! `rule[<index in that file>].<field>` and `disable[<index>]`.

use std::collections::BTreeMap;

use frontdesk_platform::error::Violations;
use serde::{Deserialize, Serialize};

use crate::domain::directory::{CATEGORY_CODES, valid_code};
use crate::domain::rule_match::matches;
use crate::domain::rules_file::parse;

/// Channel codes (intake's `Channel`, CI-2).
pub const CHANNEL_CODES: &[&str] = &[
    "front_desk",
    "restaurant",
    "facility",
    "website",
    "ota",
    "social_wechat",
    "social_weibo",
    "social_douyin",
    "email",
    "hotline",
];

/// Receives inquiries from a channel nobody maps: the front desk is the main window (CI-2.1).
pub const FALLBACK_RECEIVER: &str = "front_office";

/// `rule_id` of a decision that sent an unconfirmed inquiry to the triage desk.
pub const TRIAGE_RULE: &str = "default:triage";

/// Keeps `route` cheap and a rules file reviewable.
pub const MAX_RULES: usize = 200;
/// Largest rules text SetRoutingRules accepts (TOML bytes); the default file is ~5 KB.
pub const MAX_RULES_BYTES: usize = 64 * 1024;

const DEFAULT_TOML: &str = include_str!("../../rules/default_routing.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Complexity {
    Simple,
    Complex,
}

/// What routing needs to know about an inquiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InquiryFacts {
    pub property_id: String,
    pub channel: String,
    pub category: String,
    pub complexity: Complexity,
    pub language: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutingDecision {
    /// Owns the answer (CI-3.5).
    pub lead_department: String,
    /// Convened by the lead; never contains the lead.
    pub participants: Vec<String>,
    /// The receiving team answers now (CI-2, CI-3.2).
    pub on_the_spot: bool,
    /// `rule.id`, or `default:on_the_spot` / `default:category_owner`, for the timeline.
    pub rule_id: String,
    pub reason: String,
}

/// One `[[rule]]`. Matchers are ANDed; a list matches when any of its entries does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complexity: Option<Complexity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Chinese terms match as substrings, ASCII terms as whole words or phrases.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub text_any: Vec<String>,
    /// Says that matching every inquiry is intended.
    #[serde(default, skip_serializing_if = "is_false")]
    pub fallback: bool,
    pub department: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub participants: Vec<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub on_the_spot: bool,
    /// Why the rule exists; becomes the decision's reason.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RoutingRules {
    /// Where an inquiry whose category intake is unsure of waits until a person confirms it
    /// (issue 15); unset: the main window, [`FALLBACK_RECEIVER`].
    #[serde(skip_serializing_if = "Option::is_none")]
    triage_department: Option<String>,
    receiving_team: BTreeMap<String, String>,
    category_owner: BTreeMap<String, String>,
    #[serde(rename = "rule")]
    rules: Vec<Rule>,
}

impl RoutingRules {
    /// The built-in rules. A test proves the file loads; were it ever broken, routing degrades
    /// to "everything to front_office" instead of panicking.
    pub fn default_rules() -> Self {
        Self::from_toml(DEFAULT_TOML).unwrap_or_default()
    }

    /// A complete rules file: every channel has a receiving team.
    pub fn from_toml(s: &str) -> Result<Self, Violations> {
        let mut v = Violations::new();
        let (Some(head), rules) = parse(s, &mut v) else {
            return Err(v);
        };
        if !head.disable.is_empty() {
            v.add("disable", "only an override can disable rules");
        }
        let rules = Self {
            triage_department: head.triage_department,
            receiving_team: head.receiving_team,
            category_owner: head.category_owner,
            rules,
        };
        rules.check_whole(&mut v);
        v.into_result(rules)
    }

    /// Applies a property's edits (same shape, every part optional): map entries replace
    /// ours; a rule with a known id replaces it in place, a new one goes before ours so it
    /// wins; `disable = [ids]` removes rules. Violations name the override's own indexes.
    pub fn with_override(mut self, s: &str) -> Result<Self, Violations> {
        let mut v = Violations::new();
        let (Some(head), rules) = parse(s, &mut v) else {
            return Err(v);
        };
        if head.triage_department.is_some() {
            self.triage_department = head.triage_department;
        }
        self.receiving_team.extend(head.receiving_team);
        self.category_owner.extend(head.category_owner);
        for (i, id) in head.disable.iter().enumerate() {
            let before = self.rules.len();
            self.rules.retain(|r| &r.id != id);
            if self.rules.len() == before {
                v.add(
                    format!("disable[{i}]"),
                    format!("no rule {id:?} to disable"),
                );
            }
        }
        let mut added = Vec::new();
        for rule in rules {
            match self.rules.iter_mut().find(|r| r.id == rule.id) {
                Some(existing) => *existing = rule,
                None => added.push(rule),
            }
        }
        added.append(&mut self.rules);
        self.rules = added;
        self.check_whole(&mut v);
        v.into_result(self)
    }

    /// Every department code used exists at the property (`known`), so nothing is routed to
    /// a department nobody staffs. Unknown channels fall back to front_office, so it must exist.
    pub fn validate(&self, known: &[&str]) -> Result<(), Violations> {
        let mut v = Violations::new();
        let mut need = |field: String, code: &str| {
            if !known.contains(&code) {
                v.add(field, format!("unknown department {code:?}"));
            }
        };
        need("receiving_team".into(), FALLBACK_RECEIVER);
        need("triage_department".into(), self.triage_department());
        for (map, entries) in [
            ("receiving_team", &self.receiving_team),
            ("category_owner", &self.category_owner),
        ] {
            for (key, code) in entries {
                need(format!("{map}.{key}"), code);
            }
        }
        for (i, r) in self.rules.iter().enumerate() {
            need(format!("rule[{i}].department"), &r.department);
            for p in &r.participants {
                need(format!("rule[{i}].participants"), p);
            }
        }
        v.into_result(())
    }

    /// The current rules in the file's format, for showing and editing.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_default()
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn receiving_team(&self, channel: &str) -> &str {
        self.receiving_team
            .get(channel)
            .map_or(FALLBACK_RECEIVER, String::as_str)
    }

    /// The triage desk: who confirms a category intake is unsure of.
    pub fn triage_department(&self) -> &str {
        self.triage_department
            .as_deref()
            .unwrap_or(FALLBACK_RECEIVER)
    }

    /// An inquiry intake flagged `needs_triage`: its category is not relied on. A rule that
    /// does not read the category (channel, language, text: a VIP cue, a social-media
    /// complaint word) still decides; otherwise the triage desk confirms or corrects the
    /// category, and the correction routes it. Fallback rules match anything, so they do
    /// not count as a decision here.
    pub fn route_unconfirmed(&self, facts: &InquiryFacts) -> RoutingDecision {
        let text = facts.text.to_lowercase();
        if let Some(rule) = self
            .rules
            .iter()
            .find(|r| r.categories.is_empty() && !r.fallback && matches(r, facts, &text))
        {
            return decision_of(rule);
        }
        let desk = self.triage_department().to_string();
        RoutingDecision {
            reason: format!(
                "needs triage: the category ({}) is unconfirmed; {desk} confirms or corrects it \
                 before routing relies on it",
                facts.category
            ),
            lead_department: desk,
            participants: Vec::new(),
            on_the_spot: false,
            rule_id: TRIAGE_RULE.into(),
        }
    }

    pub fn category_owner(&self, category: &str) -> Option<&str> {
        self.category_owner.get(category).map(String::as_str)
    }

    /// Total: any facts, even garbage, get a decision.
    /// Whether any rule reads the inquiry's text (then routing asks intake for it: events
    /// carry no free text).
    pub fn uses_text(&self) -> bool {
        self.rules.iter().any(|r| !r.text_any.is_empty())
    }

    pub fn route(&self, facts: &InquiryFacts) -> RoutingDecision {
        let text = facts.text.to_lowercase();
        if let Some(rule) = self.rules.iter().find(|r| matches(r, facts, &text)) {
            return decision_of(rule);
        }
        let receiver = self.receiving_team(&facts.channel).to_string();
        if facts.complexity == Complexity::Simple {
            return RoutingDecision {
                reason: format!("simple question: {receiver} answers on the spot (CI-3.2)"),
                lead_department: receiver,
                participants: Vec::new(),
                on_the_spot: true,
                rule_id: "default:on_the_spot".into(),
            };
        }
        // CI-3.3: the receiver hands the inquiry over with a transfer slip; it does not stay
        // on as a participant.
        let (lead, reason) = match self.category_owner(&facts.category) {
            Some(owner) if owner != receiver => (
                owner.to_string(),
                format!(
                    "complex {} question: transferred from {receiver} to {owner} (CI-3.3)",
                    facts.category
                ),
            ),
            _ => (
                receiver.clone(),
                format!(
                    "complex {} question: {receiver} verifies and answers (CI-3.2)",
                    facts.category
                ),
            ),
        };
        RoutingDecision {
            lead_department: lead,
            participants: Vec::new(),
            on_the_spot: false,
            rule_id: "default:category_owner".into(),
            reason,
        }
    }

    /// Checks that need the merged whole: map keys and values, size.
    fn check_whole(&self, v: &mut Violations) {
        for c in CHANNEL_CODES {
            if !self.receiving_team.contains_key(*c) {
                v.add(
                    format!("receiving_team.{c}"),
                    "required: who answers this channel",
                );
            }
        }
        for (map, entries, keys) in [
            ("receiving_team", &self.receiving_team, CHANNEL_CODES),
            ("category_owner", &self.category_owner, CATEGORY_CODES),
        ] {
            for (key, code) in entries {
                if !keys.contains(&key.as_str()) {
                    v.add(
                        format!("{map}.{key}"),
                        format!("{key:?} is not a known code"),
                    );
                } else if !valid_code(code) {
                    v.add(
                        format!("{map}.{key}"),
                        format!("{code:?} is not a department code"),
                    );
                }
            }
        }
        if let Some(code) = &self.triage_department
            && !valid_code(code)
        {
            v.add(
                "triage_department",
                format!("{code:?} is not a department code"),
            );
        }
        // Duplicate ids are caught per file in `parse`; merging cannot create new ones.
        if self.rules.len() > MAX_RULES {
            v.add("rule", format!("at most {MAX_RULES} rules"));
        }
    }
}

/// What a matching rule decides.
fn decision_of(rule: &Rule) -> RoutingDecision {
    let mut participants: Vec<String> = Vec::new();
    for p in &rule.participants {
        if *p != rule.department && !participants.contains(p) {
            participants.push(p.clone());
        }
    }
    let reason = if rule.note.is_empty() {
        format!("rule {}: {} leads", rule.id, rule.department)
    } else {
        rule.note.clone()
    };
    RoutingDecision {
        lead_department: rule.department.clone(),
        participants,
        on_the_spot: rule.on_the_spot,
        rule_id: rule.id.clone(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::defaults::DEFAULT_DEPARTMENTS;
    use crate::domain::rule_match::has_term;

    fn facts(channel: &str, category: &str, complexity: Complexity, text: &str) -> InquiryFacts {
        InquiryFacts {
            property_id: "sh-bund".into(),
            channel: channel.into(),
            category: category.into(),
            complexity,
            language: "zh".into(),
            text: text.into(),
        }
    }

    fn route(channel: &str, category: &str, complexity: Complexity, text: &str) -> RoutingDecision {
        RoutingRules::default_rules().route(&facts(channel, category, complexity, text))
    }

    fn fields(r: Result<RoutingRules, Violations>) -> Vec<String> {
        r.expect_err("invalid").fields().map(String::from).collect()
    }

    #[test]
    fn unconfirmed_categories_go_to_the_triage_desk_a_property_may_name() {
        let facts = InquiryFacts {
            property_id: "p".into(),
            channel: "email".into(),
            category: "complaint".into(),
            complexity: Complexity::Complex,
            language: "en".into(),
            text: String::new(),
        };
        let d = RoutingRules::default_rules().route_unconfirmed(&facts);
        assert_eq!(d.lead_department, "front_office");
        assert_eq!(d.rule_id, TRIAGE_RULE);
        assert!(d.reason.contains("needs triage"), "{}", d.reason);
        // A rule that does not read the category still decides: a complaint word on
        // social media is a complaint whatever intake guessed.
        let social = InquiryFacts {
            channel: "social_weibo".into(),
            text: "terrible service".into(),
            ..facts.clone()
        };
        assert_eq!(
            RoutingRules::default_rules()
                .route_unconfirmed(&social)
                .rule_id,
            "social_negative_feedback"
        );
        let r = RoutingRules::default_rules()
            .with_override("triage_department = \"guest_relations\"")
            .expect("override");
        assert_eq!(
            r.route_unconfirmed(&facts).lead_department,
            "guest_relations"
        );
        assert!(
            r.to_toml()
                .contains("triage_department = \"guest_relations\"")
        );
        let err = r.validate(&["front_office"]).expect_err("unknown desk");
        assert!(err.iter().any(|(f, _)| f == "triage_department"));
    }

    #[test]
    fn default_rules_load_and_name_only_default_departments() {
        let rules = RoutingRules::from_toml(DEFAULT_TOML).expect("default rules load");
        assert!(!rules.rules().is_empty());
        let known: Vec<&str> = DEFAULT_DEPARTMENTS.iter().map(|d| d.0).collect();
        assert_eq!(rules.validate(&known), Ok(()));
        assert_eq!(RoutingRules::default_rules(), rules);
    }

    #[test]
    fn simple_questions_are_answered_on_the_spot_by_each_channels_team() {
        let expected = [
            ("front_desk", "front_office"),
            ("restaurant", "food_beverage"),
            ("facility", "recreation"),
            ("website", "sales_marketing"),
            ("ota", "sales_marketing"),
            ("social_wechat", "social_media"),
            ("social_weibo", "social_media"),
            ("social_douyin", "social_media"),
            ("email", "administration"),
            ("hotline", "call_center"),
        ];
        for (channel, team) in expected {
            let d = route(channel, "dining", Complexity::Simple, "早餐几点开始?");
            assert_eq!(d.lead_department, team, "{channel}");
            assert!(d.on_the_spot && d.participants.is_empty(), "{channel}");
            assert_eq!(d.rule_id, "default:on_the_spot");
        }
    }

    #[test]
    fn complex_questions_go_to_the_category_owner_without_the_receiver() {
        let expected = [
            ("room_rates", "sales_marketing"),
            ("reservation", "front_office"),
            ("check_in_out", "front_office"),
            ("dining", "food_beverage"),
            ("facilities", "recreation"),
            ("local_info", "concierge"),
            ("guest_lookup", "front_office"),
            ("messages_mail", "front_office"),
            ("suggestion", "guest_relations"),
            ("hotel_services", "concierge"),
            ("other", "call_center"),
        ];
        for (category, owner) in expected {
            let d = route("hotline", category, Complexity::Complex, "需要核实一下");
            assert_eq!(d.lead_department, owner, "{category}");
            assert!(!d.on_the_spot && d.participants.is_empty(), "{category}");
            assert_eq!(d.rule_id, "default:category_owner");
        }
    }

    #[test]
    fn social_media_complaints_join_the_complaint_process() {
        let d = route(
            "social_weibo",
            "complaint",
            Complexity::Simple,
            "房间不干净",
        );
        assert_eq!(d.lead_department, "guest_relations");
        assert_eq!(d.participants, ["social_media"]);
        assert_eq!(d.rule_id, "social_complaint");
        assert!(!d.on_the_spot);
        // Negative feedback filed under another category (CI-2.5).
        let d = route(
            "social_douyin",
            "dining",
            Complexity::Simple,
            "Worst breakfast ever",
        );
        assert_eq!(d.rule_id, "social_negative_feedback");
        assert_eq!(d.participants, ["social_media"]);
    }

    #[test]
    fn hotline_complaints_are_handed_to_guest_relations() {
        let d = route("hotline", "complaint", Complexity::Simple, "空调太吵");
        assert_eq!(d.lead_department, "guest_relations");
        assert!(d.participants.is_empty() && !d.on_the_spot);
        assert_eq!(d.rule_id, "complaint");
    }

    #[test]
    fn events_and_multi_department_questions_have_a_lead_that_convenes() {
        let d = route(
            "website",
            "events",
            Complexity::Complex,
            "秋季婚宴，另需20间客房",
        );
        assert_eq!(d.lead_department, "banquets_conferences");
        assert_eq!(d.participants, ["sales_marketing", "food_beverage"]);
        assert_eq!(d.rule_id, "event_with_rooms");
        let d = route(
            "email",
            "reservation",
            Complexity::Simple,
            "Rooms for our Wedding guests",
        );
        assert_eq!(d.rule_id, "rooms_for_event");
        let d = route(
            "email",
            "events",
            Complexity::Complex,
            "Need a meeting room for 40",
        );
        assert_eq!(d.rule_id, "event_complex");
        assert_eq!(d.participants, ["food_beverage"]);
    }

    #[test]
    fn hotel_services_split_by_text_cues_and_outlets_send_room_questions_to_the_desk() {
        let d = route(
            "hotline",
            "hotel_services",
            Complexity::Complex,
            "西装需要干洗",
        );
        assert_eq!(d.lead_department, "housekeeping");
        let d = route(
            "front_desk",
            "hotel_services",
            Complexity::Complex,
            "The AC is not working",
        );
        assert_eq!(d.lead_department, "engineering");
        let d = route(
            "restaurant",
            "reservation",
            Complexity::Simple,
            "还有空房吗",
        );
        assert_eq!(
            (d.lead_department.as_str(), d.on_the_spot),
            ("front_office", false)
        );
    }

    #[test]
    fn ascii_terms_match_whole_words_chinese_terms_substrings() {
        assert!(has_term("need a guest room, please", "Guest Room"));
        assert!(!has_term("the bathroom leaks", "room"));
        assert!(has_term("婚宴wedding套餐", "wedding"));
        assert!(has_term("明天的婚宴", "婚宴"));
        assert!(!has_term("anything", " "));
    }

    #[test]
    fn an_override_rule_wins_and_maps_are_merged() {
        let rules = RoutingRules::default_rules()
            .with_override(
                r#"
                disable = ["outlet_out_of_remit"]
                [receiving_team]
                email = "front_office"
                [[rule]]
                id = "vip_lookup"
                categories = ["guest_lookup", "complaint"]
                text_any = ["VIP"]
                department = "guest_relations"
                participants = ["front_office"]
                "#,
            )
            .expect("valid override");
        let d = rules.route(&facts(
            "hotline",
            "complaint",
            Complexity::Simple,
            "VIP waited",
        ));
        assert_eq!(d.rule_id, "vip_lookup");
        assert_eq!(d.participants, ["front_office"]);
        assert_eq!(rules.receiving_team("email"), "front_office");
        assert!(rules.rules().iter().all(|r| r.id != "outlet_out_of_remit"));
        // Same id: replaced in place, order kept.
        let rules = RoutingRules::default_rules()
            .with_override("[[rule]]\nid = \"complaint\"\ncategories = [\"complaint\"]\ndepartment = \"front_office\"")
            .expect("valid override");
        assert_eq!(rules.rules()[2].department, "front_office");
        assert_eq!(
            rules.rules().len(),
            RoutingRules::default_rules().rules().len()
        );
    }

    #[test]
    fn violations_name_the_rule_index_and_field() {
        let bad = r#"
            [[rule]]
            id = "spa"
            channels = ["fax"]
            categories = ["spa"]
            department = "Spa Team"
            participants = ["spa_team", "spa_team"]
            [[rule]]
            id = "everything"
            department = "front_office"
            [[rule]]
            id = "spa"
            complexity = "hard"
            department = "front_office"
        "#;
        let got = fields(RoutingRules::default_rules().with_override(bad));
        assert_eq!(
            got,
            [
                "rule[0].channels",
                "rule[0].categories",
                "rule[0].department",
                "rule[0].participants",
                "rule[1].fallback",
                "rule[2].complexity",
            ]
        );
        let got = fields(RoutingRules::default_rules().with_override(
            "disable = [\"nope\"]\n[[rule]]\nid = \"a1\"\nfallback = true\ncategories = [\"other\"]\ndepartment = \"x1\"\n[[rule]]\nid = \"a1\"\nfallback = true\ndepartment = \"x1\"",
        ));
        assert_eq!(got, ["rule[0].fallback", "rule[1].id", "disable[0]"]);
        let got = fields(RoutingRules::from_toml(
            "[receiving_team]\nfax = \"front_office\"",
        ));
        assert_eq!(got.len(), CHANNEL_CODES.len() + 1);
        assert!(got.contains(&"receiving_team.fax".to_string()));
        let got = fields(RoutingRules::default_rules().with_override(
            "[[rule]]\nid = \"a1\"\ndepartmnt = \"x1\"\n[[rule]]\nid = \"a2\"\n\
             channels = \"hotline\"\ndepartment = \"x1\"\n[[rule]]\nid = \"a3\"",
        ));
        assert_eq!(got, ["rule[0]", "rule[1].channels", "rule[2].department"]);
        assert_eq!(fields(RoutingRules::from_toml("rule = 3 [")), ["rules"]);
        assert_eq!(fields(RoutingRules::from_toml("colour = 3")), ["rules"]);
    }

    #[test]
    fn validate_names_departments_the_property_lacks() {
        let rules = RoutingRules::default_rules();
        let err = rules
            .validate(&["front_office", "food_beverage"])
            .expect_err("missing departments");
        let got: Vec<&str> = err.fields().collect();
        assert!(got.contains(&"receiving_team.hotline"));
        assert!(got.contains(&"category_owner.events"));
        assert!(got.contains(&"rule[0].department"));
        assert!(got.contains(&"rule[0].participants"));
        assert!(!got.contains(&"receiving_team.front_desk"));
    }

    #[test]
    fn a_fallback_rule_catches_what_no_other_rule_does() {
        let rules = RoutingRules::default_rules()
            .with_override("[[rule]]\nid = \"all_to_desk\"\nfallback = true\ndepartment = \"front_office\"\non_the_spot = true")
            .expect("valid override");
        let d = rules.route(&facts("email", "dining", Complexity::Complex, ""));
        assert_eq!((d.rule_id.as_str(), d.on_the_spot), ("all_to_desk", true));
    }

    #[test]
    fn a_language_rule_matches_only_that_language() {
        let rules = RoutingRules::default_rules()
            .with_override(
                "[[rule]]\nid = \"en_desk\"\nlanguage = \"en\"\nchannels = [\"hotline\"]\n\
                 department = \"front_office\"\non_the_spot = true",
            )
            .expect("valid override");
        let mut f = facts("hotline", "dining", Complexity::Complex, "");
        assert_eq!(rules.route(&f).rule_id, "default:category_owner");
        f.language = "EN".into();
        assert_eq!(rules.route(&f).rule_id, "en_desk");
    }

    #[test]
    fn garbage_facts_still_get_a_decision() {
        let rules = RoutingRules::default_rules();
        for complexity in [Complexity::Simple, Complexity::Complex] {
            let d = rules.route(&facts("", "", complexity, ""));
            assert_eq!(d.lead_department, FALLBACK_RECEIVER);
            let d = rules.route(&facts("carrier_pigeon", "🐦", complexity, "\u{0}ǅ İ ß"));
            assert_eq!(d.lead_department, FALLBACK_RECEIVER);
        }
        let empty = RoutingRules::default();
        let d = empty.route(&facts("hotline", "events", Complexity::Complex, "wedding"));
        assert_eq!(d.lead_department, FALLBACK_RECEIVER);
    }

    #[test]
    fn to_toml_round_trips() {
        let rules = RoutingRules::default_rules();
        let shown = rules.to_toml();
        assert!(shown.contains("[[rule]]"));
        assert_eq!(RoutingRules::from_toml(&shown), Ok(rules));
        // What managers are shown says what the rules file says, in its words.
        let v: toml::Value = toml::from_str(&shown).expect("toml");
        assert_eq!(v["receiving_team"]["hotline"].as_str(), Some("call_center"));
        assert_eq!(
            v["receiving_team"]["front_desk"].as_str(),
            Some("front_office")
        );
        assert_eq!(
            v["category_owner"]["events"].as_str(),
            Some("banquets_conferences")
        );
        assert_eq!(v["rule"][0]["id"].as_str(), Some("social_complaint"));
    }
}
