//! Quizzes (CI-4.3): validation, scoring and the articles to train on.

use frontdesk_platform::error::Violations;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub text: String,
    pub choices: Vec<String>,
    pub correct_choice: usize,
    pub article_id: String,
}

/// Every violation of a quiz's questions (`questions[i].…`).
pub fn validate(questions: &[(String, Vec<String>, i32, String)], v: &mut Violations) {
    if questions.is_empty() {
        v.add("questions", "at least one question");
    }
    if questions.len() > 100 {
        v.add("questions", "at most 100 questions");
    }
    for (i, (text, choices, correct, article)) in questions.iter().enumerate() {
        if text.trim().is_empty() {
            v.add(format!("questions[{i}].text"), "required");
        }
        if choices.len() < 2 || choices.len() > 10 {
            v.add(format!("questions[{i}].choices"), "two to ten choices");
        }
        if choices
            .iter()
            .any(|c| c.trim().is_empty() || c.contains('\n'))
        {
            v.add(
                format!("questions[{i}].choices"),
                "each choice is one non-empty line",
            );
        }
        if *correct < 0 || usize::try_from(*correct).is_ok_and(|c| c >= choices.len()) {
            v.add(
                format!("questions[{i}].correct_choice"),
                "must index one of the choices",
            );
        }
        if article.trim().is_empty() {
            v.add(
                format!("questions[{i}].article_id"),
                "required: the article tested",
            );
        }
    }
}

/// Correct answers among `answers` (one per question, in order).
pub fn score(questions: &[Question], answers: &[usize]) -> usize {
    questions
        .iter()
        .zip(answers)
        .filter(|(q, a)| q.correct_choice == **a)
        .count()
}

/// Per article: (answered, wrong, flagged), flagged when at least half were wrong.
pub fn article_results(
    questions: &[Question],
    attempts: &[Vec<usize>],
) -> BTreeMap<String, (usize, usize, bool)> {
    let mut out: BTreeMap<String, (usize, usize, bool)> = BTreeMap::new();
    for answers in attempts {
        for (q, a) in questions.iter().zip(answers) {
            let e = out.entry(q.article_id.clone()).or_default();
            e.0 += 1;
            if q.correct_choice != *a {
                e.1 += 1;
            }
        }
    }
    for e in out.values_mut() {
        e.2 = e.0 > 0 && e.1 * 2 >= e.0;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(article: &str, correct: usize) -> Question {
        Question {
            text: "?".into(),
            choices: vec!["a".into(), "b".into()],
            correct_choice: correct,
            article_id: article.into(),
        }
    }

    #[test]
    fn scores_and_flags_articles_half_get_wrong() {
        let qs = vec![q("wifi", 0), q("breakfast", 1)];
        assert_eq!(score(&qs, &[0, 1]), 2);
        assert_eq!(score(&qs, &[1, 1]), 1);
        let r = article_results(&qs, &[vec![0, 0], vec![1, 1], vec![0, 1]]);
        assert_eq!(r["wifi"], (3, 1, false));
        assert_eq!(r["breakfast"], (3, 1, false));
        let r = article_results(&qs, &[vec![1, 1], vec![0, 0]]);
        assert_eq!(r["wifi"], (2, 1, true));
    }

    #[test]
    fn bad_questions_name_their_fields() {
        let mut v = Violations::new();
        validate(
            &[(String::new(), vec!["x".into()], 3, String::new())],
            &mut v,
        );
        let f: Vec<&str> = v.fields().collect();
        assert_eq!(
            f,
            [
                "questions[0].text",
                "questions[0].choices",
                "questions[0].correct_choice",
                "questions[0].article_id"
            ]
        );
    }
}
