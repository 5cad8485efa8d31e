//! The KPI math of CI-5.4 over inquiry facts: timeliness by the channel's rule, accuracy from
//! audits, five-level satisfaction, volumes, first-response percentiles, SLA breaches; each
//! rate with its target and gap. Empty denominators give no value (never 0 % or 100 %).

use super::facts::AuditVerdict;
use frontdesk_proto::common::v1::{Category, Channel, Satisfaction};
use std::collections::BTreeMap;

/// How fast a first response must come, by channel class (microseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimelinessRule {
    /// Offline channels: answered on the spot, i.e. recorded within this of creation.
    pub on_the_spot_us: i64,
    pub online_us: i64,
    pub hotline_us: i64,
}

impl Default for TimelinessRule {
    fn default() -> Self {
        TimelinessRule {
            on_the_spot_us: 60_000_000,
            online_us: 3_600_000_000,
            hotline_us: 180_000_000,
        }
    }
}

/// Where a channel's rule comes from (CI-5.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelClass {
    Offline,
    Online,
    Phone,
}

pub fn channel_class(channel: Channel) -> Option<ChannelClass> {
    match channel {
        Channel::FrontDesk | Channel::Restaurant | Channel::Facility => Some(ChannelClass::Offline),
        Channel::Website
        | Channel::Ota
        | Channel::SocialWechat
        | Channel::SocialWeibo
        | Channel::SocialDouyin
        | Channel::Email => Some(ChannelClass::Online),
        Channel::Hotline => Some(ChannelClass::Phone),
        Channel::Unspecified => None,
    }
}

impl TimelinessRule {
    pub fn limit_us(&self, class: ChannelClass) -> i64 {
        match class {
            ChannelClass::Offline => self.on_the_spot_us,
            ChannelClass::Online => self.online_us,
            ChannelClass::Phone => self.hotline_us,
        }
    }

    /// Whether the first response came in time; an unanswered inquiry is not in time.
    pub fn in_time(
        &self,
        channel: Channel,
        created_at: i64,
        first_response_at: Option<i64>,
    ) -> bool {
        match (channel_class(channel), first_response_at) {
            (Some(class), Some(at)) => at.saturating_sub(created_at) <= self.limit_us(class),
            _ => false,
        }
    }
}

/// Targets as fractions (0.95 = 95 %).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Targets {
    pub timeliness: f64,
    pub accuracy: f64,
    pub satisfaction: f64,
    pub quiz: f64,
}

/// One staff member's submitted quiz (CI-4.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuizAttempt {
    pub staff_id: String,
    pub correct: i64,
    pub total: i64,
}

impl Default for Targets {
    fn default() -> Self {
        Targets {
            timeliness: 0.95,
            accuracy: 0.98,
            satisfaction: 0.90,
            quiz: 0.80,
        }
    }
}

/// A ratio with its target; `value` and `gap` are `None` when nothing was counted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub numerator: i64,
    pub denominator: i64,
    pub value: Option<f64>,
    pub target: f64,
    pub gap: Option<f64>,
}

pub fn rate(numerator: i64, denominator: i64, target: f64) -> Rate {
    let value = (denominator > 0).then(|| numerator as f64 / denominator as f64);
    Rate {
        numerator,
        denominator,
        value,
        target,
        gap: value.map(|v| v - target),
    }
}

/// Nearest-rank percentile (`p` in 1 … 100) of sorted values; `None` when empty.
pub fn percentile(sorted: &[i64], p: u32) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    let rank = (u64::from(p.clamp(1, 100)) * n as u64).div_ceil(100) as usize;
    sorted.get(rank.clamp(1, n) - 1).copied()
}

/// One inquiry's facts as the report reads them.
#[derive(Debug, Clone, PartialEq)]
pub struct Fact {
    pub inquiry_id: String,
    pub channel: Channel,
    pub category: Option<Category>,
    pub department: String,
    pub handler: String,
    pub created_at: i64,
    pub first_response_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub satisfaction: Option<Satisfaction>,
    pub audits: Vec<AuditVerdict>,
    pub resolution_due: Option<i64>,
    pub original_resolution_due: Option<i64>,
    pub transfers: i64,
    pub sla_breaches: i64,
}

impl Fact {
    pub fn deadline_moved(&self) -> bool {
        matches!((self.original_resolution_due, self.resolution_due), (Some(o), Some(d)) if o != d)
    }
}

/// The KPIs of a set of inquiries.
#[derive(Debug, Clone, PartialEq)]
pub struct Kpis {
    pub inquiries: i64,
    pub responded: i64,
    pub resolved: i64,
    pub timeliness: Rate,
    pub accuracy: Rate,
    pub satisfaction: Rate,
    /// Very satisfied … very dissatisfied.
    pub levels: [i64; 5],
    pub first_response_p50_us: Option<i64>,
    pub first_response_p90_us: Option<i64>,
    pub sla_breaches: i64,
    pub breached_inquiries: i64,
    pub transfers: i64,
    pub deadlines_moved: i64,
    /// Correct answers / answers in quizzes submitted in the period (CI-4.3, CI-5.5).
    pub quiz_score: Rate,
}

/// Running totals of one report row.
#[derive(Debug, Default, Clone)]
struct Acc {
    inquiries: i64,
    responded: i64,
    resolved: i64,
    in_time: i64,
    audited: i64,
    accurate: i64,
    levels: [i64; 5],
    waits: Vec<i64>,
    sla_breaches: i64,
    breached_inquiries: i64,
    transfers: i64,
    deadlines_moved: i64,
    quiz_correct: i64,
    quiz_answers: i64,
}

impl Acc {
    fn quiz(&mut self, q: &QuizAttempt) {
        self.quiz_correct += q.correct;
        self.quiz_answers += q.total;
    }

    fn add(&mut self, f: &Fact, rule: &TimelinessRule) {
        self.inquiries += 1;
        if let Some(at) = f.first_response_at {
            self.responded += 1;
            self.waits.push(at.saturating_sub(f.created_at).max(0));
        }
        if f.resolved_at.is_some() {
            self.resolved += 1;
        }
        if rule.in_time(f.channel, f.created_at, f.first_response_at) {
            self.in_time += 1;
        }
        if let Some(level) = f.satisfaction.and_then(level_index) {
            self.levels[level] += 1;
        }
        self.sla_breaches += f.sla_breaches;
        self.breached_inquiries += i64::from(f.sla_breaches > 0);
        self.transfers += f.transfers;
        self.deadlines_moved += i64::from(f.deadline_moved());
    }

    fn audit(&mut self, a: &AuditVerdict) {
        self.audited += 1;
        self.accurate += i64::from(a.accurate);
    }

    fn finish(mut self, targets: &Targets) -> Kpis {
        self.waits.sort_unstable();
        let surveyed: i64 = self.levels.iter().sum();
        Kpis {
            inquiries: self.inquiries,
            responded: self.responded,
            resolved: self.resolved,
            timeliness: rate(self.in_time, self.inquiries, targets.timeliness),
            accuracy: rate(self.accurate, self.audited, targets.accuracy),
            satisfaction: rate(
                self.levels[0] + self.levels[1],
                surveyed,
                targets.satisfaction,
            ),
            levels: self.levels,
            first_response_p50_us: percentile(&self.waits, 50),
            first_response_p90_us: percentile(&self.waits, 90),
            sla_breaches: self.sla_breaches,
            breached_inquiries: self.breached_inquiries,
            transfers: self.transfers,
            deadlines_moved: self.deadlines_moved,
            quiz_score: rate(self.quiz_correct, self.quiz_answers, targets.quiz),
        }
    }
}

fn level_index(s: Satisfaction) -> Option<usize> {
    match s {
        Satisfaction::VerySatisfied => Some(0),
        Satisfaction::Satisfied => Some(1),
        Satisfaction::Neutral => Some(2),
        Satisfaction::Dissatisfied => Some(3),
        Satisfaction::VeryDissatisfied => Some(4),
        Satisfaction::Unspecified => None,
    }
}

/// A report's breakdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breakdown {
    Department,
    /// By handler; accuracy by who gave the audited answer.
    Employee,
    Channel,
    Category,
}

fn key(f: &Fact, by: Breakdown) -> String {
    match by {
        Breakdown::Department => f.department.clone(),
        Breakdown::Employee => f.handler.clone(),
        Breakdown::Channel => f.channel.code().unwrap_or_default().to_string(),
        Breakdown::Category => f
            .category
            .and_then(|c| c.code())
            .unwrap_or_default()
            .to_string(),
    }
}

/// A report: the totals and, with a breakdown, one row per key (sorted by key).
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub total: Kpis,
    pub groups: Vec<(String, Kpis)>,
}

pub fn report(
    facts: &[Fact],
    quizzes: &[QuizAttempt],
    rule: &TimelinessRule,
    targets: &Targets,
    by: Option<Breakdown>,
) -> Report {
    let mut total = Acc::default();
    let mut groups: BTreeMap<String, Acc> = BTreeMap::new();
    for f in facts {
        total.add(f, rule);
        for a in &f.audits {
            total.audit(a);
        }
        if let Some(by) = by {
            groups.entry(key(f, by)).or_default().add(f, rule);
            for a in &f.audits {
                let k = if by == Breakdown::Employee {
                    a.responded_by.clone()
                } else {
                    key(f, by)
                };
                groups.entry(k).or_default().audit(a);
            }
        }
    }
    for q in quizzes {
        total.quiz(q);
        // Quizzes belong to a person: only the per-employee rows show them.
        if by == Some(Breakdown::Employee) {
            groups.entry(q.staff_id.clone()).or_default().quiz(q);
        }
    }
    Report {
        total: total.finish(targets),
        groups: groups
            .into_iter()
            .map(|(k, acc)| (k, acc.finish(targets)))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1_000_000;

    fn fact(id: &str, channel: Channel, wait_s: Option<i64>) -> Fact {
        Fact {
            inquiry_id: id.into(),
            channel,
            category: Some(Category::Dining),
            department: "front_office".into(),
            handler: "amy".into(),
            created_at: 1_000 * S,
            first_response_at: wait_s.map(|w| 1_000 * S + w * S),
            resolved_at: None,
            satisfaction: None,
            audits: Vec::new(),
            resolution_due: None,
            original_resolution_due: None,
            transfers: 0,
            sla_breaches: 0,
        }
    }

    #[test]
    fn timeliness_follows_the_channel_rule() {
        let r = TimelinessRule::default();
        let at = |w: i64| Some(w * S);
        // Offline: on the spot.
        assert!(r.in_time(Channel::FrontDesk, 0, at(0)));
        assert!(r.in_time(Channel::Restaurant, 0, at(60)));
        assert!(!r.in_time(Channel::Facility, 0, at(61)));
        // Online: within 1 h.
        assert!(r.in_time(Channel::Website, 0, at(3_600)));
        assert!(!r.in_time(Channel::SocialWechat, 0, at(3_601)));
        assert!(r.in_time(Channel::Email, 0, at(59 * 60)));
        // Hotline: within 3 minutes.
        assert!(r.in_time(Channel::Hotline, 0, at(180)));
        assert!(!r.in_time(Channel::Hotline, 0, at(181)));
        // Unanswered is never in time.
        assert!(!r.in_time(Channel::Hotline, 0, None));
        assert!(!r.in_time(Channel::Unspecified, 0, at(0)));
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        assert_eq!(percentile(&[], 50), None);
        assert_eq!(percentile(&[7], 50), Some(7));
        assert_eq!(percentile(&[7], 90), Some(7));
        let v: Vec<i64> = (1..=10).collect();
        assert_eq!(percentile(&v, 50), Some(5));
        assert_eq!(percentile(&v, 90), Some(9));
        assert_eq!(percentile(&v, 100), Some(10));
        assert_eq!(percentile(&[1, 2, 3], 50), Some(2));
        assert_eq!(percentile(&[1, 2, 3], 90), Some(3));
    }

    #[test]
    fn empty_denominators_have_no_value_and_no_gap() {
        let r = rate(0, 0, 0.95);
        assert_eq!((r.value, r.gap), (None, None));
        let r = rate(3, 4, 0.95);
        assert_eq!(r.value, Some(0.75));
        assert!((r.gap.expect("gap") + 0.20).abs() < 1e-12);
        let empty = report(
            &[],
            &[],
            &TimelinessRule::default(),
            &Targets::default(),
            None,
        );
        assert_eq!(empty.total.inquiries, 0);
        assert_eq!(empty.total.timeliness.value, None);
        assert_eq!(empty.total.accuracy.value, None);
        assert_eq!(empty.total.satisfaction.value, None);
        assert_eq!(empty.total.first_response_p50_us, None);
    }

    #[test]
    fn a_hand_computed_report() {
        let rule = TimelinessRule::default();
        let mut facts = vec![
            fact("a", Channel::Hotline, Some(60)),  // in time
            fact("b", Channel::Hotline, Some(200)), // late
            fact("c", Channel::FrontDesk, Some(0)), // on the spot
            fact("d", Channel::Email, Some(1_800)), // in time
            fact("e", Channel::Website, None),      // unanswered
        ];
        facts[0].satisfaction = Some(Satisfaction::VerySatisfied);
        facts[1].satisfaction = Some(Satisfaction::Dissatisfied);
        facts[2].satisfaction = Some(Satisfaction::Satisfied);
        facts[1].handler = "bob".into();
        facts[1].sla_breaches = 2;
        facts[1].transfers = 1;
        facts[1].resolution_due = Some(9);
        facts[1].original_resolution_due = Some(5);
        facts[0].audits = vec![AuditVerdict {
            response_id: "r1".into(),
            responded_by: "amy".into(),
            accurate: true,
        }];
        facts[1].audits = vec![AuditVerdict {
            response_id: "r2".into(),
            responded_by: "amy".into(),
            accurate: false,
        }];
        let r = report(
            &facts,
            &[],
            &rule,
            &Targets::default(),
            Some(Breakdown::Employee),
        );
        let t = &r.total;
        assert_eq!((t.inquiries, t.responded), (5, 4));
        assert_eq!((t.timeliness.numerator, t.timeliness.denominator), (3, 5));
        assert_eq!(t.timeliness.value, Some(0.6));
        assert_eq!((t.accuracy.numerator, t.accuracy.denominator), (1, 2));
        assert_eq!(
            (t.satisfaction.numerator, t.satisfaction.denominator),
            (2, 3)
        );
        assert_eq!(t.levels, [1, 1, 0, 1, 0]);
        // Waits 0, 60, 200, 1800 s.
        assert_eq!(t.first_response_p50_us, Some(60 * S));
        assert_eq!(t.first_response_p90_us, Some(1_800 * S));
        assert_eq!((t.sla_breaches, t.breached_inquiries), (2, 1));
        assert_eq!((t.transfers, t.deadlines_moved), (1, 1));
        // Per employee: bob handled b, but amy gave both audited answers.
        let keys: Vec<&str> = r.groups.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["amy", "bob"]);
        let amy = &r.groups[0].1;
        let bob = &r.groups[1].1;
        assert_eq!(amy.inquiries, 4);
        assert_eq!(amy.accuracy.denominator, 2);
        assert_eq!(bob.inquiries, 1);
        assert_eq!(bob.accuracy.denominator, 0);
        assert_eq!(bob.timeliness.value, Some(0.0));
    }

    #[test]
    fn breakdown_by_channel_keys_are_codes() {
        let facts = vec![
            fact("a", Channel::Hotline, Some(1)),
            fact("b", Channel::SocialWechat, Some(1)),
        ];
        let r = report(
            &facts,
            &[],
            &TimelinessRule::default(),
            &Targets::default(),
            Some(Breakdown::Channel),
        );
        let keys: Vec<&str> = r.groups.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["hotline", "social_wechat"]);
    }

    #[test]
    fn quiz_scores_count_answers_per_person_and_in_the_total() {
        let q = |who: &str, correct, total| QuizAttempt {
            staff_id: who.into(),
            correct,
            total,
        };
        let quizzes = [q("amy", 1, 2), q("ben", 2, 2), q("amy", 3, 4)];
        let r = report(
            &[],
            &quizzes,
            &TimelinessRule::default(),
            &Targets::default(),
            Some(Breakdown::Employee),
        );
        assert_eq!(
            (r.total.quiz_score.numerator, r.total.quiz_score.denominator),
            (6, 8)
        );
        let amy = &r.groups.iter().find(|(k, _)| k == "amy").expect("amy").1;
        assert_eq!(
            (amy.quiz_score.numerator, amy.quiz_score.denominator),
            (4, 6)
        );
        // By department, quizzes only count in the total (they belong to people).
        let r = report(
            &[],
            &quizzes,
            &TimelinessRule::default(),
            &Targets::default(),
            Some(Breakdown::Department),
        );
        assert!(r.groups.is_empty());
    }
}
