//! Shape checks for contact details, shared by every service that stores them.

/// 5 to 20 digits, optionally with a leading +, spaces, dashes or brackets.
pub fn valid_phone(p: &str) -> bool {
    let digits = p.chars().filter(|c| c.is_ascii_digit()).count();
    let allowed = p.chars().enumerate().all(|(i, c)| {
        c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')') || (c == '+' && i == 0)
    });
    allowed && (5..=20).contains(&digits)
}

/// local@domain.tld, no spaces, at most 254 characters. Deliverability is not our business.
pub fn valid_email(e: &str) -> bool {
    let Some((local, domain)) = e.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && e.len() <= 254
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !e.chars().any(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_and_emails_of_chinese_and_foreign_guests() {
        assert!(valid_phone("+86 138-0013-8000"));
        assert!(valid_phone("(021) 6321 5888"));
        assert!(!valid_phone("12ab"));
        assert!(!valid_phone("1+2345678"));
        assert!(valid_email("li.lei@example.com.cn"));
        assert!(!valid_email("li lei@example.com"));
        assert!(!valid_email("li@localhost"));
    }
}
