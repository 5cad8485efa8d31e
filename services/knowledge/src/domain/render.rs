//! Reply templates: `{{name}}` placeholders filled from variables. A missing variable is an
//! error naming it, never a blank in a customer's message.

use std::collections::BTreeMap;

/// The placeholder names of `template`, each once, in order.
pub fn placeholders(template: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        let name = after[..end].trim().to_string();
        if !name.is_empty() && !out.contains(&name) {
            out.push(name);
        }
        rest = &after[end + 2..];
    }
    out
}

/// The filled text, or the names of the variables missing (or blank).
pub fn render(template: &str, vars: &BTreeMap<String, String>) -> Result<String, Vec<String>> {
    let missing: Vec<String> = placeholders(template)
        .into_iter()
        .filter(|n| vars.get(n).is_none_or(|v| v.trim().is_empty()))
        .collect();
    if !missing.is_empty() {
        return Err(missing);
    }
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        out.push_str(&rest[..start]);
        let name = after[..end].trim();
        match vars.get(name) {
            Some(v) if !name.is_empty() => out.push_str(v),
            _ => out.push_str(&rest[start..start + 2 + end + 2]),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn fills_every_placeholder() {
        let t = "{{guest_name}}您好，预计 {{ new_expected_time }} 回复。{{guest_name}}";
        assert_eq!(
            render(
                t,
                &vars(&[("guest_name", "王芳"), ("new_expected_time", "15:00")])
            ),
            Ok("王芳您好，预计 15:00 回复。王芳".into())
        );
    }

    #[test]
    fn names_every_missing_or_blank_variable() {
        let t = "Dear {{guest_name}}, {{department}} will call within {{wait}}.";
        assert_eq!(
            render(t, &vars(&[("department", " ")])),
            Err(vec![
                "guest_name".into(),
                "department".into(),
                "wait".into()
            ])
        );
    }
}
