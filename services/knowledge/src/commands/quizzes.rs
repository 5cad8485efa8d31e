//! Quizzes (CI-4.3): created from articles, assigned, taken and scored; the scores leave as
//! `QuizSubmitted` events (ids and numbers only) for analytics.

use super::{Error, Idempotency, Knowledge, event, new_id, remember, replay};
use crate::domain::quiz::{self, Question};
use crate::store::quizzes::{self as store, Attempt, QuizRow};
use frontdesk_platform::auth::Caller;
use frontdesk_platform::time::now_micros;
use frontdesk_proto::knowledge::v1 as pb;
use std::collections::BTreeMap;

/// A quiz's scores and per-article results.
#[derive(Debug, Clone, PartialEq)]
pub struct Results {
    pub scores: Vec<Attempt>,
    /// article → (answered, wrong, flagged)
    pub articles: BTreeMap<String, (usize, usize, bool)>,
}

impl Knowledge {
    async fn visible_quiz(&self, caller: &Caller, quiz_id: &str) -> Result<QuizRow, Error> {
        let mut conn = self.db.pool().acquire().await?;
        match store::get_quiz(&mut conn, quiz_id).await? {
            Some(q) if super::can_read(caller, &q.property_id) => Ok(q),
            _ => Err(Error::not_found("quiz", quiz_id)),
        }
    }

    pub async fn create_quiz(
        &self,
        caller: &Caller,
        property_id: &str,
        title: &str,
        questions: Vec<Question>,
        idem: &Idempotency,
    ) -> Result<QuizRow, Error> {
        super::require_write(caller, property_id)?;
        let mut tx = self.begin().await?;
        if let Some(id) = replay(&mut tx, idem).await? {
            drop(tx);
            return self.visible_quiz(caller, &id).await;
        }
        let q = QuizRow {
            quiz_id: new_id(),
            property_id: property_id.to_string(),
            title: title.to_string(),
            questions,
            created_by: caller.subject.clone(),
            created_at: now_micros(),
        };
        store::insert_quiz(&mut tx, &q).await?;
        remember(&mut tx, idem, &q.quiz_id).await?;
        self.finish(tx, Vec::new()).await?;
        Ok(q)
    }

    pub async fn assign_quiz(
        &self,
        caller: &Caller,
        quiz_id: &str,
        departments: &[String],
        staff_ids: &[String],
        due_at: Option<i64>,
    ) -> Result<pb::QuizAssignment, Error> {
        let q = self.visible_quiz(caller, quiz_id).await?;
        super::require_write(caller, &q.property_id)?;
        let id = new_id();
        let mut tx = self.begin().await?;
        store::insert_assignment(
            &mut tx,
            &id,
            quiz_id,
            departments,
            staff_ids,
            due_at,
            &caller.subject,
            now_micros(),
        )
        .await?;
        self.finish(tx, Vec::new()).await?;
        Ok(pb::QuizAssignment {
            assignment_id: id,
            quiz_id: quiz_id.to_string(),
            departments: departments.to_vec(),
            staff_ids: staff_ids.to_vec(),
            due_at: frontdesk_platform::time::opt_timestamp(due_at),
            assigned_by: caller.subject.clone(),
        })
    }

    /// Starts an attempt of the caller.
    pub async fn take_quiz(
        &self,
        caller: &Caller,
        quiz_id: &str,
    ) -> Result<(QuizRow, String), Error> {
        let q = self.visible_quiz(caller, quiz_id).await?;
        let a = Attempt {
            attempt_id: new_id(),
            quiz_id: quiz_id.to_string(),
            staff_id: caller.subject.clone(),
            answers: None,
            correct: None,
            total: i64::try_from(q.questions.len()).unwrap_or(0),
            submitted_at: None,
        };
        let mut tx = self.begin().await?;
        store::insert_attempt(&mut tx, &a, now_micros()).await?;
        self.finish(tx, Vec::new()).await?;
        Ok((q, a.attempt_id))
    }

    /// Scores the caller's attempt once; the same answers again return the same score.
    pub async fn submit_answers(
        &self,
        caller: &Caller,
        attempt_id: &str,
        answers: Vec<usize>,
    ) -> Result<Attempt, Error> {
        let mut tx = self.begin().await?;
        let a = match store::attempt_for_update(&mut tx, self.postgres(), attempt_id).await? {
            Some(a) if a.staff_id == caller.subject => a,
            _ => return Err(Error::not_found("quiz attempt", attempt_id)),
        };
        if let Some(prev) = &a.answers {
            if *prev == answers {
                return Ok(a);
            }
            return Err(Error::FailedPrecondition(
                "this attempt was already submitted with other answers; take the quiz again".into(),
            ));
        }
        // Inside the transaction: SQLite has one connection, a second would wait on it.
        let q = store::get_quiz(&mut tx, &a.quiz_id)
            .await?
            .ok_or_else(|| Error::not_found("quiz", &a.quiz_id))?;
        if answers.len() != q.questions.len() {
            return Err(frontdesk_platform::error::Violations::single(
                "answers",
                format!("one answer per question: {} expected", q.questions.len()),
            )
            .into());
        }
        let correct = i64::try_from(quiz::score(&q.questions, &answers)).unwrap_or(0);
        let now = now_micros();
        store::submit_attempt(&mut tx, attempt_id, &answers, correct, now).await?;
        let scored = Attempt {
            answers: Some(answers),
            correct: Some(correct),
            submitted_at: Some(now),
            ..a
        };
        let ev = pb::QuizSubmitted {
            quiz_id: scored.quiz_id.clone(),
            attempt_id: scored.attempt_id.clone(),
            staff_id: scored.staff_id.clone(),
            correct: i32::try_from(correct).unwrap_or(0),
            total: i32::try_from(scored.total).unwrap_or(0),
        };
        self.finish(
            tx,
            vec![event(&q.property_id, &scored.quiz_id, &caller.subject, &ev)],
        )
        .await?;
        Ok(scored)
    }

    pub async fn quiz_results(
        &self,
        caller: &Caller,
        quiz_id: &str,
        staff_id: &str,
    ) -> Result<Results, Error> {
        let q = self.visible_quiz(caller, quiz_id).await?;
        let scores = store::submitted(&self.db, quiz_id, staff_id).await?;
        let answers: Vec<Vec<usize>> = scores.iter().filter_map(|a| a.answers.clone()).collect();
        Ok(Results {
            articles: quiz::article_results(&q.questions, &answers),
            scores,
        })
    }
}
