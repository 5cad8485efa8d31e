//! Who in the lead department takes the inquiry: one named person (CI-3.5), or the
//! department's queue when nobody on duty has room (the caller tells the head). Deterministic:
//! the same candidates, inquiry and cursor always give the same choice.

use crate::domain::directory::Staff;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub staff_id: String,
    pub on_duty: bool,
    pub languages: Vec<String>,
    pub skills: Vec<String>,
    pub capacity: i64,
    /// Inquiries this person currently owns and has not closed.
    pub open_load: i64,
}

impl Candidate {
    pub fn from_staff(s: &Staff, open_load: i64) -> Self {
        Self {
            staff_id: s.staff_id.clone(),
            on_duty: s.on_duty,
            languages: s.languages.clone(),
            skills: s.skills.clone(),
            capacity: s.capacity,
            open_load,
        }
    }

    fn has_room(&self) -> bool {
        self.on_duty && self.open_load < self.capacity
    }

    fn speaks(&self, language: &str) -> bool {
        self.languages
            .iter()
            .any(|l| l.eq_ignore_ascii_case(language))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    Assigned { staff_id: String, reason: String },
    Queue { reason: String },
}

/// Picks the person responsible. In order: on duty with room (open_load < capacity); speaks
/// the inquiry's language if anyone on duty does, so a busy speaker is waited for rather
/// than answering in the wrong language; has the category skill if anyone left does; least
/// open load; ties by staff id, rotated by `rr_cursor` so equal colleagues share the work.
pub fn choose(candidates: &[Candidate], language: &str, category: &str, rr_cursor: u64) -> Choice {
    if !candidates.iter().any(|c| c.on_duty) {
        return Choice::Queue {
            reason: "nobody in the department is on duty".into(),
        };
    }
    let mut notes = Vec::new();
    let speaker_on_duty = candidates.iter().any(|c| c.on_duty && c.speaks(language));
    let mut pool: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| c.has_room() && (!speaker_on_duty || c.speaks(language)))
        .collect();
    if pool.is_empty() {
        let who = if speaker_on_duty {
            format!("everyone on duty who speaks {language:?}")
        } else {
            "everyone on duty".to_string()
        };
        return Choice::Queue {
            reason: format!("{who} is at capacity"),
        };
    }
    if speaker_on_duty {
        notes.push(format!("speaks {language}"));
    } else {
        notes.push(format!("nobody on duty speaks {language:?}; any language"));
    }
    if pool.iter().any(|c| c.skills.iter().any(|s| s == category)) {
        pool.retain(|c| c.skills.iter().any(|s| s == category));
        notes.push(format!("handles {category}"));
    }
    let least = pool.iter().map(|c| c.open_load).min().unwrap_or_default();
    let mut ties: Vec<&Candidate> = pool.into_iter().filter(|c| c.open_load == least).collect();
    ties.sort_by(|a, b| a.staff_id.cmp(&b.staff_id));
    // Both sides are below `ties.len()`, so the index is in range and the cast is lossless.
    let at = (rr_cursor % ties.len() as u64) as usize;
    let Some(picked) = ties.get(at) else {
        return Choice::Queue {
            reason: "no candidate left".into(),
        };
    };
    notes.push(format!(
        "least open load ({}/{})",
        picked.open_load, picked.capacity
    ));
    if ties.len() > 1 {
        notes.push(format!("round-robin among {} tied", ties.len()));
    }
    Choice::Assigned {
        staff_id: picked.staff_id.clone(),
        reason: notes.join("; "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(id: &str, langs: &[&str], skills: &[&str], load: i64) -> Candidate {
        Candidate {
            staff_id: id.into(),
            on_duty: true,
            languages: langs.iter().map(|s| s.to_string()).collect(),
            skills: skills.iter().map(|s| s.to_string()).collect(),
            capacity: 5,
            open_load: load,
        }
    }

    fn assigned(c: Choice) -> String {
        match c {
            Choice::Assigned { staff_id, .. } => staff_id,
            Choice::Queue { reason } => panic!("queued: {reason}"),
        }
    }

    fn queued(c: Choice) -> String {
        match c {
            Choice::Queue { reason } => reason,
            Choice::Assigned { staff_id, .. } => panic!("assigned {staff_id}"),
        }
    }

    #[test]
    fn least_loaded_wins() {
        let cs = [cand("a", &["zh"], &[], 3), cand("b", &["zh"], &[], 1)];
        assert_eq!(assigned(choose(&cs, "zh", "dining", 0)), "b");
    }

    #[test]
    fn off_duty_and_full_people_are_skipped() {
        let mut off = cand("a", &["zh"], &[], 0);
        off.on_duty = false;
        let cs = [off, cand("b", &["zh"], &[], 5), cand("c", &["zh"], &[], 4)];
        assert_eq!(assigned(choose(&cs, "zh", "dining", 0)), "c");
    }

    #[test]
    fn the_category_skill_is_preferred_over_a_lighter_load() {
        let cs = [
            cand("a", &["zh"], &[], 0),
            cand("b", &["zh"], &["events"], 3),
        ];
        assert_eq!(assigned(choose(&cs, "zh", "events", 0)), "b");
        // Nobody has the skill: everyone with room is considered.
        assert_eq!(assigned(choose(&cs, "zh", "dining", 0)), "a");
    }

    #[test]
    fn the_inquiry_language_is_required_when_someone_on_duty_speaks_it() {
        let cs = [
            cand("a", &["zh"], &["dining"], 0),
            cand("b", &["zh", "EN"], &[], 4),
        ];
        assert_eq!(assigned(choose(&cs, "en", "dining", 0)), "b");
        // The only English speaker is full: wait for them rather than answer in Chinese.
        let cs = [cand("a", &["zh"], &[], 0), cand("b", &["en"], &[], 5)];
        assert!(queued(choose(&cs, "en", "dining", 0)).contains("speaks \"en\""));
    }

    #[test]
    fn nobody_speaking_the_language_falls_back_to_anyone_with_room() {
        let cs = [cand("a", &["zh"], &[], 2), cand("b", &["zh"], &[], 1)];
        match choose(&cs, "ja", "dining", 0) {
            Choice::Assigned { staff_id, reason } => {
                assert_eq!(staff_id, "b");
                assert!(reason.contains("nobody on duty speaks \"ja\""), "{reason}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn ties_rotate_with_the_cursor_in_staff_id_order() {
        let cs = [
            cand("c", &["zh"], &[], 1),
            cand("a", &["zh"], &[], 1),
            cand("b", &["zh"], &[], 1),
            cand("d", &["zh"], &[], 2),
        ];
        let picks: Vec<String> = (0..4)
            .map(|i| assigned(choose(&cs, "zh", "x", i)))
            .collect();
        assert_eq!(picks, ["a", "b", "c", "a"]);
        assert_eq!(assigned(choose(&cs, "zh", "x", u64::MAX)), "a");
    }

    #[test]
    fn full_or_absent_departments_queue() {
        let cs = [cand("a", &["zh"], &[], 5), cand("b", &["zh"], &[], 7)];
        assert!(queued(choose(&cs, "zh", "dining", 0)).contains("capacity"));
        let mut off = cand("a", &["zh"], &[], 0);
        off.on_duty = false;
        assert!(queued(choose(&[off], "zh", "dining", 0)).contains("on duty"));
        assert!(queued(choose(&[], "zh", "dining", 0)).contains("on duty"));
    }
}
