//! The labelled-example format shared by the embedded training file and the test sets:
//! JSON Lines of flat objects with string values,
//! `{"text": "...", "channel": "<code>", "category": "<code>", "complexity": "simple|complex"}`.
//!
//! Parsed by hand so the classifier needs no JSON dependency for a format this small.

use crate::domain::model::{Category, Channel, Complexity};

/// One labelled inquiry.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Labelled {
    pub text: String,
    pub channel: Channel,
    pub category: Category,
    pub complexity: Complexity,
}

/// Every line of `jsonl`, in order: `Err(line number)` (1-based) for a line that is not a
/// flat object with known channel/category/complexity codes. Blank lines are skipped.
pub(crate) fn parse_jsonl(jsonl: &str) -> Vec<Result<Labelled, usize>> {
    jsonl
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, line)| parse_line(line).ok_or(i + 1))
        .collect()
}

fn parse_line(line: &str) -> Option<Labelled> {
    let fields = parse_flat_object(line)?;
    let get = |k: &str| {
        fields
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    Some(Labelled {
        text: get("text")?.to_string(),
        channel: Channel::from_code(get("channel")?)?,
        category: Category::from_code(get("category")?)?,
        complexity: Complexity::from_code(get("complexity")?)?,
    })
}

/// Parse `{"k": "v", ...}` with string values only (JSON escapes supported).
pub(crate) fn parse_flat_object(line: &str) -> Option<Vec<(String, String)>> {
    let mut chars = line.trim().chars().peekable();
    let mut fields = Vec::new();
    let skip_ws = |c: &mut std::iter::Peekable<std::str::Chars<'_>>| {
        while c.peek().is_some_and(|c| c.is_whitespace()) {
            c.next();
        }
    };
    let string = |c: &mut std::iter::Peekable<std::str::Chars<'_>>| -> Option<String> {
        if c.next()? != '"' {
            return None;
        }
        let mut s = String::new();
        loop {
            match c.next()? {
                '"' => return Some(s),
                '\\' => match c.next()? {
                    'n' => s.push('\n'),
                    't' => s.push('\t'),
                    'r' => s.push('\r'),
                    'u' => {
                        let hex: String = (0..4).filter_map(|_| c.next()).collect();
                        let mut code = u32::from_str_radix(&hex, 16).ok()?;
                        if (0xD800..0xDC00).contains(&code) {
                            // Surrogate pair: \uD83D\uDE00.
                            let lo: String = (0..6).filter_map(|_| c.next()).collect();
                            let lo = u32::from_str_radix(lo.get(2..)?, 16).ok()?;
                            code = 0x10000 + ((code - 0xD800) << 10) + lo.checked_sub(0xDC00)?;
                        }
                        s.push(char::from_u32(code)?);
                    }
                    other => s.push(other),
                },
                ch => s.push(ch),
            }
        }
    };
    skip_ws(&mut chars);
    if chars.next()? != '{' {
        return None;
    }
    loop {
        skip_ws(&mut chars);
        let key = string(&mut chars)?;
        skip_ws(&mut chars);
        if chars.next()? != ':' {
            return None;
        }
        skip_ws(&mut chars);
        let value = string(&mut chars)?;
        fields.push((key, value));
        skip_ws(&mut chars);
        match chars.next()? {
            ',' => continue,
            '}' => return Some(fields),
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lines_and_reports_bad_ones() {
        let got = parse_jsonl(
            "{\"text\": \"a\\u00e9\\\"\", \"channel\": \"email\", \"category\": \"dining\", \"complexity\": \"simple\"}\n\n{\"text\": 1}\n{\"text\": \"\\uD83D\\u0041\"}",
        );
        assert_eq!(got.len(), 3);
        assert!(matches!(&got[0], Ok(l) if l.text == "aé\"" && l.category == Category::Dining));
        assert_eq!(got[1], Err(3));
        assert_eq!(
            got[2],
            Err(4),
            "a broken surrogate pair is refused, not a panic"
        );
    }
}
