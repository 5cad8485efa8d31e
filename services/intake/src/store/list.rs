//! ListInquiries: filters, keyset paging and the text match.

use super::*;
use crate::domain::inquiry::Inquiry;
use crate::domain::model::{Category, Channel, Status};
use crate::domain::search::{self, Term};
use frontdesk_platform::db::{Backend, Db};
use sqlx::Any;
use std::sync::Arc;
use std::time::{Duration, Instant};

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
/// those). Fetches `limit` rows. `stats`: how common the search index's grams are
/// (Postgres), to choose how a `text` search runs (domain::search::plan).
pub async fn list(db: &Db, f: &ListFilter, stats: &GramStats) -> anyhow::Result<Vec<Inquiry>> {
    if f.properties.as_ref().is_some_and(Vec::is_empty) {
        return Ok(Vec::new());
    }
    let exact_contact = f.phone_key.is_some() || f.email.is_some() || f.reservation_ref.is_some();
    let (Backend::Postgres, Some(term), false) = (db.backend(), &f.text, exact_contact) else {
        return fetch(db, list_query(db.backend(), f)).await;
    };
    let plan = search::plan(term, f.limit, |g| stats.freq(g));
    if let Some(window) = plan.newest_first {
        let page = fetch(db, query(Backend::Postgres, f, Some(window))).await?;
        if page.len() as i64 >= f.limit {
            return Ok(page);
        }
    }
    let mut narrowed = f.clone();
    narrowed.text = Some(Term {
        grams: plan.grams,
        folded: term.folded.clone(),
    });
    fetch(db, list_query(Backend::Postgres, &narrowed)).await
}

async fn fetch(db: &Db, (sql, params): (String, Params)) -> anyhow::Result<Vec<Inquiry>> {
    // Not a prepared statement kept for reuse: Postgres plans it for these very values
    // (the grams' frequencies decide between the index and reading newest first) instead
    // of one generic plan for every term.
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
    query(backend, f, None)
}

/// The SQL of a list; with `newest: Some(n)`, a `text` search reads only the n newest rows
/// the other filters let through, by the substring alone (see domain::search::Plan).
pub fn query(backend: Backend, f: &ListFilter, newest: Option<i64>) -> (String, Params) {
    let mut p = Params::default();
    // Reading newest first rechecks the substring outside: the inner rows carry it.
    let extra = if newest.is_some() {
        ", search_text"
    } else {
        ""
    };
    let mut sql = format!("SELECT {INQUIRY_COLUMNS}{extra} FROM inquiries WHERE 1 = 1");
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
    if let Some(t) = f.text.as_ref().filter(|_| newest.is_none()) {
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
    const ORDER: &str = " ORDER BY created_at DESC, inquiry_id DESC";
    if let (Some(window), Some(t)) = (newest, &f.text) {
        let n = p.push(Param::Int(window));
        let pattern = p.push(Param::Text(format!("%{}%", escape_like(&t.folded))));
        sql = format!(
            "SELECT {INQUIRY_COLUMNS} FROM ({sql}{ORDER} LIMIT {n}) newest \
             WHERE search_text LIKE {pattern} ESCAPE '\\'"
        );
    }
    let lim = p.push(Param::Int(f.limit));
    sql.push_str(&format!("{ORDER} LIMIT {lim}"));
    (sql, p)
}

/// How common each gram is among the rows: Postgres' statistics of the search index's
/// expression (`pg_stats` of `inquiries_search`, kept by ANALYZE). Empty on SQLite and
/// before the first ANALYZE: every gram counts as rare.
#[derive(Debug, Clone, Default)]
pub struct GramStats {
    freq: std::collections::HashMap<String, f32>,
}

impl GramStats {
    /// Share of rows holding `gram`; `None` when the statistics do not list it.
    pub fn freq(&self, gram: &str) -> Option<f32> {
        self.freq.get(gram).copied()
    }

    pub async fn load(db: &Db) -> anyhow::Result<GramStats> {
        if db.backend() != Backend::Postgres {
            return Ok(GramStats::default());
        }
        // Arrays as text: sqlx's Any driver has no array type. Grams are letters and
        // digits only, so the elements are never quoted.
        let row = sqlx::query::<Any>(
            "SELECT most_common_elems::text AS elems, most_common_elem_freqs::text AS freqs \
             FROM pg_stats WHERE tablename = 'inquiries_search' AND schemaname = current_schema() \
             AND most_common_elems IS NOT NULL",
        )
        .fetch_optional(db.pool())
        .await?;
        let Some(row) = row else {
            return Ok(GramStats::default());
        };
        use sqlx::Row;
        let elems: String = row.try_get("elems")?;
        let freqs: String = row.try_get("freqs")?;
        let list = |s: &str| {
            s.trim_matches(|c| c == '{' || c == '}')
                .split(',')
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        // The frequencies end with three summary numbers (min, max, nulls): zip drops them.
        let freq = list(&elems)
            .into_iter()
            .zip(list(&freqs))
            .filter_map(|(g, f)| Some((g, f.parse::<f32>().ok()?)))
            .collect();
        Ok(GramStats { freq })
    }
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

/// [`GramStats`], reloaded when older than ten minutes (ANALYZE, by autovacuum, refreshes
/// them about as rarely); a failed load keeps the last ones.
#[derive(Debug, Clone, Default)]
pub struct GramStatsCache(Arc<tokio::sync::RwLock<Option<Loaded>>>);

/// Statistics and when they were read.
type Loaded = (Instant, Arc<GramStats>);

impl GramStatsCache {
    const TTL: Duration = Duration::from_secs(600);

    pub async fn get(&self, db: &Db) -> Arc<GramStats> {
        if let Some((at, stats)) = self.0.read().await.as_ref()
            && at.elapsed() < Self::TTL
        {
            return stats.clone();
        }
        let mut slot = self.0.write().await;
        if let Some((at, stats)) = slot.as_ref()
            && at.elapsed() < Self::TTL
        {
            return stats.clone();
        }
        let stats = match GramStats::load(db).await {
            Ok(s) => Arc::new(s),
            Err(e) => {
                tracing::warn!(error.message = %e, "reading the search index's statistics failed");
                slot.as_ref().map(|(_, s)| s.clone()).unwrap_or_default()
            }
        };
        *slot = Some((Instant::now(), stats.clone()));
        stats
    }
}
