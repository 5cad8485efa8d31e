//! An article's fields, their validation and the review workflow.

use super::Code;
use frontdesk_platform::error::Violations;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Faq,
    Procedure,
    Policy,
    ReplyTemplate,
    LocalInfo,
}

impl Code for Kind {
    const ALL: &'static [Self] = &[
        Kind::Faq,
        Kind::Procedure,
        Kind::Policy,
        Kind::ReplyTemplate,
        Kind::LocalInfo,
    ];
    fn code(self) -> &'static str {
        match self {
            Kind::Faq => "faq",
            Kind::Procedure => "procedure",
            Kind::Policy => "policy",
            Kind::ReplyTemplate => "reply_template",
            Kind::LocalInfo => "local_info",
        }
    }
}

impl Kind {
    pub fn code(self) -> &'static str {
        <Self as Code>::code(self)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    Zh,
    En,
}

impl Code for Lang {
    const ALL: &'static [Self] = &[Lang::Zh, Lang::En];
    fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }
}

impl Lang {
    pub fn code(self) -> &'static str {
        <Self as Code>::code(self)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Draft,
    InReview,
    Published,
    Retired,
}

impl Code for Status {
    const ALL: &'static [Self] = &[
        Status::Draft,
        Status::InReview,
        Status::Published,
        Status::Retired,
    ];
    fn code(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::InReview => "in_review",
            Status::Published => "published",
            Status::Retired => "retired",
        }
    }
}

impl Status {
    pub fn code(self) -> &'static str {
        <Self as Code>::code(self)
    }
}

pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_BODY_CHARS: usize = 20_000;
pub const MAX_SLUG_CHARS: usize = 100;
pub const MAX_TAGS: usize = 20;
pub const MAX_TAG_CHARS: usize = 40;

/// The editable fields of an article version.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Fields {
    pub slug: String,
    pub kind: Option<Kind>,
    pub language: Option<Lang>,
    pub translation_of: String,
    pub title: String,
    pub body: String,
    pub tags: Vec<String>,
    pub owner_department: String,
    pub effective_from: Option<i64>,
    pub effective_until: Option<i64>,
    pub review_by: Option<i64>,
}

fn bad_text(s: &str) -> bool {
    s.chars()
        .any(|c| c == '\0' || (c.is_control() && c != '\n' && c != '\r' && c != '\t'))
}

/// Every violation of `f`, each under `prefix.<field>` (e.g. `article.title`).
pub fn validate(f: &Fields, prefix: &str, v: &mut Violations) {
    let field = |name: &str| format!("{prefix}.{name}");
    let slug_ok = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_';
    if f.slug.is_empty() {
        v.add(
            field("slug"),
            "required (a stable key such as wifi-password)",
        );
    } else if f.slug.chars().count() > MAX_SLUG_CHARS || !f.slug.chars().all(slug_ok) {
        v.add(
            field("slug"),
            format!("lower-case letters, digits, - and _ only, at most {MAX_SLUG_CHARS}"),
        );
    }
    if f.kind.is_none() {
        v.add(field("kind"), "required");
    }
    if f.language.is_none() {
        v.add(field("language"), "required: zh or en");
    }
    let title = f.title.trim();
    if title.is_empty() {
        v.add(field("title"), "required");
    } else if title.chars().count() > MAX_TITLE_CHARS || bad_text(title) || title.contains('\n') {
        v.add(
            field("title"),
            format!("one line of at most {MAX_TITLE_CHARS} characters"),
        );
    }
    if f.body.trim().is_empty() {
        v.add(field("body"), "required");
    } else if f.body.chars().count() > MAX_BODY_CHARS || bad_text(&f.body) {
        v.add(
            field("body"),
            format!("at most {MAX_BODY_CHARS} characters, no control characters"),
        );
    }
    if f.tags.len() > MAX_TAGS {
        v.add(field("tags"), format!("at most {MAX_TAGS} tags"));
    }
    for (i, t) in f.tags.iter().enumerate() {
        if t.trim().is_empty() || t.chars().count() > MAX_TAG_CHARS || bad_text(t) {
            v.add(
                format!("{prefix}.tags[{i}]"),
                format!("a non-empty tag of at most {MAX_TAG_CHARS} characters"),
            );
        }
    }
    if f.owner_department.chars().count() > 64 || bad_text(&f.owner_department) {
        v.add(field("owner_department"), "at most 64 characters");
    }
    if let (Some(from), Some(until)) = (f.effective_from, f.effective_until)
        && until <= from
    {
        v.add(field("effective_until"), "must be after effective_from");
    }
    if bad_text(&f.translation_of) || f.translation_of.len() > 64 {
        v.add(field("translation_of"), "not an article id");
    }
}

/// Why a workflow step is refused, in words for the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

/// DRAFT → IN_REVIEW.
pub fn submit(status: Status) -> Result<Status, Refused> {
    match status {
        Status::Draft => Ok(Status::InReview),
        other => Err(Refused(format!(
            "only a draft can be submitted for review; this version is {}",
            other.code()
        ))),
    }
}

/// DRAFT or IN_REVIEW → PUBLISHED.
pub fn publish(status: Status) -> Result<Status, Refused> {
    match status {
        Status::Draft | Status::InReview => Ok(Status::Published),
        Status::Published => Err(Refused("this version is already published".into())),
        Status::Retired => Err(Refused(
            "the article is retired; create a new article instead".into(),
        )),
    }
}

/// Anything but RETIRED → RETIRED.
pub fn retire(status: Status) -> Result<Status, Refused> {
    match status {
        Status::Retired => Err(Refused("the article is already retired".into())),
        _ => Ok(Status::Retired),
    }
}

/// A retired article takes no new versions.
pub fn can_edit(status: Status) -> Result<(), Refused> {
    match status {
        Status::Retired => Err(Refused(
            "the article is retired; it takes no new versions".into(),
        )),
        _ => Ok(()),
    }
}

/// The fields of a new version: `current` with the masked paths taken from `patch`
/// (an empty mask takes everything). Unknown paths are violations under `update_mask`.
pub fn merge(current: &Fields, patch: &Fields, mask: &[String], v: &mut Violations) -> Fields {
    if mask.is_empty() {
        return patch.clone();
    }
    let mut out = current.clone();
    for path in mask {
        match path.as_str() {
            "slug" => out.slug.clone_from(&patch.slug),
            "kind" => out.kind = patch.kind,
            "language" => out.language = patch.language,
            "translation_of" => out.translation_of.clone_from(&patch.translation_of),
            "title" => out.title.clone_from(&patch.title),
            "body" => out.body.clone_from(&patch.body),
            "tags" => out.tags.clone_from(&patch.tags),
            "owner_department" => out.owner_department.clone_from(&patch.owner_department),
            "effective_from" => out.effective_from = patch.effective_from,
            "effective_until" => out.effective_until = patch.effective_until,
            "review_by" => out.review_by = patch.review_by,
            other => v.add("update_mask", format!("unknown path {other:?}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> Fields {
        Fields {
            slug: "wifi".into(),
            kind: Some(Kind::Faq),
            language: Some(Lang::En),
            title: "Wi-Fi".into(),
            body: "Network FD-Guest".into(),
            ..Fields::default()
        }
    }

    #[test]
    fn every_bad_field_is_named() {
        let mut v = Violations::new();
        validate(&Fields::default(), "article", &mut v);
        let fields: Vec<&str> = v.fields().collect();
        assert_eq!(
            fields,
            [
                "article.slug",
                "article.kind",
                "article.language",
                "article.title",
                "article.body"
            ]
        );
        let mut v = Violations::new();
        validate(&good(), "article", &mut v);
        assert!(v.is_empty(), "{v}");
    }

    #[test]
    fn the_workflow_moves_forward_only() {
        assert_eq!(submit(Status::Draft), Ok(Status::InReview));
        assert!(submit(Status::Published).is_err());
        assert_eq!(publish(Status::InReview), Ok(Status::Published));
        assert!(publish(Status::Retired).is_err());
        assert!(retire(Status::Retired).is_err());
        assert!(can_edit(Status::Retired).is_err());
    }

    #[test]
    fn masks_take_only_their_paths() {
        let patch = Fields {
            title: "New".into(),
            body: String::new(),
            ..Fields::default()
        };
        let mut v = Violations::new();
        let out = merge(&good(), &patch, &["title".into()], &mut v);
        assert_eq!(out.title, "New");
        assert_eq!(out.body, "Network FD-Guest");
        merge(&good(), &patch, &["colour".into()], &mut v);
        assert_eq!(v.fields().collect::<Vec<_>>(), ["update_mask"]);
    }
}
