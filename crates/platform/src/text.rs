//! Checks every service applies to free text and names before storing them: what a person
//! typed, not bytes that break storage (NUL is refused by Postgres) or mislead a reader
//! (text-direction overrides can make "gpj.exe" read as "exe.jpg"; a message of only
//! zero-width characters looks empty on every screen).

use crate::error::Violations;

/// Characters that change the direction text is displayed in (U+202A–U+202E, U+2066–U+2069).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Characters that show nothing: controls, zero-width spaces and joiners, the BOM, soft hyphen.
fn is_invisible(c: char) -> bool {
    c.is_control()
        || c.is_whitespace()
        || matches!(
            c,
            '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}'
        )
        || is_bidi_control(c)
}

/// True when `s` holds nothing a person could read.
pub fn is_blank(s: &str) -> bool {
    s.chars().all(is_invisible)
}

/// Adds a violation for `field` when `s` holds a NUL or a control character other than
/// line breaks and tabs, or (with `name`: names, ids, subjects) a text-direction override.
/// Returns whether `s` passed.
pub fn check(v: &mut Violations, field: &str, s: &str, name: bool) -> bool {
    if s.contains('\0') {
        v.add(field, "contains a NUL character");
        return false;
    }
    if s.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        v.add(field, "contains control characters");
        return false;
    }
    if name && s.chars().any(is_bidi_control) {
        v.add(
            field,
            "contains a text-direction override character (U+202A–U+202E, U+2066–U+2069)",
        );
        return false;
    }
    true
}

/// As [`check`] for a required text: also refuses text with nothing readable in it.
pub fn check_required(v: &mut Violations, field: &str, s: &str, name: bool) -> bool {
    if !s.is_empty() && is_blank(s) {
        v.add(field, "has no visible characters");
        return false;
    }
    check(v, field, s, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(s: &str, name: bool) -> Vec<String> {
        let mut v = Violations::new();
        check_required(&mut v, "f", s, name);
        v.iter().map(|(_, d)| d.to_string()).collect()
    }

    #[test]
    fn readable_text_passes_in_any_script() {
        assert!(refused("房间空调坏了\n请尽快处理", false).is_empty());
        assert!(refused("Late check-out, please\tthanks", false).is_empty());
        assert!(refused("مرحبا", true).is_empty()); // right-to-left script itself is fine
        assert!(refused("王小明 (Wang Xiaoming)", true).is_empty());
    }

    #[test]
    fn odd_input_is_refused_with_the_reason() {
        assert_eq!(refused("a\0b", false), ["contains a NUL character"]);
        assert_eq!(
            refused("\u{200B}\u{200D}\u{FEFF}", false),
            ["has no visible characters"]
        );
        assert_eq!(
            refused(" \u{7}\u{1b} ", false),
            ["has no visible characters"]
        );
        assert_eq!(refused("bell\u{7}", false), ["contains control characters"]);
        assert_eq!(refused("Ann\u{202E}gpj.exe", true).len(), 1);
        // In free text an override is odd but not dangerous to store: only names refuse it.
        assert!(refused("Ann\u{202E}gpj.exe", false).is_empty());
    }
}
