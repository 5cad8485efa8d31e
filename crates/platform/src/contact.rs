//! Shape checks for contact details, shared by every service that stores them.

/// 5 to 20 digits, optionally with a leading +, spaces, dashes or brackets.
pub fn valid_phone(p: &str) -> bool {
    let digits = p.chars().filter(|c| c.is_ascii_digit()).count();
    let allowed = p.chars().enumerate().all(|(i, c)| {
        c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')') || (c == '+' && i == 0)
    });
    allowed && (5..=20).contains(&digits)
}

/// A phone number as one key, whatever way it was written: its digits, without an
/// international call prefix (`+` or `00`), China's country code 86 or a national trunk `0`.
/// "+86 138-0013-8000", "0086 13800138000" and "138 0013 8000" are one key (13800138000);
/// "(021) 6321 5888" and "+86 21 6321 5888" are another. Staff find a guest by the number
/// the guest says, however it was recorded.
pub fn phone_key(p: &str) -> String {
    let trimmed = p.trim_start();
    let digits: String = p.chars().filter(char::is_ascii_digit).collect();
    let (international, rest) = if trimmed.starts_with('+') {
        (true, digits.as_str())
    } else if let Some(rest) = digits.strip_prefix("00") {
        (true, rest)
    } else {
        (false, digits.as_str())
    };
    let national = if international {
        rest.strip_prefix("86")
    } else {
        rest.strip_prefix('0').or(Some(rest))
    };
    match national {
        Some(n) => n.trim_start_matches('0').to_string(),
        None => rest.to_string(),
    }
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

    #[test]
    fn one_phone_key_however_the_number_was_written() {
        for p in [
            "+86 138-0013-8000",
            "0086 13800138000",
            "138 0013 8000",
            "13800138000",
        ] {
            assert_eq!(phone_key(p), "13800138000", "{p}");
        }
        assert_eq!(phone_key("(021) 6321 5888"), "2163215888");
        assert_eq!(phone_key("+86 21 6321 5888"), "2163215888");
        assert_eq!(phone_key("+1 (415) 555-0100"), "14155550100");
        assert_eq!(phone_key("001 415 555 0100"), "14155550100");
        assert_ne!(phone_key("+1 415 555 0100"), phone_key("415 555 0100"));
    }
}
