//! Articles, their versions and the synonym list.

use super::{code, split_lines};
use crate::domain::{Fields, Kind, Lang, Status};
use crate::index::{Change, LiveDoc};
use frontdesk_platform::db::Db;
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Row};

/// An article's head row.
#[derive(Debug, Clone, PartialEq)]
pub struct Head {
    pub article_id: String,
    pub property_id: String,
    pub head_version: i64,
    pub published_version: i64,
    pub status: Status,
    pub created_by: String,
    pub created_at: i64,
}

/// One stored version.
#[derive(Debug, Clone, PartialEq)]
pub struct Version {
    pub version: i64,
    pub fields: Fields,
    pub status: Status,
    pub updated_by: String,
    pub updated_at: i64,
}

const HEAD: &str = "article_id, property_id, head_version, published_version, status, \
                    created_by, created_at";
const VERSION: &str = "version, slug, language, kind, translation_of, title, body, tags, \
                       owner_department, status, effective_from, effective_until, review_by, \
                       updated_by, updated_at";

fn head(r: &AnyRow) -> anyhow::Result<Head> {
    head_with_status(r, "status")
}

/// A head from a row whose head status is in `status_column` (lists join versions, whose
/// own `status` column would shadow it).
fn head_with_status(r: &AnyRow, status_column: &str) -> anyhow::Result<Head> {
    Ok(Head {
        article_id: r.try_get("article_id")?,
        property_id: r.try_get("property_id")?,
        head_version: r.try_get("head_version")?,
        published_version: r.try_get("published_version")?,
        status: code(r, status_column)?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
    })
}

fn version(r: &AnyRow) -> anyhow::Result<Version> {
    let tags: String = r.try_get("tags")?;
    Ok(Version {
        version: r.try_get("version")?,
        fields: Fields {
            slug: r.try_get("slug")?,
            kind: Some(code::<Kind>(r, "kind")?),
            language: Some(code::<Lang>(r, "language")?),
            translation_of: r.try_get("translation_of")?,
            title: r.try_get("title")?,
            body: r.try_get("body")?,
            tags: split_lines(&tags),
            owner_department: r.try_get("owner_department")?,
            effective_from: r.try_get("effective_from")?,
            effective_until: r.try_get("effective_until")?,
            review_by: r.try_get("review_by")?,
        },
        status: code(r, "status")?,
        updated_by: r.try_get("updated_by")?,
        updated_at: r.try_get("updated_at")?,
    })
}

pub async fn insert_head(
    conn: &mut AnyConnection,
    h: &Head,
    f: &Fields,
    seq: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO articles (article_id, property_id, slug, language, head_version, \
         published_version, status, change_seq, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&h.article_id)
    .bind(&h.property_id)
    .bind(&f.slug)
    .bind(f.language.map_or("", Lang::code))
    .bind(h.head_version)
    .bind(h.published_version)
    .bind(h.status.code())
    .bind(seq)
    .bind(&h.created_by)
    .bind(h.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Moves the head (and the slug key) after a new version or a workflow step.
pub async fn update_head(
    conn: &mut AnyConnection,
    h: &Head,
    f: &Fields,
    seq: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE articles SET slug = $2, language = $3, head_version = $4, \
         published_version = $5, status = $6, change_seq = $7 WHERE article_id = $1",
    )
    .bind(&h.article_id)
    .bind(&f.slug)
    .bind(f.language.map_or("", Lang::code))
    .bind(h.head_version)
    .bind(h.published_version)
    .bind(h.status.code())
    .bind(seq)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn insert_version(
    conn: &mut AnyConnection,
    article_id: &str,
    v: &Version,
) -> Result<(), sqlx::Error> {
    let f = &v.fields;
    sqlx::query(&format!(
        "INSERT INTO article_versions (article_id, {VERSION}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
    ))
    .bind(article_id)
    .bind(v.version)
    .bind(&f.slug)
    .bind(f.language.map_or("", Lang::code))
    .bind(f.kind.map_or("", Kind::code))
    .bind(&f.translation_of)
    .bind(&f.title)
    .bind(&f.body)
    .bind(f.tags.join("\n"))
    .bind(&f.owner_department)
    .bind(v.status.code())
    .bind(f.effective_from)
    .bind(f.effective_until)
    .bind(f.review_by)
    .bind(&v.updated_by)
    .bind(v.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_version_status(
    conn: &mut AnyConnection,
    article_id: &str,
    version: i64,
    status: Status,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE article_versions SET status = $3 WHERE article_id = $1 AND version = $2")
        .bind(article_id)
        .bind(version)
        .bind(status.code())
        .execute(conn)
        .await?;
    Ok(())
}

/// The head row, locked for the rest of the transaction on Postgres (`FOR UPDATE`).
pub async fn head_for_update(
    conn: &mut AnyConnection,
    postgres: bool,
    article_id: &str,
) -> anyhow::Result<Option<Head>> {
    let lock = if postgres { " FOR UPDATE" } else { "" };
    let row = sqlx::query(&format!(
        "SELECT {HEAD} FROM articles WHERE article_id = $1{lock}"
    ))
    .bind(article_id)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(head).transpose()
}

pub async fn get_head(db: &Db, article_id: &str) -> anyhow::Result<Option<Head>> {
    let row = sqlx::query(&format!(
        "SELECT {HEAD} FROM articles WHERE article_id = $1"
    ))
    .bind(article_id)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(head).transpose()
}

pub async fn get_version(
    conn: &mut AnyConnection,
    article_id: &str,
    v: i64,
) -> anyhow::Result<Option<Version>> {
    let row = sqlx::query(&format!(
        "SELECT {VERSION} FROM article_versions WHERE article_id = $1 AND version = $2"
    ))
    .bind(article_id)
    .bind(v)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(version).transpose()
}

/// Whether another article already uses (property, slug, language).
pub async fn slug_taken(
    conn: &mut AnyConnection,
    property_id: &str,
    slug: &str,
    language: &str,
    except: &str,
) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM articles WHERE property_id = $1 AND slug = $2 AND language = $3 \
         AND article_id <> $4",
    )
    .bind(property_id)
    .bind(slug)
    .bind(language)
    .bind(except)
    .fetch_one(conn)
    .await?;
    Ok(n > 0)
}

/// Filters of ListArticles (on the head version).
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Properties to include besides the chain ("" is always included); `None`: all.
    pub properties: Option<Vec<String>>,
    pub kind: Option<Kind>,
    pub language: Option<Lang>,
    pub status: Option<Status>,
    pub owner_department: String,
    pub due_for_review_before: Option<i64>,
    /// Keyset: article ids after this one.
    pub after: Option<String>,
    pub limit: i64,
}

pub async fn list(db: &Db, f: &ListFilter) -> anyhow::Result<Vec<(Head, Version)>> {
    let mut sql = format!(
        "SELECT a.article_id, a.property_id, a.head_version, a.published_version, \
         a.status AS head_status, a.created_by, a.created_at, v.{} \
         FROM articles a JOIN article_versions v \
         ON v.article_id = a.article_id AND v.version = a.head_version WHERE 1 = 1",
        VERSION.replace(", ", ", v.")
    );
    let mut binds: Vec<String> = Vec::new();
    fn push(sql: &mut String, binds: &mut Vec<String>, clause: &str, value: String) {
        binds.push(value);
        sql.push_str(&clause.replace("$?", &format!("${}", binds.len())));
    }
    if let Some(props) = &f.properties {
        let mut list = vec![String::new()];
        list.extend(props.iter().cloned());
        let start = binds.len() + 1;
        sql.push_str(&format!(
            " AND a.property_id IN ({})",
            frontdesk_platform::sql::list(list.len(), start)
        ));
        binds.extend(list);
    }
    if let Some(k) = f.kind {
        push(&mut sql, &mut binds, " AND v.kind = $?", k.code().into());
    }
    if let Some(l) = f.language {
        push(
            &mut sql,
            &mut binds,
            " AND v.language = $?",
            l.code().into(),
        );
    }
    if let Some(s) = f.status {
        push(&mut sql, &mut binds, " AND a.status = $?", s.code().into());
    }
    if !f.owner_department.is_empty() {
        push(
            &mut sql,
            &mut binds,
            " AND v.owner_department = $?",
            f.owner_department.clone(),
        );
    }
    if let Some(a) = &f.after {
        push(&mut sql, &mut binds, " AND a.article_id > $?", a.clone());
    }
    let due = f.due_for_review_before;
    if due.is_some() {
        sql.push_str(&format!(
            " AND v.review_by IS NOT NULL AND v.review_by < ${} AND a.status <> 'retired'",
            binds.len() + 1
        ));
    }
    sql.push_str(" ORDER BY a.article_id LIMIT ");
    sql.push_str(&f.limit.to_string());
    let mut q = sqlx::query::<Any>(&sql);
    for b in &binds {
        q = q.bind(b.as_str());
    }
    if let Some(d) = due {
        q = q.bind(d);
    }
    let rows = q.fetch_all(db.pool()).await?;
    rows.iter()
        .map(|r| {
            let mut h = head_from_list(r)?;
            h.status = code(r, "head_status")?;
            Ok((h, version(r)?))
        })
        .collect()
}

fn head_from_list(r: &AnyRow) -> anyhow::Result<Head> {
    head_with_status(r, "head_status")
}

/// Versions of an article, newest first, below `before` (0: from the newest).
pub async fn versions(
    db: &Db,
    article_id: &str,
    before: i64,
    limit: i64,
) -> anyhow::Result<Vec<Version>> {
    let before = if before <= 0 { i64::MAX } else { before };
    let rows = sqlx::query(&format!(
        "SELECT {VERSION} FROM article_versions WHERE article_id = $1 AND version < $2 \
         ORDER BY version DESC LIMIT $3"
    ))
    .bind(article_id)
    .bind(before)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(version).collect()
}

/// Changes after `after` in sequence order, each as its live document or a removal, with
/// the sequence of the last one.
pub async fn changes_after(db: &Db, after: i64, limit: i64) -> anyhow::Result<(Vec<Change>, i64)> {
    let rows = sqlx::query(
        "SELECT a.article_id, a.property_id, a.published_version, a.change_seq, \
         v.slug, v.language, v.kind, v.title, v.body, v.tags, v.effective_from, \
         v.effective_until \
         FROM articles a LEFT JOIN article_versions v \
         ON v.article_id = a.article_id AND v.version = a.published_version \
         WHERE a.change_seq > $1 ORDER BY a.change_seq LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    let mut last = after;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        last = r.try_get("change_seq")?;
        let id: String = r.try_get("article_id")?;
        let published: i64 = r.try_get("published_version")?;
        if published == 0 {
            out.push(Change::Remove(id));
            continue;
        }
        let tags: String = r.try_get("tags")?;
        out.push(Change::Upsert(LiveDoc {
            article_id: id,
            property_id: r.try_get("property_id")?,
            slug: r.try_get("slug")?,
            kind: code(r, "kind")?,
            language: code(r, "language")?,
            version: published,
            title: r.try_get("title")?,
            body: r.try_get("body")?,
            tags: split_lines(&tags),
            effective_from: r.try_get("effective_from")?,
            effective_until: r.try_get("effective_until")?,
        }));
    }
    Ok((out, last))
}

/// The synonym groups, in order.
pub async fn synonyms(db: &Db) -> anyhow::Result<(Vec<Vec<String>>, String, i64)> {
    let rows =
        sqlx::query("SELECT terms, updated_by, updated_at FROM synonym_groups ORDER BY position")
            .fetch_all(db.pool())
            .await?;
    let mut by = String::new();
    let mut at = 0;
    let mut groups = Vec::with_capacity(rows.len());
    for r in &rows {
        let terms: String = r.try_get("terms")?;
        groups.push(split_lines(&terms));
        by = r.try_get("updated_by")?;
        at = r.try_get("updated_at")?;
    }
    Ok((groups, by, at))
}

/// Replaces the synonym list and bumps the synonyms counter replicas watch.
pub async fn set_synonyms(
    conn: &mut AnyConnection,
    groups: &[Vec<String>],
    by: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM synonym_groups")
        .execute(&mut *conn)
        .await?;
    for (i, g) in groups.iter().enumerate() {
        sqlx::query(
            "INSERT INTO synonym_groups (position, terms, updated_by, updated_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(i64::try_from(i).unwrap_or(i64::MAX))
        .bind(g.join("\n"))
        .bind(by)
        .bind(at)
        .execute(&mut *conn)
        .await?;
    }
    let seq = super::next_seq(conn).await?;
    sqlx::query("UPDATE kb_counters SET value = $1 WHERE name = 'synonyms'")
        .bind(seq)
        .execute(conn)
        .await?;
    Ok(())
}

/// The published translation of an article into `lang`: an article translating it, or the
/// article it translates (`original`), or a sibling translation of that one.
pub async fn published_translation(
    conn: &mut AnyConnection,
    article_id: &str,
    original: &str,
    lang: Lang,
) -> anyhow::Result<Option<(String, Version)>> {
    let row = sqlx::query(&format!(
        "SELECT a.article_id, v.{} FROM articles a JOIN article_versions v \
         ON v.article_id = a.article_id AND v.version = a.published_version \
         WHERE a.published_version > 0 AND a.status <> 'retired' AND v.language = $1 \
         AND (v.translation_of = $2 OR a.article_id = $3 OR (v.translation_of = $3 AND $3 <> '')) \
         ORDER BY a.article_id LIMIT 1",
        VERSION.replace(", ", ", v.")
    ))
    .bind(lang.code())
    .bind(article_id)
    .bind(original)
    .fetch_optional(conn)
    .await?;
    row.map(|r| Ok((r.try_get("article_id")?, version(&r)?)))
        .transpose()
}
