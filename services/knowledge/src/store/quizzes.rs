//! Quizzes, their assignments and attempts.

use super::split_lines;
use crate::domain::quiz::Question;
use frontdesk_platform::db::Db;
use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone, PartialEq)]
pub struct QuizRow {
    pub quiz_id: String,
    pub property_id: String,
    pub title: String,
    pub questions: Vec<Question>,
    pub created_by: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    pub attempt_id: String,
    pub quiz_id: String,
    pub staff_id: String,
    pub answers: Option<Vec<usize>>,
    pub correct: Option<i64>,
    pub total: i64,
    pub submitted_at: Option<i64>,
}

pub async fn insert_quiz(conn: &mut AnyConnection, q: &QuizRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO quizzes (quiz_id, property_id, title, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&q.quiz_id)
    .bind(&q.property_id)
    .bind(&q.title)
    .bind(&q.created_by)
    .bind(q.created_at)
    .execute(&mut *conn)
    .await?;
    for (i, question) in q.questions.iter().enumerate() {
        sqlx::query(
            "INSERT INTO quiz_questions (quiz_id, position, text, choices, correct_choice, \
             article_id) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&q.quiz_id)
        .bind(i64::try_from(i).unwrap_or(i64::MAX))
        .bind(&question.text)
        .bind(question.choices.join("\n"))
        .bind(i64::try_from(question.correct_choice).unwrap_or(0))
        .bind(&question.article_id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub async fn get_quiz(conn: &mut AnyConnection, quiz_id: &str) -> anyhow::Result<Option<QuizRow>> {
    let Some(r) = sqlx::query(
        "SELECT quiz_id, property_id, title, created_by, created_at FROM quizzes \
         WHERE quiz_id = $1",
    )
    .bind(quiz_id)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let rows = sqlx::query(
        "SELECT text, choices, correct_choice, article_id FROM quiz_questions \
         WHERE quiz_id = $1 ORDER BY position",
    )
    .bind(quiz_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut questions = Vec::with_capacity(rows.len());
    for q in &rows {
        let choices: String = q.try_get("choices")?;
        let correct: i64 = q.try_get("correct_choice")?;
        questions.push(Question {
            text: q.try_get("text")?,
            choices: split_lines(&choices),
            correct_choice: usize::try_from(correct).unwrap_or(0),
            article_id: q.try_get("article_id")?,
        });
    }
    Ok(Some(QuizRow {
        quiz_id: r.try_get("quiz_id")?,
        property_id: r.try_get("property_id")?,
        title: r.try_get("title")?,
        questions,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
    }))
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_assignment(
    conn: &mut AnyConnection,
    assignment_id: &str,
    quiz_id: &str,
    departments: &[String],
    staff_ids: &[String],
    due_at: Option<i64>,
    by: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO quiz_assignments (assignment_id, quiz_id, departments, staff_ids, due_at, \
         assigned_by, assigned_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(assignment_id)
    .bind(quiz_id)
    .bind(departments.join("\n"))
    .bind(staff_ids.join("\n"))
    .bind(due_at)
    .bind(by)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn insert_attempt(
    conn: &mut AnyConnection,
    a: &Attempt,
    at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO quiz_attempts (attempt_id, quiz_id, staff_id, started_at, total) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&a.attempt_id)
    .bind(&a.quiz_id)
    .bind(&a.staff_id)
    .bind(at)
    .bind(a.total)
    .execute(conn)
    .await?;
    Ok(())
}

const ATTEMPT: &str = "attempt_id, quiz_id, staff_id, answers, correct, total, submitted_at";

fn attempt(r: &sqlx::any::AnyRow) -> anyhow::Result<Attempt> {
    let answers: Option<String> = r.try_get("answers")?;
    Ok(Attempt {
        attempt_id: r.try_get("attempt_id")?,
        quiz_id: r.try_get("quiz_id")?,
        staff_id: r.try_get("staff_id")?,
        answers: answers.map(|a| {
            split_lines(&a)
                .iter()
                .map(|x| x.parse().unwrap_or(usize::MAX))
                .collect()
        }),
        correct: r.try_get("correct")?,
        total: r.try_get("total")?,
        submitted_at: r.try_get("submitted_at")?,
    })
}

pub async fn attempt_for_update(
    conn: &mut AnyConnection,
    postgres: bool,
    attempt_id: &str,
) -> anyhow::Result<Option<Attempt>> {
    let lock = if postgres { " FOR UPDATE" } else { "" };
    let r = sqlx::query(&format!(
        "SELECT {ATTEMPT} FROM quiz_attempts WHERE attempt_id = $1{lock}"
    ))
    .bind(attempt_id)
    .fetch_optional(conn)
    .await?;
    r.as_ref().map(attempt).transpose()
}

pub async fn submit_attempt(
    conn: &mut AnyConnection,
    attempt_id: &str,
    answers: &[usize],
    correct: i64,
    at: i64,
) -> Result<(), sqlx::Error> {
    let answers: Vec<String> = answers.iter().map(ToString::to_string).collect();
    sqlx::query(
        "UPDATE quiz_attempts SET answers = $2, correct = $3, submitted_at = $4 \
         WHERE attempt_id = $1",
    )
    .bind(attempt_id)
    .bind(answers.join("\n"))
    .bind(correct)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Submitted attempts of a quiz, optionally one person's, oldest first.
pub async fn submitted(db: &Db, quiz_id: &str, staff_id: &str) -> anyhow::Result<Vec<Attempt>> {
    let rows = sqlx::query(&format!(
        "SELECT {ATTEMPT} FROM quiz_attempts WHERE quiz_id = $1 AND submitted_at IS NOT NULL \
         AND ($2 = '' OR staff_id = $2) ORDER BY submitted_at, attempt_id"
    ))
    .bind(quiz_id)
    .bind(staff_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(attempt).collect()
}
