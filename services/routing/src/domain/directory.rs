//! Departments, staff and partners of a property, and what makes each valid. Violations
//! name the request field (`department.code`, `staff.capacity` …).

use frontdesk_platform::contact::{valid_email, valid_phone};
use frontdesk_platform::error::Violations;

/// Category codes staff skills may name (intake's taxonomy).
pub const CATEGORY_CODES: &[&str] = &[
    "room_rates",
    "reservation",
    "check_in_out",
    "dining",
    "facilities",
    "events",
    "local_info",
    "guest_lookup",
    "messages_mail",
    "complaint",
    "suggestion",
    "hotel_services",
    "other",
];

pub const MAX_CAPACITY: i64 = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Department {
    pub property_id: String,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub head_staff_id: String,
    pub duty_manager_staff_id: String,
    pub email: String,
    pub phone: String,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffRole {
    Agent,
    Supervisor,
    Manager,
}

impl StaffRole {
    pub fn code(self) -> &'static str {
        match self {
            StaffRole::Agent => "agent",
            StaffRole::Supervisor => "supervisor",
            StaffRole::Manager => "manager",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        match s {
            "agent" => Some(StaffRole::Agent),
            "supervisor" => Some(StaffRole::Supervisor),
            "manager" => Some(StaffRole::Manager),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    pub property_id: String,
    pub staff_id: String,
    pub name: String,
    pub department_code: String,
    pub role: StaffRole,
    pub languages: Vec<String>,
    pub skills: Vec<String>,
    pub capacity: i64,
    pub on_duty: bool,
    pub updated_at: i64,
    /// Weekly shifts ("mon 09:00-17:00"); empty: the on-duty switch alone decides.
    pub shifts: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartnerKind {
    TravelAgency,
    Supplier,
    Transport,
    Other,
}

impl PartnerKind {
    pub fn code(self) -> &'static str {
        match self {
            PartnerKind::TravelAgency => "travel_agency",
            PartnerKind::Supplier => "supplier",
            PartnerKind::Transport => "transport",
            PartnerKind::Other => "other",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        match s {
            "travel_agency" => Some(PartnerKind::TravelAgency),
            "supplier" => Some(PartnerKind::Supplier),
            "transport" => Some(PartnerKind::Transport),
            "other" => Some(PartnerKind::Other),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partner {
    pub property_id: String,
    pub partner_id: String,
    pub kind: PartnerKind,
    pub name: String,
    pub contact_name: String,
    pub phone: String,
    pub email: String,
    pub handles: String,
    pub updated_at: i64,
}

/// Department codes: lowercase ASCII, digits, `_`; 2–40 characters.
pub fn valid_code(s: &str) -> bool {
    (2..=40).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Staff and partner ids (often from the PMS or HR system): 1–64 of `A-Z a-z 0-9 . _ -`.
pub fn valid_id(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

fn text(v: &mut Violations, field: &str, value: &str, required: bool, max: usize) {
    if required && value.trim().is_empty() {
        v.add(field, "required");
    } else if value.chars().count() > max {
        v.add(field, format!("at most {max} characters"));
    }
}

fn contact(v: &mut Violations, prefix: &str, email: &str, phone: &str) {
    if !email.is_empty() && !valid_email(email) {
        v.add(format!("{prefix}.email"), "not an e-mail address");
    }
    if !phone.is_empty() && !valid_phone(phone) {
        v.add(format!("{prefix}.phone"), "not a phone number");
    }
}

pub fn validate_department(d: &Department) -> Result<(), Violations> {
    let mut v = Violations::new();
    text(&mut v, "department.property_id", &d.property_id, true, 64);
    if !valid_code(&d.code) {
        v.add("department.code", "2–40 characters of a-z, 0-9 and _");
    }
    if d.name_zh.trim().is_empty() && d.name_en.trim().is_empty() {
        v.add(
            "department.name_zh",
            "a Chinese or English name is required",
        );
    }
    text(&mut v, "department.name_zh", &d.name_zh, false, 100);
    text(&mut v, "department.name_en", &d.name_en, false, 100);
    for (field, id) in [
        ("department.head_staff_id", &d.head_staff_id),
        ("department.duty_manager_staff_id", &d.duty_manager_staff_id),
    ] {
        if !id.is_empty() && !valid_id(id) {
            v.add(field, "not a staff id");
        }
    }
    contact(&mut v, "department", &d.email, &d.phone);
    v.into_result(())
}

pub fn validate_staff(s: &Staff) -> Result<(), Violations> {
    let mut v = Violations::new();
    text(&mut v, "staff.property_id", &s.property_id, true, 64);
    if !valid_id(&s.staff_id) {
        v.add("staff.staff_id", "1–64 characters of A-Z, a-z, 0-9, . _ -");
    }
    text(&mut v, "staff.name", &s.name, true, 100);
    if !valid_code(&s.department_code) {
        v.add("staff.department_code", "required: a department code");
    }
    if s.languages.is_empty() {
        v.add("staff.languages", "at least one language, e.g. zh or en");
    }
    for l in &s.languages {
        if !(2..=3).contains(&l.len()) || !l.chars().all(|c| c.is_ascii_lowercase()) {
            v.add(
                "staff.languages",
                format!("{l:?} is not a language code like zh or en"),
            );
        }
    }
    for skill in &s.skills {
        if !CATEGORY_CODES.contains(&skill.as_str()) {
            v.add("staff.skills", format!("{skill:?} is not a category code"));
        }
    }
    for shift in &s.shifts {
        if super::shift::parse(shift).is_none() {
            v.add(
                "staff.shifts",
                format!("{shift:?} is not a shift like \"mon 09:00-17:00\""),
            );
        }
    }
    if !(1..=MAX_CAPACITY).contains(&s.capacity) {
        v.add(
            "staff.capacity",
            format!("between 1 and {MAX_CAPACITY} open inquiries"),
        );
    }
    v.into_result(())
}

pub fn validate_partner(p: &Partner) -> Result<(), Violations> {
    let mut v = Violations::new();
    text(&mut v, "partner.property_id", &p.property_id, true, 64);
    if !valid_id(&p.partner_id) {
        v.add(
            "partner.partner_id",
            "1–64 characters of A-Z, a-z, 0-9, . _ -",
        );
    }
    text(&mut v, "partner.name", &p.name, true, 200);
    text(&mut v, "partner.contact_name", &p.contact_name, false, 100);
    text(&mut v, "partner.handles", &p.handles, false, 2_000);
    // CI-3.4: the customer must be told how to reach the partner.
    if p.phone.is_empty() && p.email.is_empty() {
        v.add(
            "partner",
            "a phone or e-mail the customer can use is required",
        );
    }
    contact(&mut v, "partner", &p.email, &p.phone);
    v.into_result(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staff() -> Staff {
        Staff {
            property_id: "sh-bund".into(),
            staff_id: "E1024".into(),
            name: "李娜".into(),
            department_code: "front_office".into(),
            role: StaffRole::Agent,
            languages: vec!["zh".into(), "en".into()],
            skills: vec!["reservation".into()],
            capacity: 8,
            on_duty: true,
            updated_at: 0,
            shifts: vec![],
        }
    }

    fn fields(r: Result<(), Violations>) -> Vec<String> {
        r.expect_err("invalid").fields().map(String::from).collect()
    }

    #[test]
    fn valid_staff_passes_and_each_bad_field_is_named() {
        assert!(validate_staff(&staff()).is_ok());
        let mut s = staff();
        s.capacity = 0;
        s.skills = vec!["cooking".into()];
        s.languages = vec![];
        assert_eq!(
            fields(validate_staff(&s)),
            ["staff.languages", "staff.skills", "staff.capacity"]
        );
    }

    #[test]
    fn partners_need_a_way_for_the_customer_to_reach_them() {
        let p = Partner {
            property_id: "sh-bund".into(),
            partner_id: "ctrip-sh".into(),
            kind: PartnerKind::TravelAgency,
            name: "携程上海".into(),
            contact_name: String::new(),
            phone: String::new(),
            email: String::new(),
            handles: "tours".into(),
            updated_at: 0,
        };
        assert_eq!(fields(validate_partner(&p)), ["partner"]);
    }

    #[test]
    fn department_codes_are_lowercase_identifiers() {
        assert!(valid_code("food_beverage"));
        assert!(!valid_code("Food Beverage"));
        assert!(!valid_code("x"));
    }
}
