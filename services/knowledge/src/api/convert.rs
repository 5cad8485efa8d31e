//! Wire ↔ domain conversions.

use crate::commands::articles::ArticleView;
use crate::domain::{Fields, Kind, Lang, Status};
use crate::index::Hit;
use frontdesk_platform::error::Violations;
use frontdesk_platform::time::{opt_timestamp, to_timestamp};
use frontdesk_proto::common::v1 as common;
use frontdesk_proto::knowledge::v1 as pb;

pub fn kind(k: Kind) -> pb::ArticleKind {
    match k {
        Kind::Faq => pb::ArticleKind::Faq,
        Kind::Procedure => pb::ArticleKind::Procedure,
        Kind::Policy => pb::ArticleKind::Policy,
        Kind::ReplyTemplate => pb::ArticleKind::ReplyTemplate,
        Kind::LocalInfo => pb::ArticleKind::LocalInfo,
    }
}

pub fn kind_from(v: i32) -> Option<Kind> {
    match pb::ArticleKind::try_from(v).ok()? {
        pb::ArticleKind::Faq => Some(Kind::Faq),
        pb::ArticleKind::Procedure => Some(Kind::Procedure),
        pb::ArticleKind::Policy => Some(Kind::Policy),
        pb::ArticleKind::ReplyTemplate => Some(Kind::ReplyTemplate),
        pb::ArticleKind::LocalInfo => Some(Kind::LocalInfo),
        pb::ArticleKind::Unspecified => None,
    }
}

pub fn status(s: Status) -> pb::ArticleStatus {
    match s {
        Status::Draft => pb::ArticleStatus::Draft,
        Status::InReview => pb::ArticleStatus::InReview,
        Status::Published => pb::ArticleStatus::Published,
        Status::Retired => pb::ArticleStatus::Retired,
    }
}

pub fn status_from(v: i32) -> Option<Status> {
    match pb::ArticleStatus::try_from(v).ok()? {
        pb::ArticleStatus::Draft => Some(Status::Draft),
        pb::ArticleStatus::InReview => Some(Status::InReview),
        pb::ArticleStatus::Published => Some(Status::Published),
        pb::ArticleStatus::Retired => Some(Status::Retired),
        pb::ArticleStatus::Unspecified => None,
    }
}

pub fn lang(l: Lang) -> common::Language {
    match l {
        Lang::Zh => common::Language::Zh,
        Lang::En => common::Language::En,
    }
}

pub fn lang_from(v: i32) -> Option<Lang> {
    match common::Language::try_from(v).ok()? {
        common::Language::Zh => Some(Lang::Zh),
        common::Language::En => Some(Lang::En),
        common::Language::Unspecified => None,
    }
}

/// An optional enum filter: unspecified → None; unknown numbers are violations.
pub fn optional<T>(
    field: &str,
    v: i32,
    f: impl Fn(i32) -> Option<T>,
    out: &mut Violations,
) -> Option<T> {
    if v == 0 {
        return None;
    }
    let t = f(v);
    if t.is_none() {
        out.add(field, "not one of the listed values");
    }
    t
}

fn ts(field: &str, t: Option<&prost_types::Timestamp>, v: &mut Violations) -> Option<i64> {
    let t = t?;
    let m = frontdesk_platform::time::from_timestamp(t);
    if m.is_none() {
        v.add(field, "not a valid time");
    }
    m
}

/// The fields as sent (validation is the domain's); enum and time errors named here.
pub fn fields(f: Option<&pb::ArticleFields>, prefix: &str, v: &mut Violations) -> Fields {
    let Some(f) = f else {
        v.add(prefix, "required");
        return Fields::default();
    };
    let name = |n: &str| format!("{prefix}.{n}");
    let kind = if f.kind == 0 { None } else { kind_from(f.kind) };
    if f.kind != 0 && kind.is_none() {
        v.add(name("kind"), "not one of the listed values");
    }
    let language = if f.language == 0 {
        None
    } else {
        lang_from(f.language)
    };
    if f.language != 0 && language.is_none() {
        v.add(name("language"), "not one of the listed values");
    }
    Fields {
        slug: f.slug.trim().to_string(),
        kind,
        language,
        translation_of: f.translation_of.trim().to_string(),
        title: f.title.trim().to_string(),
        body: f.body.trim_end().to_string(),
        tags: f.tags.iter().map(|t| t.trim().to_string()).collect(),
        owner_department: f.owner_department.trim().to_string(),
        effective_from: ts(&name("effective_from"), f.effective_from.as_ref(), v),
        effective_until: ts(&name("effective_until"), f.effective_until.as_ref(), v),
        review_by: ts(&name("review_by"), f.review_by.as_ref(), v),
    }
}

pub fn article(a: &ArticleView, with_body: bool) -> pb::Article {
    let (h, ver) = (&a.head, &a.version);
    let f = &ver.fields;
    pb::Article {
        article_id: h.article_id.clone(),
        property_id: h.property_id.clone(),
        slug: f.slug.clone(),
        kind: f.kind.map_or(0, |k| kind(k) as i32),
        language: f.language.map_or(0, |l| lang(l) as i32),
        translation_of: f.translation_of.clone(),
        title: f.title.clone(),
        body: if with_body {
            f.body.clone()
        } else {
            String::new()
        },
        tags: f.tags.clone(),
        owner_department: f.owner_department.clone(),
        status: status(ver.status) as i32,
        version: ver.version,
        published_version: h.published_version,
        effective_from: opt_timestamp(f.effective_from),
        effective_until: opt_timestamp(f.effective_until),
        review_by: opt_timestamp(f.review_by),
        created_by: h.created_by.clone(),
        created_at: Some(to_timestamp(h.created_at)),
        updated_by: ver.updated_by.clone(),
        updated_at: Some(to_timestamp(ver.updated_at)),
    }
}

pub fn hit(h: Hit) -> pb::SearchHit {
    let d = h.doc;
    pb::SearchHit {
        article_id: d.article_id,
        version: d.version,
        property_id: d.property_id,
        slug: d.slug,
        kind: kind(d.kind) as i32,
        language: lang(d.language) as i32,
        title: d.title,
        snippet: h.snippet,
        score: h.score,
    }
}
