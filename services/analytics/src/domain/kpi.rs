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

/// How a wait (first response, handling) is kept in the rollups: rounded up to two
/// significant digits of microseconds (exact below 100 µs; 1.23 s → 1.3 s; 61 min 40 s →
/// 62 min). Why buckets and not the exact values: a day's rollup row must stay the same size
/// however many inquiries it counts, or a month's report reads as many values as inquiries
/// (what the rollups are there to avoid). Two significant digits give at most 90 buckets a
/// decade — a busy day's waits from seconds to hours fit in a few hundred — and an error of
/// at most 10 % (at the bottom of a decade: 10.01 s → 11 s), under 2 % from the middle of a
/// decade on, always upwards: finer than a manager reads a p50 or p90. Rounding up keeps
/// "p90 ≤ the SLA" honest: a bucket never claims a wait shorter than it was.
pub fn wait_bucket(us: i64) -> i64 {
    let us = us.max(0);
    if us < 100 {
        return us;
    }
    // The unit of the second significant digit: 10^(digits − 2).
    let mut unit = 1_i64;
    while us / unit >= 100 {
        unit *= 10;
    }
    (us.saturating_add(unit - 1) / unit).saturating_mul(unit)
}

/// A distribution of waits: bucket (see [`wait_bucket`]) → how many.
pub type Histogram = BTreeMap<i64, i64>;

/// Nearest-rank percentile (`p` in 1 … 100) of a histogram; `None` when empty.
pub fn percentile(h: &Histogram, p: u32) -> Option<i64> {
    let n: i64 = h.values().sum();
    if n <= 0 {
        return None;
    }
    let rank = (i64::from(p.clamp(1, 100)) * n + 99) / 100;
    let mut seen = 0;
    for (bucket, count) in h {
        seen += count;
        if seen >= rank.max(1) {
            return Some(*bucket);
        }
    }
    h.keys().next_back().copied()
}

/// Adds `sign` × `other` into `h`, dropping buckets that reach zero.
fn merge_histogram(h: &mut Histogram, other: &Histogram, sign: i64) {
    for (bucket, count) in other {
        let c = h.entry(*bucket).or_insert(0);
        *c += sign * count;
        if *c == 0 {
            h.remove(bucket);
        }
    }
}

/// A histogram as the rollups store it: "bucket:count" pairs, comma-separated, ascending.
pub fn encode_histogram(h: &Histogram) -> String {
    let mut out = String::new();
    for (bucket, count) in h {
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(&format!("{bucket}:{count}"));
    }
    out
}

/// The stored form back; an error names what is wrong (a damaged row is not guessed at).
pub fn decode_histogram(s: &str) -> Result<Histogram, String> {
    let mut h = Histogram::new();
    for pair in s.split(',').filter(|p| !p.is_empty()) {
        let parsed = pair
            .split_once(':')
            .and_then(|(b, c)| Some((b.parse::<i64>().ok()?, c.parse::<i64>().ok()?)));
        let Some((bucket, count)) = parsed else {
            return Err(format!("histogram entry {pair:?} is not bucket:count"));
        };
        *h.entry(bucket).or_insert(0) += count;
    }
    Ok(h)
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
    pub handling_p50_us: Option<i64>,
    pub handling_p90_us: Option<i64>,
    pub sla_breaches: i64,
    pub breached_inquiries: i64,
    pub transfers: i64,
    pub deadlines_moved: i64,
    /// Correct answers / answers in quizzes submitted in the period (CI-4.3, CI-5.5).
    pub quiz_score: Rate,
}

/// Running totals of one report row: what a day's rollup row keeps per key, and what a
/// report adds up. Sums and counts only, so rows of several days (or a fact's contribution
/// and its removal) add and subtract.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Counters {
    pub inquiries: i64,
    pub responded: i64,
    pub resolved: i64,
    pub in_time: i64,
    pub audited: i64,
    pub accurate: i64,
    /// Very satisfied … very dissatisfied.
    pub levels: [i64; 5],
    pub sla_breaches: i64,
    pub breached_inquiries: i64,
    pub transfers: i64,
    pub deadlines_moved: i64,
    /// Creation to first response, of responded inquiries.
    pub first_response: Histogram,
    /// Creation to resolution, of resolved inquiries.
    pub handling: Histogram,
}

impl Counters {
    /// One inquiry's own counts (its audits apart: see [`Counters::of_audit`]).
    pub fn of_fact(f: &Fact, rule: &TimelinessRule) -> Counters {
        let mut c = Counters {
            inquiries: 1,
            ..Counters::default()
        };
        if let Some(at) = f.first_response_at {
            c.responded = 1;
            c.first_response
                .insert(wait_bucket(at.saturating_sub(f.created_at)), 1);
        }
        if let Some(at) = f.resolved_at {
            c.resolved = 1;
            c.handling
                .insert(wait_bucket(at.saturating_sub(f.created_at)), 1);
        }
        c.in_time = i64::from(rule.in_time(f.channel, f.created_at, f.first_response_at));
        if let Some(level) = f.satisfaction.and_then(level_index) {
            c.levels[level] = 1;
        }
        c.sla_breaches = f.sla_breaches;
        c.breached_inquiries = i64::from(f.sla_breaches > 0);
        c.transfers = f.transfers;
        c.deadlines_moved = i64::from(f.deadline_moved());
        c
    }

    pub fn of_audit(a: &AuditVerdict) -> Counters {
        Counters {
            audited: 1,
            accurate: i64::from(a.accurate),
            ..Counters::default()
        }
    }

    /// Adds `sign` (1 or −1) × `other`.
    pub fn merge(&mut self, other: &Counters, sign: i64) {
        self.inquiries += sign * other.inquiries;
        self.responded += sign * other.responded;
        self.resolved += sign * other.resolved;
        self.in_time += sign * other.in_time;
        self.audited += sign * other.audited;
        self.accurate += sign * other.accurate;
        for (l, o) in self.levels.iter_mut().zip(other.levels) {
            *l += sign * o;
        }
        self.sla_breaches += sign * other.sla_breaches;
        self.breached_inquiries += sign * other.breached_inquiries;
        self.transfers += sign * other.transfers;
        self.deadlines_moved += sign * other.deadlines_moved;
        merge_histogram(&mut self.first_response, &other.first_response, sign);
        merge_histogram(&mut self.handling, &other.handling, sign);
    }

    /// Nothing counted: a rollup row that is all zeros is deleted, and a report never shows
    /// a group without an inquiry or an audited answer in it.
    pub fn is_zero(&self) -> bool {
        *self == Counters::default()
    }

    fn finish(&self, quiz: (i64, i64), targets: &Targets) -> Kpis {
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
            first_response_p50_us: percentile(&self.first_response, 50),
            first_response_p90_us: percentile(&self.first_response, 90),
            handling_p50_us: percentile(&self.handling, 50),
            handling_p90_us: percentile(&self.handling, 90),
            sla_breaches: self.sla_breaches,
            breached_inquiries: self.breached_inquiries,
            transfers: self.transfers,
            deadlines_moved: self.deadlines_moved,
            quiz_score: rate(quiz.0, quiz.1, targets.quiz),
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

/// A report's breakdown; each is also a dimension of the daily rollups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Breakdown {
    Department,
    /// By handler; accuracy by who gave the audited answer.
    Employee,
    Channel,
    Category,
}

impl Breakdown {
    pub const ALL: [Breakdown; 4] = [
        Breakdown::Department,
        Breakdown::Employee,
        Breakdown::Channel,
        Breakdown::Category,
    ];

    /// The rollups' `dim` column.
    pub fn code(self) -> &'static str {
        match self {
            Breakdown::Department => "department",
            Breakdown::Employee => "employee",
            Breakdown::Channel => "channel",
            Breakdown::Category => "category",
        }
    }
}

/// The dimension a report without a breakdown adds up: every dimension puts each inquiry and
/// each audited answer in exactly one key, so any one sums to the total; channel has the
/// fewest keys.
pub const TOTAL_FROM: Breakdown = Breakdown::Channel;

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

/// What one inquiry adds to each key of `by`: its counts to its own key, its audits to the
/// same key, except per employee, where an audit counts for who gave the answer.
pub fn contributions(f: &Fact, rule: &TimelinessRule, by: Breakdown) -> BTreeMap<String, Counters> {
    let mut out: BTreeMap<String, Counters> = BTreeMap::new();
    let own = key(f, by);
    out.entry(own.clone())
        .or_default()
        .merge(&Counters::of_fact(f, rule), 1);
    for a in &f.audits {
        let k = if by == Breakdown::Employee {
            a.responded_by.clone()
        } else {
            own.clone()
        };
        out.entry(k).or_default().merge(&Counters::of_audit(a), 1);
    }
    out
}

/// Facts grouped by `by`, as [`report_from`] reads them.
pub fn group(facts: &[Fact], rule: &TimelinessRule, by: Breakdown) -> BTreeMap<String, Counters> {
    let mut groups: BTreeMap<String, Counters> = BTreeMap::new();
    for f in facts {
        for (k, c) in contributions(f, rule, by) {
            groups.entry(k).or_default().merge(&c, 1);
        }
    }
    groups
}

/// One microsecond day (UTC) of the rollups.
pub const DAY_US: i64 = 86_400_000_000;

/// A rollup row's key: property, UTC day (days since 1970-01-01), dimension, key.
pub type RollupKey = (String, i64, Breakdown, String);

/// How the daily rollups change when an inquiry's facts change from `before` to `after`
/// (`None`: not counted, e.g. a row routing created before intake's first event): what the
/// new facts add minus what the old ones added, per row, rows with no change left out. A
/// late event that moves an inquiry to another day, department or handler takes it out of
/// the old row and puts it in the new one; an event that changes nothing changes no row.
pub fn rollup_delta(
    before: Option<(&str, &Fact)>,
    after: Option<(&str, &Fact)>,
    rule: &TimelinessRule,
) -> BTreeMap<RollupKey, Counters> {
    let mut delta: BTreeMap<RollupKey, Counters> = BTreeMap::new();
    for (side, sign) in [(after, 1), (before, -1)] {
        let Some((property, f)) = side else { continue };
        let day = f.created_at.div_euclid(DAY_US);
        for by in Breakdown::ALL {
            for (k, c) in contributions(f, rule, by) {
                delta
                    .entry((property.to_string(), day, by, k))
                    .or_default()
                    .merge(&c, sign);
            }
        }
    }
    delta.retain(|_, c| !c.is_zero());
    delta
}

/// A report: the totals and, with a breakdown, one row per key (sorted by key).
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub total: Kpis,
    pub groups: Vec<(String, Kpis)>,
}

/// The report of counters grouped by `by` (or by [`TOTAL_FROM`] without a breakdown),
/// whether they came from facts or from rollups: the total is the sum of the groups.
/// Quiz scores come apart (they belong to people, not inquiries).
pub fn report_from(
    groups: BTreeMap<String, Counters>,
    quizzes: &[QuizAttempt],
    targets: &Targets,
    by: Option<Breakdown>,
) -> Report {
    let mut total = Counters::default();
    for c in groups.values() {
        total.merge(c, 1);
    }
    let mut quiz_total = (0, 0);
    let mut quiz_by: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for q in quizzes {
        quiz_total.0 += q.correct;
        quiz_total.1 += q.total;
        // Quizzes belong to a person: only the per-employee rows show them.
        if by == Some(Breakdown::Employee) {
            let e = quiz_by.entry(q.staff_id.clone()).or_default();
            e.0 += q.correct;
            e.1 += q.total;
        }
    }
    let mut rows: BTreeMap<String, Counters> = if by.is_some() {
        groups
    } else {
        BTreeMap::new()
    };
    for k in quiz_by.keys() {
        rows.entry(k.clone()).or_default();
    }
    Report {
        total: total.finish(quiz_total, targets),
        groups: rows
            .into_iter()
            .map(|(k, c)| {
                let quiz = quiz_by.get(&k).copied().unwrap_or_default();
                (k, c.finish(quiz, targets))
            })
            .collect(),
    }
}

/// The report of a set of facts (the days a report reads from facts rather than rollups).
pub fn report(
    facts: &[Fact],
    quizzes: &[QuizAttempt],
    rule: &TimelinessRule,
    targets: &Targets,
    by: Option<Breakdown>,
) -> Report {
    report_from(
        group(facts, rule, by.unwrap_or(TOTAL_FROM)),
        quizzes,
        targets,
        by,
    )
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

    fn hist(values: &[i64]) -> Histogram {
        let mut h = Histogram::new();
        for v in values {
            *h.entry(*v).or_insert(0) += 1;
        }
        h
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        assert_eq!(percentile(&hist(&[]), 50), None);
        assert_eq!(percentile(&hist(&[7]), 50), Some(7));
        assert_eq!(percentile(&hist(&[7]), 90), Some(7));
        let v: Vec<i64> = (1..=10).collect();
        assert_eq!(percentile(&hist(&v), 50), Some(5));
        assert_eq!(percentile(&hist(&v), 90), Some(9));
        assert_eq!(percentile(&hist(&v), 100), Some(10));
        assert_eq!(percentile(&hist(&[1, 2, 3]), 50), Some(2));
        assert_eq!(percentile(&hist(&[1, 2, 3]), 90), Some(3));
        assert_eq!(percentile(&hist(&[5, 5, 5, 9]), 50), Some(5));
        assert_eq!(percentile(&hist(&[5, 5, 5, 9]), 90), Some(9));
    }

    #[test]
    fn waits_round_up_to_two_significant_digits() {
        assert_eq!(wait_bucket(-5), 0);
        assert_eq!(wait_bucket(0), 0);
        assert_eq!(wait_bucket(99), 99);
        assert_eq!(wait_bucket(100), 100);
        assert_eq!(wait_bucket(101), 110);
        assert_eq!(wait_bucket(1_230_000), 1_300_000);
        assert_eq!(wait_bucket(60 * S), 60 * S);
        assert_eq!(wait_bucket(60 * S + 1), 61 * S);
        assert_eq!(wait_bucket(3_700 * S), 3_700 * S);
        assert_eq!(wait_bucket(3_701 * S), 3_800 * S);
        // Never more than 10 % above, never below.
        for us in [101_i64, 999, 10_001, 123_456_789, 9_999_999_999] {
            let b = wait_bucket(us);
            assert!(b >= us && (b - us) * 10 <= us, "{us} → {b}");
        }
        let h = hist(&[0, 110, 1_300_000, 1_300_000]);
        let text = encode_histogram(&h);
        assert_eq!(text, "0:1,110:1,1300000:2");
        assert_eq!(decode_histogram(&text), Ok(h));
        assert_eq!(decode_histogram(""), Ok(Histogram::new()));
        assert!(decode_histogram("12:x").is_err());
    }

    /// The rollups move by the difference between an inquiry's facts before and after an
    /// event: a first event adds it, an answer changes the same rows, a late event that
    /// moves it to another handler takes it from the old row, a duplicate changes nothing,
    /// and the changes add up to what the final facts alone contribute.
    #[test]
    fn rollup_deltas_follow_the_facts() {
        let rule = TimelinessRule::default();
        let day = |f: &Fact| f.created_at.div_euclid(DAY_US);
        let created = fact("a", Channel::Hotline, None);
        let first = rollup_delta(None, Some(("p", &created)), &rule);
        // One row per dimension, each one inquiry, nothing answered yet.
        assert_eq!(first.len(), 4);
        let amy_row = (
            "p".to_string(),
            day(&created),
            Breakdown::Employee,
            "amy".to_string(),
        );
        assert_eq!(first[&amy_row].inquiries, 1);
        assert_eq!(first[&amy_row].responded, 0);

        let mut answered = created.clone();
        answered.first_response_at = Some(created.created_at + 60 * S);
        let second = rollup_delta(Some(("p", &created)), Some(("p", &answered)), &rule);
        assert_eq!(second.len(), 4, "the same four rows change");
        let d = &second[&amy_row];
        assert_eq!((d.inquiries, d.responded, d.in_time), (0, 1, 1));
        assert_eq!(d.first_response, hist(&[60 * S]));

        // A late transfer to bob: amy's row loses the inquiry, bob's gains it.
        let mut moved = answered.clone();
        moved.handler = "bob".into();
        moved.transfers = 1;
        let third = rollup_delta(Some(("p", &answered)), Some(("p", &moved)), &rule);
        assert_eq!(third[&amy_row].inquiries, -1);
        assert_eq!(third[&amy_row].first_response, {
            let mut h = Histogram::new();
            h.insert(60 * S, -1);
            h
        });
        let bob_row = (
            "p".to_string(),
            day(&moved),
            Breakdown::Employee,
            "bob".to_string(),
        );
        assert_eq!(
            (third[&bob_row].inquiries, third[&bob_row].transfers),
            (1, 1)
        );
        let hotline = (
            "p".to_string(),
            day(&moved),
            Breakdown::Channel,
            "hotline".to_string(),
        );
        assert_eq!(
            third[&hotline].inquiries, 0,
            "same channel: only the transfer"
        );
        assert_eq!(third[&hotline].transfers, 1);

        // A duplicate (same facts) changes no row.
        assert!(rollup_delta(Some(("p", &moved)), Some(("p", &moved)), &rule).is_empty());

        // A day later: out of one day's rows, into the next day's.
        let mut next_day = moved.clone();
        next_day.created_at += DAY_US;
        next_day.first_response_at = next_day.first_response_at.map(|t| t + DAY_US);
        let fourth = rollup_delta(Some(("p", &moved)), Some(("p", &next_day)), &rule);
        assert_eq!(fourth.len(), 8);

        // All the changes together are what the final facts contribute alone.
        let mut sum: BTreeMap<RollupKey, Counters> = BTreeMap::new();
        for delta in [first, second, third, fourth] {
            for (k, c) in delta {
                sum.entry(k).or_default().merge(&c, 1);
            }
        }
        sum.retain(|_, c| !c.is_zero());
        assert_eq!(sum, rollup_delta(None, Some(("p", &next_day)), &rule));
    }

    /// Rows summed over days give the report of the facts themselves.
    #[test]
    fn rollups_add_up_to_the_report_of_the_facts() {
        let rule = TimelinessRule::default();
        let mut facts = vec![
            fact("a", Channel::Hotline, Some(60)),
            fact("b", Channel::Email, Some(200)),
            fact("c", Channel::FrontDesk, None),
        ];
        facts[1].created_at += 3 * DAY_US;
        facts[1].first_response_at = facts[1].first_response_at.map(|t| t + 3 * DAY_US);
        facts[1].handler = "bob".into();
        facts[0].audits = vec![AuditVerdict {
            response_id: "r".into(),
            responded_by: "bob".into(),
            accurate: true,
        }];
        let mut rows: BTreeMap<RollupKey, Counters> = BTreeMap::new();
        for f in &facts {
            for (k, c) in rollup_delta(None, Some(("p", f)), &rule) {
                rows.entry(k).or_default().merge(&c, 1);
            }
        }
        for by in [None, Some(Breakdown::Employee), Some(Breakdown::Category)] {
            let mut groups: BTreeMap<String, Counters> = BTreeMap::new();
            for ((_, _, dim, key), c) in &rows {
                if *dim == by.unwrap_or(TOTAL_FROM) {
                    groups.entry(key.clone()).or_default().merge(c, 1);
                }
            }
            let targets = Targets::default();
            assert_eq!(
                report_from(groups, &[], &targets, by),
                report(&facts, &[], &rule, &targets, by)
            );
        }
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
