//! The inquiry aggregate and its lifecycle. Every transition checks its precondition and
//! says what to tell the caller when it does not hold (FAILED_PRECONDITION).
//!
//! ```text
//! NEW ──acknowledge──▶ ACKNOWLEDGED ──respond──▶ ANSWERED ──resolve──▶ RESOLVED
//!  └──────────────respond (on the spot)────────────▲                      │
//!                                   REOPENED ◀──────────reopen───────────┘
//! ```

use super::model::{Category, Channel, Complexity, Language, ReplyMethod, Satisfaction, Status};
use frontdesk_platform::error::Violations;

#[derive(Debug, Clone, PartialEq)]
pub struct Customer {
    pub name: String,
    pub phone: String,
    pub email: String,
    pub social_handle: String,
    /// `None`: reply through the channel the inquiry came from (CI-3.7).
    pub preferred_reply: Option<ReplyMethod>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ClassificationState {
    pub category: Category,
    pub language: Language,
    pub complexity: Complexity,
    pub confidence: f32,
    pub matched_terms: Vec<String>,
    pub complaint_process: bool,
    pub reclassified: bool,
    /// Low confidence: a person should confirm the category (cleared by a reclassification).
    pub needs_triage: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Audit {
    pub accurate: bool,
    pub note: String,
    pub audited_by: String,
    pub audited_at: i64,
}

/// What a response was: an answer, or the acknowledgement that came before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseKind {
    Answer,
    /// "Received, being handled, answer by …" (CI-2.6): the customer's first response, but
    /// no answer: it is not audited and does not make the inquiry ratable.
    Acknowledgement,
}

impl ResponseKind {
    pub fn code(self) -> &'static str {
        match self {
            ResponseKind::Answer => "answer",
            ResponseKind::Acknowledgement => "acknowledgement",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        [ResponseKind::Answer, ResponseKind::Acknowledgement]
            .into_iter()
            .find(|k| k.code() == s)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub kind: ResponseKind,
    pub response_id: String,
    pub text: String,
    pub method: ReplyMethod,
    pub on_the_spot: bool,
    pub responded_by: String,
    pub responded_at: i64,
    pub audit: Option<Audit>,
    pub template: Option<TemplateUse>,
}

/// The reply template (knowledge article, version) a text was rendered from.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateUse {
    pub template_id: String,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DelayNotice {
    pub reason: String,
    pub new_expected_at: i64,
    pub previous_expected_at: Option<i64>,
    pub notified_by: String,
    pub notified_at: i64,
    pub template: Option<TemplateUse>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Feedback {
    pub satisfaction: Satisfaction,
    pub comment: String,
    /// Staff member who recorded it for the customer; empty when the customer did.
    pub recorded_by: String,
    pub recorded_at: i64,
    /// The answer it rates: the latest when it was recorded (one rating per answer episode).
    pub response_id: String,
}

/// Intake's copy of routing's assignment; eventually consistent (`as_of`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RoutingView {
    pub lead_department: String,
    pub participants: Vec<String>,
    pub assignee: String,
    pub on_the_spot: bool,
    pub first_response_due: i64,
    pub resolution_due: i64,
    pub original_resolution_due: i64,
    pub fired: Vec<String>,
    pub as_of: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Inquiry {
    pub inquiry_id: String,
    pub property_id: String,
    pub channel: Channel,
    pub customer: Customer,
    pub text: String,
    pub reservation_ref: String,
    pub status: Status,
    pub classification: ClassificationState,
    pub assignee: String,
    pub created_by: String,
    pub created_at: i64,
    pub acknowledged_at: Option<i64>,
    pub first_response_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub expected_at: Option<i64>,
    pub responses: Vec<Answer>,
    pub delays: Vec<DelayNotice>,
    /// The latest rating.
    pub feedback: Option<Feedback>,
    /// Ratings of earlier answer episodes (before a reopen), oldest first.
    pub earlier_feedback: Vec<Feedback>,
    pub version: i64,
    pub updated_at: i64,
    pub routing: Option<RoutingView>,
    /// Waiting on the customer since (SLA clocks paused).
    pub waiting_since: Option<i64>,
}

/// Why a transition was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Refusal {
    #[error("{0}")]
    Precondition(String),
    #[error("{kind} {name} not found")]
    NotFound { kind: &'static str, name: String },
    #[error("{0}")]
    AlreadyExists(String),
    #[error("{0}")]
    Invalid(Violations),
}

type Outcome = Result<(), Refusal>;

fn precondition(msg: impl Into<String>) -> Outcome {
    Err(Refusal::Precondition(msg.into()))
}

impl Inquiry {
    /// The reply method when the caller names none: the customer's preference, else the
    /// inquiry's own channel (CI-3.7).
    pub fn default_reply_method(&self) -> ReplyMethod {
        self.customer
            .preferred_reply
            .unwrap_or_else(|| self.channel.default_reply_method())
    }

    fn touch(&mut self, now: i64) {
        self.version += 1;
        self.updated_at = now;
        // Who acted is on the timeline; who is responsible (CI-3.5) is routing's decision,
        // projected into `assignee`: answering does not make someone the handler.
    }

    /// The answers given so far (acknowledgements left out).
    pub fn answers(&self) -> impl Iterator<Item = &Answer> {
        self.responses
            .iter()
            .filter(|r| r.kind == ResponseKind::Answer)
    }

    /// First response to the customer: received, being handled (CI-2.6). What they were
    /// told, and how, is kept as a response.
    pub fn acknowledge(&mut self, ack: Answer) -> Outcome {
        let now = ack.responded_at;
        if self.status != Status::New {
            return precondition(format!(
                "inquiry is {}; only a new inquiry can be acknowledged",
                self.status
            ));
        }
        self.responses.push(Answer {
            kind: ResponseKind::Acknowledgement,
            on_the_spot: false,
            ..ack
        });
        self.status = Status::Acknowledged;
        self.acknowledged_at = Some(now);
        self.first_response_at.get_or_insert(now);
        self.touch(now);
        Ok(())
    }

    pub fn respond(&mut self, answer: Answer) -> Outcome {
        if self.status == Status::Resolved {
            return precondition("inquiry is resolved; reopen it before answering again");
        }
        if answer.on_the_spot && self.answers().next().is_some() {
            return precondition("only the first answer can be given on the spot");
        }
        let now = answer.responded_at;
        self.first_response_at.get_or_insert(now);
        self.status = Status::Answered;
        self.responses.push(answer);
        self.touch(now);
        Ok(())
    }

    /// CI-3.6: the customer was told why and the new expected time. The first promise stays
    /// on record in the first notice.
    pub fn notify_delay(
        &mut self,
        reason: String,
        template: Option<TemplateUse>,
        new_expected_at: i64,
        actor: &str,
        now: i64,
    ) -> Outcome {
        if self.status == Status::Resolved {
            return precondition("inquiry is resolved; there is nothing left to delay");
        }
        if new_expected_at <= now {
            return Err(Refusal::Invalid(Violations::single(
                "new_expected_at",
                "must be in the future",
            )));
        }
        self.delays.push(DelayNotice {
            reason,
            new_expected_at,
            previous_expected_at: self.expected_at,
            notified_by: actor.to_string(),
            notified_at: now,
            template,
        });
        self.expected_at = Some(new_expected_at);
        self.touch(now);
        Ok(())
    }

    /// The customer was asked for something: SLA clocks pause until they reply.
    pub fn wait_for_customer(&mut self, now: i64) -> Outcome {
        if self.status == Status::Resolved {
            return precondition("inquiry is resolved; there is nothing to wait for");
        }
        if self.waiting_since.is_some() {
            return precondition("already waiting on the customer");
        }
        self.waiting_since = Some(now);
        self.touch(now);
        Ok(())
    }

    pub fn customer_replied(&mut self, now: i64) -> Outcome {
        if self.waiting_since.is_none() {
            return precondition("not waiting on the customer");
        }
        self.waiting_since = None;
        self.touch(now);
        Ok(())
    }

    pub fn resolve(&mut self, now: i64) -> Outcome {
        match self.status {
            Status::Answered => {}
            Status::Resolved => return precondition("inquiry is already resolved"),
            other => {
                return precondition(format!(
                    "inquiry is {other}; answer the customer before resolving it"
                ));
            }
        }
        self.status = Status::Resolved;
        self.resolved_at = Some(now);
        self.waiting_since = None;
        self.touch(now);
        Ok(())
    }

    pub fn reopen(&mut self, now: i64) -> Outcome {
        if self.status != Status::Resolved {
            return precondition(format!(
                "inquiry is {}; only a resolved inquiry can be reopened",
                self.status
            ));
        }
        self.status = Status::Reopened;
        self.resolved_at = None;
        self.touch(now);
        Ok(())
    }

    /// CI-5.4: one rating per answer episode. It rates the latest answer; after a reopen and
    /// a new answer the customer may rate again, and the earlier rating stays on record.
    pub fn record_feedback(&mut self, mut feedback: Feedback) -> Outcome {
        let now = feedback.recorded_at;
        let Some(latest) = self.answers().last() else {
            return precondition("inquiry has no answer yet; feedback rates an answer");
        };
        let latest_id = latest.response_id.clone();
        let latest_at = latest.responded_at;
        if let Some(previous) = &self.feedback {
            // Ratings recorded before episodes were tracked name no answer: they rated
            // whatever was answered before them.
            let same_episode = if previous.response_id.is_empty() {
                latest_at <= previous.recorded_at
            } else {
                previous.response_id == latest_id
            };
            if same_episode {
                return Err(Refusal::AlreadyExists(
                    "feedback was already recorded for the latest answer; after a reopen and a \
                     new answer it can be rated again"
                        .into(),
                ));
            }
        }
        feedback.response_id = latest_id;
        if let Some(previous) = self.feedback.replace(feedback) {
            self.earlier_feedback.push(previous);
        }
        self.version += 1;
        self.updated_at = now;
        Ok(())
    }

    /// CI-5.4 accuracy audit of one answer, once.
    pub fn audit_answer(&mut self, response_id: &str, audit: Audit) -> Outcome {
        let now = audit.audited_at;
        let Some(answer) = self
            .responses
            .iter_mut()
            .find(|r| r.response_id == response_id)
        else {
            return Err(Refusal::NotFound {
                kind: "response",
                name: response_id.to_string(),
            });
        };
        if answer.kind != ResponseKind::Answer {
            return precondition(format!(
                "response {response_id} is an acknowledgement; audits rate answers"
            ));
        }
        if answer.audit.is_some() {
            return Err(Refusal::AlreadyExists(format!(
                "response {response_id} was already audited"
            )));
        }
        answer.audit = Some(audit);
        self.version += 1;
        self.updated_at = now;
        Ok(())
    }

    pub fn reclassify(
        &mut self,
        category: Category,
        complexity: Option<Complexity>,
        now: i64,
    ) -> Outcome {
        let c = &mut self.classification;
        // Confirming an unsure category as it is, is a correction too: it clears the flag.
        if c.category == category && complexity.is_none_or(|x| x == c.complexity) && !c.needs_triage
        {
            return precondition(format!("inquiry is already classified as {category}"));
        }
        c.category = category;
        if let Some(x) = complexity {
            c.complexity = x;
        }
        c.reclassified = true;
        c.needs_triage = false;
        c.confidence = 1.0;
        // CI-2.5 follows the corrected category.
        c.complaint_process = category == Category::Complaint && self.channel.is_social();
        self.touch(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inquiry() -> Inquiry {
        Inquiry {
            inquiry_id: "i1".into(),
            property_id: "p".into(),
            channel: Channel::SocialWechat,
            customer: Customer {
                name: "李雷".into(),
                phone: "13800138000".into(),
                email: String::new(),
                social_handle: String::new(),
                preferred_reply: None,
            },
            text: "早餐几点开始？".into(),
            reservation_ref: String::new(),
            status: Status::New,
            classification: ClassificationState {
                category: Category::Dining,
                language: Language::Zh,
                complexity: Complexity::Simple,
                confidence: 0.9,
                matched_terms: vec!["早餐".into()],
                complaint_process: false,
                reclassified: false,
                needs_triage: false,
            },
            assignee: String::new(),
            created_by: "agent".into(),
            created_at: 0,
            acknowledged_at: None,
            first_response_at: None,
            resolved_at: None,
            expected_at: None,
            responses: vec![],
            delays: vec![],
            feedback: None,
            earlier_feedback: Vec::new(),
            version: 1,
            updated_at: 0,
            routing: None,
            waiting_since: None,
        }
    }

    fn ack(at: i64) -> Answer {
        Answer {
            kind: ResponseKind::Acknowledgement,
            text: "received, answer by 15:00".into(),
            ..answer("ack", at, false)
        }
    }

    #[test]
    fn an_acknowledgement_is_kept_as_a_response_but_is_no_answer() {
        let mut i = inquiry();
        i.acknowledge(ack(5)).expect("ack");
        assert_eq!(i.responses.len(), 1);
        assert_eq!(i.responses[0].kind, ResponseKind::Acknowledgement);
        assert_eq!(i.first_response_at, Some(5));
        assert_eq!(i.answers().count(), 0);
        let fb = Feedback {
            satisfaction: Satisfaction::Satisfied,
            comment: String::new(),
            recorded_by: String::new(),
            recorded_at: 6,
            response_id: String::new(),
        };
        assert!(matches!(
            i.record_feedback(fb),
            Err(Refusal::Precondition(_))
        ));
        let audit = Audit {
            accurate: true,
            note: String::new(),
            audited_by: "sup".into(),
            audited_at: 7,
        };
        assert!(matches!(
            i.audit_answer("ack", audit),
            Err(Refusal::Precondition(_))
        ));
        // An on-the-spot answer after an acknowledgement is still the first answer.
        i.respond(answer("r1", 8, true)).expect("first answer");
        assert_eq!(i.answers().count(), 1);
        assert_eq!(i.first_response_at, Some(5));
    }

    fn answer(id: &str, at: i64, on_the_spot: bool) -> Answer {
        Answer {
            kind: ResponseKind::Answer,
            response_id: id.into(),
            text: "七点".into(),
            method: ReplyMethod::Wechat,
            on_the_spot,
            responded_by: "amy".into(),
            responded_at: at,
            audit: None,
            template: None,
        }
    }

    #[test]
    fn waiting_on_the_customer_starts_and_ends_once() {
        let mut i = inquiry();
        i.wait_for_customer(5).expect("wait");
        assert!(matches!(
            i.wait_for_customer(6),
            Err(Refusal::Precondition(_))
        ));
        i.customer_replied(7).expect("reply");
        assert_eq!(i.waiting_since, None);
        assert!(matches!(
            i.customer_replied(8),
            Err(Refusal::Precondition(_))
        ));
    }

    #[test]
    fn resolve_without_answer_is_rejected() {
        let mut i = inquiry();
        assert!(matches!(i.resolve(5), Err(Refusal::Precondition(_))));
        i.acknowledge(ack(5)).expect("ack");
        assert!(matches!(i.resolve(6), Err(Refusal::Precondition(_))));
        assert_eq!(i.status, Status::Acknowledged);
    }

    #[test]
    fn first_response_is_the_earlier_of_acknowledge_and_answer() {
        let mut i = inquiry();
        i.acknowledge(ack(10)).expect("ack");
        i.respond(answer("r1", 20, false)).expect("respond");
        assert_eq!(i.first_response_at, Some(10));
        assert_eq!(
            i.assignee, "",
            "routing names the handler, not whoever answers"
        );
        assert_eq!(i.version, 3);
    }

    #[test]
    fn acknowledging_twice_is_a_failed_precondition() {
        let mut i = inquiry();
        i.acknowledge(ack(1)).expect("ack");
        assert!(matches!(
            i.acknowledge(ack(2)),
            Err(Refusal::Precondition(_))
        ));
    }

    #[test]
    fn full_lifecycle_with_reopen_needs_a_new_answer() {
        let mut i = inquiry();
        i.respond(answer("r1", 1, true)).expect("on the spot");
        i.resolve(2).expect("resolve");
        assert!(matches!(
            i.respond(answer("r2", 3, false)),
            Err(Refusal::Precondition(_))
        ));
        i.reopen(3).expect("reopen");
        assert_eq!(i.resolved_at, None);
        assert!(matches!(i.resolve(4), Err(Refusal::Precondition(_))));
        i.respond(answer("r2", 5, false)).expect("respond");
        i.resolve(6).expect("resolve again");
        assert_eq!(i.status, Status::Resolved);
    }

    #[test]
    fn delay_keeps_the_previous_promise() {
        let mut i = inquiry();
        i.notify_delay("waiting for banquet manager".into(), None, 100, "amy", 10)
            .expect("first");
        i.notify_delay("manager still out".into(), None, 200, "amy", 20)
            .expect("second");
        assert_eq!(i.expected_at, Some(200));
        assert_eq!(i.delays[1].previous_expected_at, Some(100));
        assert!(matches!(
            i.notify_delay("x".into(), None, 5, "amy", 30),
            Err(Refusal::Invalid(_))
        ));
    }

    #[test]
    fn feedback_once_and_only_after_an_answer() {
        let mut i = inquiry();
        let fb = Feedback {
            satisfaction: Satisfaction::Satisfied,
            comment: String::new(),
            recorded_by: String::new(),
            recorded_at: 1,
            response_id: String::new(),
        };
        assert!(matches!(
            i.record_feedback(fb.clone()),
            Err(Refusal::Precondition(_))
        ));
        i.respond(answer("r1", 1, false)).expect("respond");
        i.record_feedback(fb.clone()).expect("feedback");
        assert!(matches!(
            i.record_feedback(fb.clone()),
            Err(Refusal::AlreadyExists(_))
        ));
        assert_eq!(
            i.feedback.as_ref().map(|f| f.response_id.as_str()),
            Some("r1")
        );
        // Reopened and answered again: a new episode, rated again; the first rating stays.
        i.resolve(2).expect("resolve");
        i.reopen(3).expect("reopen");
        assert!(
            matches!(
                i.record_feedback(fb.clone()),
                Err(Refusal::AlreadyExists(_))
            ),
            "no new answer yet"
        );
        i.respond(answer("r2", 4, false)).expect("second answer");
        let second = Feedback {
            satisfaction: Satisfaction::VerySatisfied,
            recorded_at: 5,
            ..fb
        };
        i.record_feedback(second)
            .expect("the second episode's rating");
        assert_eq!(
            i.feedback.as_ref().map(|f| f.response_id.as_str()),
            Some("r2")
        );
        assert_eq!(i.earlier_feedback.len(), 1);
        assert_eq!(i.earlier_feedback[0].response_id, "r1");
    }

    #[test]
    fn audits_name_an_existing_answer_once() {
        let mut i = inquiry();
        i.respond(answer("r1", 1, false)).expect("respond");
        let a = Audit {
            accurate: true,
            note: String::new(),
            audited_by: "sup".into(),
            audited_at: 2,
        };
        assert!(matches!(
            i.audit_answer("nope", a.clone()),
            Err(Refusal::NotFound { .. })
        ));
        i.audit_answer("r1", a.clone()).expect("audit");
        assert!(matches!(
            i.audit_answer("r1", a),
            Err(Refusal::AlreadyExists(_))
        ));
    }

    #[test]
    fn reclassifying_a_social_inquiry_as_complaint_starts_the_complaint_process() {
        let mut i = inquiry();
        i.reclassify(Category::Complaint, None, 1)
            .expect("reclassify");
        assert!(i.classification.complaint_process);
        assert!(i.classification.reclassified);
        assert!(matches!(
            i.reclassify(Category::Complaint, None, 2),
            Err(Refusal::Precondition(_))
        ));
    }
}
