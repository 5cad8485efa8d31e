//! Reading a routing rules file (the chain default or a property's override): its maps and
//! its rules, each rule checked on its own so a bad one is named by its index in that file.

use std::collections::{BTreeMap, HashSet};

use frontdesk_platform::error::Violations;
use serde::Deserialize;

use crate::domain::directory::{CATEGORY_CODES, valid_code};
use crate::domain::routing_rules::{CHANNEL_CODES, Rule};

/// A parsed file before it is merged; `disable` only makes sense in an override.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Head {
    #[serde(default)]
    pub(crate) triage_department: Option<String>,
    #[serde(default)]
    pub(crate) receiving_team: BTreeMap<String, String>,
    #[serde(default)]
    pub(crate) category_owner: BTreeMap<String, String>,
    #[serde(default)]
    pub(crate) disable: Vec<String>,
}

/// Reads a file into its maps and rules, each rule on its own so a bad one is named by index.
/// No head when the file or its maps are unreadable: checking the whole would only add noise.
pub(crate) fn parse(s: &str, v: &mut Violations) -> (Option<Head>, Vec<Rule>) {
    let mut table: toml::Table = match s.parse() {
        Ok(t) => t,
        Err(e) => {
            v.add("rules", format!("not valid TOML: {e}"));
            return (None, Vec::new());
        }
    };
    let raw_rules = match table.remove("rule") {
        None => Vec::new(),
        Some(toml::Value::Array(a)) => a,
        Some(_) => {
            v.add("rule", "must be an array of tables: [[rule]]");
            Vec::new()
        }
    };
    let head = match toml::Value::Table(table).try_into::<Head>() {
        Ok(h) => Some(h),
        Err(e) => {
            v.add("rules", e.message().to_string());
            None
        }
    };
    let mut rules = Vec::new();
    let mut ids = HashSet::new();
    for (i, raw) in raw_rules.into_iter().enumerate() {
        match raw.clone().try_into::<Rule>() {
            Ok(rule) => {
                check_rule(v, i, &rule);
                if !ids.insert(rule.id.clone()) {
                    v.add(
                        format!("rule[{i}].id"),
                        format!("duplicate rule id {:?}", rule.id),
                    );
                }
                rules.push(rule);
            }
            Err(e) => {
                let field = match failing_key(raw, e.message()) {
                    Some(key) => format!("rule[{i}].{key}"),
                    None => format!("rule[{i}]"),
                };
                v.add(field, e.message().trim().to_string());
            }
        }
    }
    (head, rules)
}

/// The rule key a deserialization error is about. A `Value` carries no positions, so the
/// rule is re-read as text, where the error has a span, and the key on that line is taken.
/// Unknown keys are left to the message, which names them.
fn failing_key(raw: toml::Value, message: &str) -> Option<String> {
    if let Some(rest) = message.strip_prefix("missing field `") {
        return rest.split('`').next().map(String::from);
    }
    if message.starts_with("unknown field") {
        return None;
    }
    let text = toml::to_string(&raw.try_into::<toml::Table>().ok()?).ok()?;
    let start = toml::from_str::<Rule>(&text).err()?.span()?.start;
    let line_start = text.get(..start)?.rfind('\n').map_or(0, |n| n + 1);
    let key = text.get(line_start..)?.split('=').next()?.trim();
    let plain = !key.is_empty() && key.chars().all(|c| c.is_ascii_lowercase() || c == '_');
    plain.then(|| key.to_string())
}

fn check_rule(v: &mut Violations, i: usize, r: &Rule) {
    let at = |field: &str| format!("rule[{i}].{field}");
    let id = &r.id;
    if !valid_code(id) {
        v.add(at("id"), "2–40 characters of a-z, 0-9 and _");
    }
    for (field, codes, known) in [
        ("channels", &r.channels, CHANNEL_CODES),
        ("categories", &r.categories, CATEGORY_CODES),
    ] {
        for c in codes {
            if !known.contains(&c.as_str()) {
                v.add(at(field), format!("rule {id:?}: {c:?} is not a known code"));
            }
        }
    }
    if let Some(l) = &r.language
        && (!(2..=3).contains(&l.len()) || !l.chars().all(|c| c.is_ascii_lowercase()))
    {
        v.add(
            at("language"),
            format!("rule {id:?}: {l:?} is not like zh or en"),
        );
    }
    if r.text_any.iter().any(|t| t.trim().is_empty()) {
        v.add(at("text_any"), format!("rule {id:?}: empty term"));
    }
    let matches_all = r.channels.is_empty()
        && r.categories.is_empty()
        && r.complexity.is_none()
        && r.language.is_none()
        && r.text_any.is_empty();
    if matches_all && !r.fallback {
        v.add(
            at("fallback"),
            format!("rule {id:?} matches every inquiry; say fallback = true if meant"),
        );
    }
    if r.fallback && !matches_all {
        v.add(
            at("fallback"),
            format!("rule {id:?}: a fallback rule has no matchers"),
        );
    }
    if !valid_code(&r.department) {
        v.add(
            at("department"),
            format!("rule {id:?}: not a department code"),
        );
    }
    let mut seen = HashSet::new();
    for p in &r.participants {
        if !valid_code(p) || *p == r.department || !seen.insert(p) {
            v.add(
                at("participants"),
                format!("rule {id:?}: {p:?} is invalid, the lead or repeated"),
            );
        }
    }
}
