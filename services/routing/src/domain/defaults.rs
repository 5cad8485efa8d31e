//! The departments every property starts with, so `frontdesk dev` routes out of the box.
//! Names in Chinese and English; codes are stable identifiers used by routing rules.

/// (code, 中文名, English name)
pub const DEFAULT_DEPARTMENTS: &[(&str, &str, &str)] = &[
    ("front_office", "前厅部", "Front Office"),
    ("sales_marketing", "销售市场部", "Sales & Marketing"),
    ("food_beverage", "餐饮部", "Food & Beverage"),
    ("recreation", "康乐部", "Recreation (gym, pool, spa)"),
    (
        "banquets_conferences",
        "宴会会议部",
        "Banquets & Conferences",
    ),
    ("guest_relations", "宾客关系部", "Guest Relations"),
    ("concierge", "礼宾部", "Concierge"),
    (
        "administration",
        "行政办公室",
        "Administration (e-mail inbox)",
    ),
    ("social_media", "新媒体团队", "Social-media Team"),
    ("call_center", "呼叫中心", "Call Center"),
    ("housekeeping", "客房部", "Housekeeping"),
    ("engineering", "工程部", "Engineering"),
];

#[cfg(test)]
mod tests {
    use super::DEFAULT_DEPARTMENTS;
    use crate::domain::directory::valid_code;
    use std::collections::HashSet;

    #[test]
    fn default_departments_have_unique_valid_codes_and_both_names() {
        let codes: HashSet<&str> = DEFAULT_DEPARTMENTS.iter().map(|d| d.0).collect();
        assert_eq!(codes.len(), 12);
        for (code, zh, en) in DEFAULT_DEPARTMENTS {
            assert!(valid_code(code), "{code}");
            assert!(!zh.is_empty() && !en.is_empty());
        }
    }
}
