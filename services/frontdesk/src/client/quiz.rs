//! `frontdesk quiz …`: staff quizzes from a terminal (CI-4.3) — a supervisor builds one from
//! a file of questions and assigns it; a member of staff takes it and submits answers; the
//! results show each person's score and the articles many got wrong.

use super::render::{fit, rfc3339, table, time_of};
use super::{ClientArgs, connect, key, status_error};
use anyhow::{Context, anyhow};
use frontdesk_proto::knowledge::v1 as pb;
use pb::knowledge_service_client::KnowledgeServiceClient;
use serde_json::{Value, json};
use std::path::PathBuf;

#[derive(Debug, clap::Subcommand)]
pub enum QuizCmd {
    /// A new quiz from a JSON file: [{"text": …, "choices": [...], "correct_choice": 0,
    /// "article_id": …}, …] (supervisor, manager or editor).
    Create {
        /// The property whose staff take it.
        #[arg(long, default_value = "demo-hotel")]
        property: String,
        /// The quiz's title.
        #[arg(long)]
        title: String,
        /// The questions (JSON array, UTF-8).
        #[arg(long)]
        questions: PathBuf,
        /// Default: a new random key (a retry of this command must pass the same key).
        #[arg(long)]
        idempotency_key: Option<String>,
    },
    /// Assigns a quiz to departments and/or staff, due by a time (RFC 3339).
    Assign {
        /// The quiz's id.
        quiz_id: String,
        /// A department whose staff take it (repeatable).
        #[arg(long = "department")]
        departments: Vec<String>,
        /// A staff member who takes it (repeatable).
        #[arg(long = "staff")]
        staff: Vec<String>,
        /// e.g. 2026-12-31T18:00:00+08:00
        #[arg(long)]
        due: String,
    },
    /// Starts an attempt: the questions with numbered choices, and the attempt id.
    Take {
        /// The quiz's id.
        quiz_id: String,
    },
    /// Submits an attempt's answers: the chosen choice number per question, in order.
    Submit {
        /// The attempt's id (from `quiz take`).
        attempt_id: String,
        /// The chosen choice per question, in order (0 is the first choice).
        #[arg(required = true)]
        answers: Vec<i32>,
    },
    /// Scores per person, and the articles at least half the takers got wrong.
    Results {
        /// The quiz's id.
        quiz_id: String,
        /// Only this person's attempts.
        #[arg(long, default_value = "")]
        staff: String,
    },
}

/// A question of the questions file.
fn question(v: &Value, at: usize) -> anyhow::Result<pb::QuizQuestion> {
    let field = |name: &str| {
        v.get(name)
            .ok_or_else(|| anyhow!("question {at}: no \"{name}\""))
    };
    let choices = field("choices")?
        .as_array()
        .ok_or_else(|| anyhow!("question {at}: \"choices\" is not a list"))?
        .iter()
        .map(|c| c.as_str().map(str::to_string))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| anyhow!("question {at}: every choice is a string"))?;
    Ok(pb::QuizQuestion {
        text: field("text")?.as_str().unwrap_or_default().to_string(),
        choices,
        correct_choice: field("correct_choice")?
            .as_i64()
            .and_then(|n| i32::try_from(n).ok())
            .ok_or_else(|| anyhow!("question {at}: \"correct_choice\" is a number"))?,
        article_id: v
            .get("article_id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
    })
}

fn read_questions(path: &PathBuf) -> anyhow::Result<Vec<pb::QuizQuestion>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let list: Vec<Value> = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a JSON list of questions", path.display()))?;
    list.iter()
        .enumerate()
        .map(|(i, q)| question(q, i + 1))
        .collect()
}

fn due_at(text: &str) -> anyhow::Result<prost_types::Timestamp> {
    let t = chrono::DateTime::parse_from_rfc3339(text).with_context(|| {
        format!("--due {text:?} is not an RFC 3339 time (2026-12-31T18:00:00+08:00)")
    })?;
    Ok(prost_types::Timestamp {
        seconds: t.timestamp(),
        nanos: 0,
    })
}

fn score_json(s: &pb::QuizScore) -> Value {
    json!({
        "attempt_id": s.attempt_id,
        "quiz_id": s.quiz_id,
        "staff_id": s.staff_id,
        "correct": s.correct,
        "total": s.total,
        "submitted_at": rfc3339(s.submitted_at.as_ref()),
    })
}

fn attempt_json(a: &pb::QuizAttempt) -> Value {
    json!({
        "attempt_id": a.attempt_id,
        "quiz_id": a.quiz_id,
        "title": a.title,
        "questions": a.questions.iter().map(|q| json!({"text": q.text, "choices": q.choices})).collect::<Vec<_>>(),
    })
}

pub async fn run(args: ClientArgs, cmd: QuizCmd) -> anyhow::Result<()> {
    let (channel, bearer) = connect(&args).await?;
    let mut kb = KnowledgeServiceClient::with_interceptor(channel, bearer);
    match cmd {
        QuizCmd::Create {
            property,
            title,
            questions,
            idempotency_key,
        } => {
            let quiz = kb
                .create_quiz(pb::CreateQuizRequest {
                    property_id: property,
                    title,
                    questions: read_questions(&questions)?,
                    idempotency_key: key(idempotency_key),
                })
                .await
                .map_err(status_error)?
                .into_inner();
            let v = json!({"quiz_id": quiz.quiz_id, "title": quiz.title, "questions": quiz.questions.len()});
            if args.quiet {
                println!("{}", quiz.quiz_id);
            } else if args.json {
                println!("{v}");
            } else {
                println!(
                    "quiz {} \"{}\": {} questions",
                    quiz.quiz_id,
                    quiz.title,
                    quiz.questions.len()
                );
            }
        }
        QuizCmd::Assign {
            quiz_id,
            departments,
            staff,
            due,
        } => {
            let a = kb
                .assign_quiz(pb::AssignQuizRequest {
                    quiz_id,
                    departments,
                    staff_ids: staff,
                    due_at: Some(due_at(&due)?),
                })
                .await
                .map_err(status_error)?
                .into_inner();
            let v = json!({"assignment_id": a.assignment_id, "quiz_id": a.quiz_id, "departments": a.departments, "staff_ids": a.staff_ids, "due_at": rfc3339(a.due_at.as_ref())});
            if args.json {
                println!("{v}");
            } else {
                println!(
                    "assigned {} (due {})",
                    a.quiz_id,
                    time_of(a.due_at.as_ref())
                );
            }
        }
        QuizCmd::Take { quiz_id } => {
            let a = kb
                .take_quiz(pb::TakeQuizRequest { quiz_id })
                .await
                .map_err(status_error)?
                .into_inner();
            print_attempt(args.json, args.quiet, &a);
        }
        QuizCmd::Submit {
            attempt_id,
            answers,
        } => {
            let s = kb
                .submit_answers(pb::SubmitAnswersRequest {
                    attempt_id,
                    answers,
                })
                .await
                .map_err(status_error)?
                .into_inner();
            if args.json {
                println!("{}", score_json(&s));
            } else {
                println!("{} of {} correct", s.correct, s.total);
            }
        }
        QuizCmd::Results { quiz_id, staff } => {
            let r = kb
                .list_quiz_results(pb::ListQuizResultsRequest {
                    quiz_id,
                    staff_id: staff,
                })
                .await
                .map_err(status_error)?
                .into_inner();
            print_results(args.json, &r);
        }
    }
    Ok(())
}

fn print_attempt(json: bool, quiet: bool, a: &pb::QuizAttempt) {
    if quiet {
        println!("{}", a.attempt_id);
        return;
    }
    if json {
        println!("{}", attempt_json(a));
        return;
    }
    println!("{} — attempt {}", a.title, a.attempt_id);
    for (n, q) in a.questions.iter().enumerate() {
        println!("\n{}. {}", n + 1, q.text);
        for (c, choice) in q.choices.iter().enumerate() {
            println!("   {c}) {choice}");
        }
    }
    println!(
        "\nanswer with: frontdesk quiz submit {} <choice per question>",
        a.attempt_id
    );
}

fn print_results(json: bool, r: &pb::ListQuizResultsResponse) {
    if json {
        let articles: Vec<_> = r
            .articles
            .iter()
            .map(|a| json!({"article_id": a.article_id, "answered": a.answered, "wrong": a.wrong, "flagged_for_training": a.flagged_for_training}))
            .collect();
        let scores: Vec<_> = r.scores.iter().map(score_json).collect();
        println!("{}", json!({"scores": scores, "articles": articles}));
        return;
    }
    let mut t = table(&["staff", "correct", "total", "submitted"]);
    for s in &r.scores {
        t.add_row(vec![
            s.staff_id.clone(),
            s.correct.to_string(),
            s.total.to_string(),
            time_of(s.submitted_at.as_ref()),
        ]);
    }
    println!("{}", fit(t));
    for a in r.articles.iter().filter(|a| a.flagged_for_training) {
        println!(
            "train on {}: {} of {} answers wrong",
            a.article_id, a.wrong, a.answered
        );
    }
}
