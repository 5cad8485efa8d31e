//! ListInquiries: filters, keyset paging and the text match.

use super::*;
use crate::domain::inquiry::Inquiry;
use crate::domain::model::{Category, Channel, Status};
use crate::domain::search::Term;
use frontdesk_platform::db::{Backend, Db};
use sqlx::Any;

/// Filters of ListInquiries, already validated and scoped to what the caller may see.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// `None`: every property.
    pub properties: Option<Vec<String>>,
    pub statuses: Vec<Status>,
    pub channels: Vec<Channel>,
    pub categories: Vec<Category>,
    pub assignee: Option<String>,
    pub created_after: Option<i64>,
    pub created_before: Option<i64>,
    /// A substring of the text, name, e-mail, reservation reference or phone digits,
    /// served by the search index (see domain::search).
    pub text: Option<Term>,
    /// Exact: the customer's phone key (platform::contact::phone_key).
    pub phone_key: Option<String>,
    /// Exact, case-insensitive.
    pub email: Option<String>,
    /// Exact, case-insensitive.
    pub reservation_ref: Option<String>,
    /// Keyset position: rows strictly after (created_at, inquiry_id) in newest-first order.
    pub after: Option<(i64, String)>,
    pub limit: i64,
}

pub enum Param {
    Int(i64),
    Text(String),
}

/// Builds `$n` placeholders in order, so one dynamic query runs on both backends.
#[derive(Default)]
pub struct Params(pub Vec<Param>);

impl Params {
    pub(super) fn push(&mut self, p: Param) -> String {
        self.0.push(p);
        format!("${}", self.0.len())
    }

    pub(super) fn list(&mut self, values: impl IntoIterator<Item = String>) -> String {
        let marks: Vec<String> = values
            .into_iter()
            .map(|v| self.push(Param::Text(v)))
            .collect();
        marks.join(", ")
    }
}

/// One page of inquiries, newest first, without answers and delay notices (GetInquiry has
/// those). Fetches `limit` rows.
pub async fn list(db: &Db, f: &ListFilter) -> anyhow::Result<Vec<Inquiry>> {
    if f.properties.as_ref().is_some_and(Vec::is_empty) {
        return Ok(Vec::new());
    }
    let (sql, params) = list_query(db.backend(), f);
    // Not a prepared statement kept for reuse: Postgres plans it for these very values, so
    // the planner sees how common the term's grams are (walk the newest rows for a common
    // term, the GIN index for a rare one) instead of one generic plan for every term.
    let mut q = sqlx::query::<Any>(&sql).persistent(false);
    for param in params.0 {
        q = match param {
            Param::Int(v) => q.bind(v),
            Param::Text(v) => q.bind(v),
        };
    }
    q.fetch_all(db.pool()).await?.iter().map(from_row).collect()
}

/// ListInquiries' SQL for `backend` and its parameters (public for the benchmark's
/// pgbench baseline, which runs this very statement).
pub fn list_query(backend: Backend, f: &ListFilter) -> (String, Params) {
    let mut p = Params::default();
    let mut sql = format!("SELECT {INQUIRY_COLUMNS} FROM inquiries WHERE 1 = 1");
    match &f.properties {
        Some(props) if props.is_empty() => sql.push_str(" AND 1 = 0"),
        Some(props) => sql.push_str(&format!(
            " AND property_id IN ({})",
            p.list(props.iter().cloned())
        )),
        None => {}
    }
    if !f.statuses.is_empty() {
        sql.push_str(&format!(
            " AND status IN ({})",
            p.list(f.statuses.iter().map(|s| s.code().to_string()))
        ));
    }
    if !f.channels.is_empty() {
        sql.push_str(&format!(
            " AND channel IN ({})",
            p.list(f.channels.iter().map(|s| s.code().to_string()))
        ));
    }
    if !f.categories.is_empty() {
        sql.push_str(&format!(
            " AND category IN ({})",
            p.list(f.categories.iter().map(|s| s.code().to_string()))
        ));
    }
    if let Some(a) = &f.assignee {
        sql.push_str(&format!(
            " AND assignee = {}",
            p.push(Param::Text(a.clone()))
        ));
    }
    if let Some(t) = f.created_after {
        sql.push_str(&format!(" AND created_at >= {}", p.push(Param::Int(t))));
    }
    if let Some(t) = f.created_before {
        sql.push_str(&format!(" AND created_at < {}", p.push(Param::Int(t))));
    }
    if let Some(k) = &f.phone_key {
        sql.push_str(&format!(
            " AND customer_phone_key = {}",
            p.push(Param::Text(k.clone()))
        ));
    }
    if let Some(e) = &f.email {
        sql.push_str(&format!(
            " AND LOWER(customer_email) = {}",
            p.push(Param::Text(e.to_lowercase()))
        ));
    }
    if let Some(r) = &f.reservation_ref {
        sql.push_str(&format!(
            " AND LOWER(reservation_ref) = {}",
            p.push(Param::Text(r.to_lowercase()))
        ));
    }
    if let Some(t) = &f.text {
        // The index narrows to rows holding every gram of the term; LIKE keeps the rows
        // that hold the term itself.
        let grams = t.grams.join(" ");
        match backend {
            Backend::Postgres => sql.push_str(&format!(
                " AND string_to_array(search_tokens, ' ') @> string_to_array({}, ' ')",
                p.push(Param::Text(grams))
            )),
            Backend::Sqlite => {
                let query: Vec<String> = t.grams.iter().map(|g| format!("\"{g}\"")).collect();
                sql.push_str(&format!(
                    " AND rowid IN (SELECT rowid FROM inquiries_search WHERE inquiries_search MATCH {})",
                    p.push(Param::Text(query.join(" ")))
                ));
            }
        }
        let pattern = format!("%{}%", escape_like(&t.folded));
        sql.push_str(&format!(
            " AND search_text LIKE {} ESCAPE '\\'",
            p.push(Param::Text(pattern))
        ));
    }
    if let Some((created, id)) = &f.after {
        let c1 = p.push(Param::Int(*created));
        let c2 = p.push(Param::Int(*created));
        let i = p.push(Param::Text(id.clone()));
        sql.push_str(&format!(
            " AND (created_at < {c1} OR (created_at = {c2} AND inquiry_id < {i}))"
        ));
    }
    let lim = p.push(Param::Int(f.limit));
    sql.push_str(&format!(
        " ORDER BY created_at DESC, inquiry_id DESC LIMIT {lim}"
    ));
    (sql, p)
}

pub(super) fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
