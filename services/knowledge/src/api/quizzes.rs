//! Quiz handlers (CI-4.3).

use super::validate::{check, id, idempotency, text, timestamp};
use super::{Res, err, ok};
use crate::commands::Knowledge;
use crate::domain::quiz::{self, Question};
use crate::store::quizzes::{Attempt, QuizRow};
use frontdesk_platform::auth::Caller;
use frontdesk_platform::error::Violations;
use frontdesk_platform::time::{opt_timestamp, to_timestamp};
use frontdesk_proto::knowledge::v1 as pb;
use tonic::Request;

fn quiz_pb(q: &QuizRow, answers: bool) -> pb::Quiz {
    pb::Quiz {
        quiz_id: q.quiz_id.clone(),
        property_id: q.property_id.clone(),
        title: q.title.clone(),
        questions: q
            .questions
            .iter()
            .map(|x| pb::QuizQuestion {
                text: x.text.clone(),
                choices: x.choices.clone(),
                correct_choice: if answers {
                    i32::try_from(x.correct_choice).unwrap_or(0)
                } else {
                    0
                },
                article_id: x.article_id.clone(),
            })
            .collect(),
        created_by: q.created_by.clone(),
        created_at: Some(to_timestamp(q.created_at)),
    }
}

fn score_pb(a: &Attempt) -> pb::QuizScore {
    pb::QuizScore {
        attempt_id: a.attempt_id.clone(),
        quiz_id: a.quiz_id.clone(),
        staff_id: a.staff_id.clone(),
        correct: a.correct.and_then(|c| i32::try_from(c).ok()).unwrap_or(0),
        total: i32::try_from(a.total).unwrap_or(0),
        submitted_at: opt_timestamp(a.submitted_at),
    }
}

pub async fn create(kb: &Knowledge, req: Request<pb::CreateQuizRequest>) -> Res<pb::Quiz> {
    let caller = Caller::from_request(&req)?;
    let r = req.get_ref();
    let mut v = Violations::new();
    let property = id("property_id", &r.property_id, &mut v);
    let title = text("title", &r.title, 200, true, &mut v);
    let raw: Vec<(String, Vec<String>, i32, String)> = r
        .questions
        .iter()
        .map(|q| {
            (
                q.text.trim().to_string(),
                q.choices.iter().map(|c| c.trim().to_string()).collect(),
                q.correct_choice,
                q.article_id.trim().to_string(),
            )
        })
        .collect();
    quiz::validate(&raw, &mut v);
    let idem = idempotency(
        format!("create_quiz/{property}"),
        &r.idempotency_key,
        r,
        |m| m.idempotency_key.clear(),
        &mut v,
    );
    check(v).map_err(err)?;
    let questions = raw
        .into_iter()
        .map(|(text, choices, correct, article_id)| Question {
            text,
            choices,
            correct_choice: usize::try_from(correct).unwrap_or(0),
            article_id,
        })
        .collect();
    let q = kb
        .create_quiz(&caller, &property, &title, questions, &idem)
        .await
        .map_err(err)?;
    ok(quiz_pb(&q, true))
}

pub async fn assign(
    kb: &Knowledge,
    req: Request<pb::AssignQuizRequest>,
) -> Res<pb::QuizAssignment> {
    let caller = Caller::from_request(&req)?;
    let r = req.get_ref();
    let mut v = Violations::new();
    let quiz_id = id("quiz_id", &r.quiz_id, &mut v);
    if r.departments.is_empty() && r.staff_ids.is_empty() {
        v.add("staff_ids", "name departments or staff ids (or both)");
    }
    for (i, d) in r.departments.iter().enumerate() {
        id(&format!("departments[{i}]"), d, &mut v);
    }
    for (i, s) in r.staff_ids.iter().enumerate() {
        id(&format!("staff_ids[{i}]"), s, &mut v);
    }
    let due = timestamp("due_at", r.due_at.as_ref(), &mut v);
    check(v).map_err(err)?;
    let a = kb
        .assign_quiz(&caller, &quiz_id, &r.departments, &r.staff_ids, due)
        .await
        .map_err(err)?;
    ok(a)
}

pub async fn take(kb: &Knowledge, req: Request<pb::TakeQuizRequest>) -> Res<pb::QuizAttempt> {
    let caller = Caller::from_request(&req)?;
    let mut v = Violations::new();
    let quiz_id = id("quiz_id", &req.get_ref().quiz_id, &mut v);
    check(v).map_err(err)?;
    let (q, attempt_id) = kb.take_quiz(&caller, &quiz_id).await.map_err(err)?;
    let shown = quiz_pb(&q, false);
    ok(pb::QuizAttempt {
        attempt_id,
        quiz_id: q.quiz_id,
        title: q.title,
        questions: shown.questions,
    })
}

pub async fn submit(kb: &Knowledge, req: Request<pb::SubmitAnswersRequest>) -> Res<pb::QuizScore> {
    let caller = Caller::from_request(&req)?;
    let r = req.get_ref();
    let mut v = Violations::new();
    let attempt_id = id("attempt_id", &r.attempt_id, &mut v);
    let mut answers = Vec::with_capacity(r.answers.len());
    for (i, a) in r.answers.iter().enumerate() {
        match usize::try_from(*a) {
            Ok(a) => answers.push(a),
            Err(_) => v.add(format!("answers[{i}]"), "a choice index, 0 or more"),
        }
    }
    if r.answers.is_empty() {
        v.add("answers", "required: one per question");
    }
    check(v).map_err(err)?;
    let a = kb
        .submit_answers(&caller, &attempt_id, answers)
        .await
        .map_err(err)?;
    ok(score_pb(&a))
}

pub async fn results(
    kb: &Knowledge,
    req: Request<pb::ListQuizResultsRequest>,
) -> Res<pb::ListQuizResultsResponse> {
    let caller = Caller::from_request(&req)?;
    let r = req.get_ref();
    let mut v = Violations::new();
    let quiz_id = id("quiz_id", &r.quiz_id, &mut v);
    let staff = text("staff_id", &r.staff_id, 64, false, &mut v);
    check(v).map_err(err)?;
    let res = kb
        .quiz_results(&caller, &quiz_id, &staff)
        .await
        .map_err(err)?;
    ok(pb::ListQuizResultsResponse {
        scores: res.scores.iter().map(score_pb).collect(),
        articles: res
            .articles
            .into_iter()
            .map(
                |(article_id, (answered, wrong, flagged))| pb::ArticleResult {
                    article_id,
                    answered: i32::try_from(answered).unwrap_or(i32::MAX),
                    wrong: i32::try_from(wrong).unwrap_or(i32::MAX),
                    flagged_for_training: flagged,
                },
            )
            .collect(),
    })
}
