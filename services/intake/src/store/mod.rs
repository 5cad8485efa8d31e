//! Intake's repository: the only module that knows its tables. One SQL text for Postgres
//! and SQLite (see `frontdesk_platform::db`).

use crate::domain::inquiry::{
    Answer, Audit, ClassificationState, Customer, DelayNotice, Feedback, Inquiry, RoutingView,
};
use crate::domain::model::{
    Category, Channel, Complexity, Language, ReplyMethod, Satisfaction, Status,
};
use anyhow::{Context, anyhow};
use frontdesk_platform::db::Db;
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Row};

pub mod privacy;
pub mod timeline;

pub type Tx = sqlx::Transaction<'static, Any>;

pub const MIGRATIONS: &[frontdesk_platform::db::MigrationFile] = &[
    (
        1000,
        "inquiries",
        include_str!("../../migrations/1000_inquiries.sql"),
    ),
    (
        1001,
        "routing views",
        include_str!("../../migrations/1001_routing_views.sql"),
    ),
    (
        1002,
        "waiting",
        include_str!("../../migrations/1002_waiting.sql"),
    ),
    (
        1003,
        "timeline",
        include_str!("../../migrations/1003_timeline.sql"),
    ),
    (
        1004,
        "needs triage",
        include_str!("../../migrations/1004_needs_triage.sql"),
    ),
    (
        1005,
        "erasures",
        include_str!("../../migrations/1005_erasures.sql"),
    ),
];

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
    pub text: Option<String>,
    /// Keyset position: rows strictly after (created_at, inquiry_id) in newest-first order.
    pub after: Option<(i64, String)>,
    pub limit: i64,
}

/// A previously stored idempotency key.
#[derive(Debug, Clone)]
pub struct IdempotentResult {
    pub request_hash: String,
    pub inquiry_id: String,
    pub result_id: String,
}

pub async fn seed_properties(db: &Db, ids: &[String]) -> anyhow::Result<()> {
    for id in ids {
        sqlx::query("INSERT INTO properties (property_id, created_at) VALUES ($1, $2) ON CONFLICT (property_id) DO NOTHING")
            .bind(id)
            .bind(frontdesk_platform::time::now_micros())
            .execute(db.pool())
            .await
            .with_context(|| format!("seeding property {id}"))?;
    }
    Ok(())
}

pub async fn property_exists(conn: &mut AnyConnection, id: &str) -> anyhow::Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM properties WHERE property_id = $1")
        .bind(id)
        .fetch_one(conn)
        .await?;
    Ok(n > 0)
}

pub async fn find_idempotent(
    conn: &mut AnyConnection,
    scope: &str,
    key: &str,
) -> anyhow::Result<Option<IdempotentResult>> {
    let row = sqlx::query("SELECT request_hash, inquiry_id, result_id FROM idempotency_keys WHERE scope = $1 AND idem_key = $2")
        .bind(scope)
        .bind(key)
        .fetch_optional(conn)
        .await?;
    row.map(|r| {
        Ok(IdempotentResult {
            request_hash: r.try_get("request_hash")?,
            inquiry_id: r.try_get("inquiry_id")?,
            result_id: r.try_get("result_id")?,
        })
    })
    .transpose()
}

/// Fails with a unique violation when a concurrent call stored the same key first.
pub async fn save_idempotent(
    conn: &mut AnyConnection,
    scope: &str,
    key: &str,
    request_hash: &str,
    inquiry_id: &str,
    result_id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO idempotency_keys (scope, idem_key, request_hash, inquiry_id, result_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(scope)
    .bind(key)
    .bind(request_hash)
    .bind(inquiry_id)
    .bind(result_id)
    .bind(frontdesk_platform::time::now_micros())
    .execute(conn)
    .await?;
    Ok(())
}

fn flag(b: bool) -> i64 {
    i64::from(b)
}

fn search_text(i: &Inquiry) -> String {
    format!(
        "{}\n{}",
        i.text.to_lowercase(),
        i.customer.name.to_lowercase()
    )
}

pub async fn insert(conn: &mut AnyConnection, i: &Inquiry) -> anyhow::Result<()> {
    insert_new(conn, std::slice::from_ref(i)).await?;
    write_children(conn, i).await
}

const INSERT_COLUMNS: usize = 25;

/// New inquiries (no answers or delay notices yet) in one multi-row statement: a batch of
/// creates pays one round trip.
pub async fn insert_new(conn: &mut AnyConnection, rows: &[Inquiry]) -> anyhow::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let values: Vec<String> = (0..rows.len())
        .map(|r| {
            let marks: Vec<String> = (1..=INSERT_COLUMNS)
                .map(|c| format!("${}", r * INSERT_COLUMNS + c))
                .collect();
            format!("({})", marks.join(", "))
        })
        .collect();
    let sql = format!(
        "INSERT INTO inquiries (inquiry_id, property_id, channel, customer_name, customer_phone, \
         customer_email, customer_social, preferred_reply, text, search_text, reservation_ref, status, \
         category, language, complexity, confidence, matched_terms, complaint_process, reclassified, \
         assignee, created_by, created_at, version, updated_at, needs_triage) VALUES {}",
        values.join(", ")
    );
    let mut q = sqlx::query::<Any>(&sql);
    for i in rows {
        let c = &i.classification;
        q = q
            .bind(i.inquiry_id.clone())
            .bind(i.property_id.clone())
            .bind(i.channel.code())
            .bind(i.customer.name.clone())
            .bind(i.customer.phone.clone())
            .bind(i.customer.email.clone())
            .bind(i.customer.social_handle.clone())
            .bind(i.customer.preferred_reply.map(|m| m.code()).unwrap_or(""))
            .bind(i.text.clone())
            .bind(search_text(i))
            .bind(i.reservation_ref.clone())
            .bind(i.status.code())
            .bind(c.category.code())
            .bind(c.language.code())
            .bind(c.complexity.code())
            .bind(f64::from(c.confidence))
            .bind(serde_json::to_string(&c.matched_terms)?)
            .bind(flag(c.complaint_process))
            .bind(flag(c.reclassified))
            .bind(i.assignee.clone())
            .bind(i.created_by.clone())
            .bind(i.created_at)
            .bind(i.version)
            .bind(i.updated_at)
            .bind(flag(c.needs_triage));
    }
    q.execute(&mut *conn).await?;
    Ok(())
}

/// Saves a changed inquiry if nobody else changed it since it was loaded at
/// `loaded_version`. Returns false on such a conflict (the caller retries).
pub async fn update(
    conn: &mut AnyConnection,
    i: &Inquiry,
    loaded_version: i64,
) -> anyhow::Result<bool> {
    let c = &i.classification;
    let fb = i.feedback.as_ref();
    let n = sqlx::query(
        "UPDATE inquiries SET status = $1, category = $2, complexity = $3, confidence = $4, \
         complaint_process = $5, reclassified = $6, assignee = $7, acknowledged_at = $8, \
         first_response_at = $9, resolved_at = $10, expected_at = $11, satisfaction = $12, \
         feedback_comment = $13, feedback_by = $14, feedback_at = $15, version = $16, updated_at = $17, \
         waiting_since = $20, needs_triage = $21 WHERE inquiry_id = $18 AND version = $19",
    )
    .bind(i.status.code())
    .bind(c.category.code())
    .bind(c.complexity.code())
    .bind(f64::from(c.confidence))
    .bind(flag(c.complaint_process))
    .bind(flag(c.reclassified))
    .bind(&i.assignee)
    .bind(i.acknowledged_at)
    .bind(i.first_response_at)
    .bind(i.resolved_at)
    .bind(i.expected_at)
    .bind(fb.map(|f| f.satisfaction.code()))
    .bind(fb.map(|f| f.comment.clone()))
    .bind(fb.map(|f| f.recorded_by.clone()))
    .bind(fb.map(|f| f.recorded_at))
    .bind(i.version)
    .bind(i.updated_at)
    .bind(&i.inquiry_id)
    .bind(loaded_version)
    .bind(i.waiting_since)
    .bind(flag(c.needs_triage))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        return Ok(false);
    }
    sqlx::query("DELETE FROM responses WHERE inquiry_id = $1")
        .bind(&i.inquiry_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM delay_notices WHERE inquiry_id = $1")
        .bind(&i.inquiry_id)
        .execute(&mut *conn)
        .await?;
    write_children(conn, i).await?;
    Ok(true)
}

async fn write_children(conn: &mut AnyConnection, i: &Inquiry) -> anyhow::Result<()> {
    for (pos, r) in i.responses.iter().enumerate() {
        let a = r.audit.as_ref();
        sqlx::query(
            "INSERT INTO responses (response_id, inquiry_id, position, text, method, on_the_spot, \
             responded_by, responded_at, audit_accurate, audit_note, audited_by, audited_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(&r.response_id)
        .bind(&i.inquiry_id)
        .bind(pos as i64)
        .bind(&r.text)
        .bind(r.method.code())
        .bind(flag(r.on_the_spot))
        .bind(&r.responded_by)
        .bind(r.responded_at)
        .bind(a.map(|a| flag(a.accurate)))
        .bind(a.map(|a| a.note.clone()))
        .bind(a.map(|a| a.audited_by.clone()))
        .bind(a.map(|a| a.audited_at))
        .execute(&mut *conn)
        .await?;
    }
    for (pos, d) in i.delays.iter().enumerate() {
        sqlx::query(
            "INSERT INTO delay_notices (inquiry_id, position, reason, new_expected_at, \
             previous_expected_at, notified_by, notified_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&i.inquiry_id)
        .bind(pos as i64)
        .bind(&d.reason)
        .bind(d.new_expected_at)
        .bind(d.previous_expected_at)
        .bind(&d.notified_by)
        .bind(d.notified_at)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub async fn record_reclassification(
    conn: &mut AnyConnection,
    i: &Inquiry,
    from: Category,
    reason: &str,
    actor: &str,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO reclassifications (inquiry_id, property_id, from_category, to_category, reason, text, actor, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&i.inquiry_id)
    .bind(&i.property_id)
    .bind(from.code())
    .bind(i.classification.category.code())
    .bind(reason)
    .bind(&i.text)
    .bind(actor)
    .bind(i.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

const INQUIRY_COLUMNS: &str = "inquiry_id, property_id, channel, customer_name, customer_phone, \
    customer_email, customer_social, preferred_reply, text, reservation_ref, status, category, \
    language, complexity, confidence, matched_terms, complaint_process, reclassified, assignee, \
    created_by, created_at, acknowledged_at, first_response_at, resolved_at, expected_at, \
    satisfaction, feedback_comment, feedback_by, feedback_at, version, updated_at, waiting_since, \
    needs_triage";

/// The whole inquiry with its answers and delay notices.
pub async fn load(conn: &mut AnyConnection, inquiry_id: &str) -> anyhow::Result<Option<Inquiry>> {
    let sql = format!("SELECT {INQUIRY_COLUMNS} FROM inquiries WHERE inquiry_id = $1");
    let Some(row) = sqlx::query::<Any>(&sql)
        .bind(inquiry_id)
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let mut inquiry = from_row(&row)?;
    let rows = sqlx::query(
        "SELECT response_id, text, method, on_the_spot, responded_by, responded_at, audit_accurate, \
         audit_note, audited_by, audited_at FROM responses WHERE inquiry_id = $1 ORDER BY position",
    )
    .bind(inquiry_id)
    .fetch_all(&mut *conn)
    .await?;
    for r in rows {
        let accurate: Option<i64> = r.try_get("audit_accurate")?;
        inquiry.responses.push(Answer {
            response_id: r.try_get("response_id")?,
            text: r.try_get("text")?,
            method: code(&r, "method", ReplyMethod::from_code)?,
            on_the_spot: r.try_get::<i64, _>("on_the_spot")? != 0,
            responded_by: r.try_get("responded_by")?,
            responded_at: r.try_get("responded_at")?,
            audit: match accurate {
                Some(a) => Some(Audit {
                    accurate: a != 0,
                    note: r
                        .try_get::<Option<String>, _>("audit_note")?
                        .unwrap_or_default(),
                    audited_by: r
                        .try_get::<Option<String>, _>("audited_by")?
                        .unwrap_or_default(),
                    audited_at: r
                        .try_get::<Option<i64>, _>("audited_at")?
                        .unwrap_or_default(),
                }),
                None => None,
            },
        });
    }
    let rows = sqlx::query(
        "SELECT reason, new_expected_at, previous_expected_at, notified_by, notified_at \
         FROM delay_notices WHERE inquiry_id = $1 ORDER BY position",
    )
    .bind(inquiry_id)
    .fetch_all(&mut *conn)
    .await?;
    for r in rows {
        inquiry.delays.push(DelayNotice {
            reason: r.try_get("reason")?,
            new_expected_at: r.try_get("new_expected_at")?,
            previous_expected_at: r.try_get("previous_expected_at")?,
            notified_by: r.try_get("notified_by")?,
            notified_at: r.try_get("notified_at")?,
        });
    }
    inquiry.routing = load_routing_view(conn, inquiry_id).await?;
    Ok(Some(inquiry))
}

async fn load_routing_view(
    conn: &mut AnyConnection,
    inquiry_id: &str,
) -> anyhow::Result<Option<RoutingView>> {
    let row = sqlx::query(
        "SELECT lead_department, participants, assignee, on_the_spot, first_response_due, resolution_due, \
         original_resolution_due, fired, as_of FROM routing_views WHERE inquiry_id = $1",
    )
    .bind(inquiry_id)
    .fetch_optional(conn)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let list = |s: String| {
        s.split(',')
            .filter(|x| !x.is_empty())
            .map(String::from)
            .collect::<Vec<_>>()
    };
    Ok(Some(RoutingView {
        lead_department: r.try_get("lead_department")?,
        participants: list(r.try_get("participants")?),
        assignee: r.try_get("assignee")?,
        on_the_spot: r.try_get::<i64, _>("on_the_spot")? != 0,
        first_response_due: r.try_get("first_response_due")?,
        resolution_due: r.try_get("resolution_due")?,
        original_resolution_due: r.try_get("original_resolution_due")?,
        fired: list(r.try_get("fired")?),
        as_of: r.try_get("as_of")?,
    }))
}

/// Stores routing's view of an inquiry unless a newer one is already there. Returns whether
/// it was applied.
pub async fn save_routing_view(
    conn: &mut AnyConnection,
    inquiry_id: &str,
    v: &RoutingView,
    source_sequence: i64,
) -> anyhow::Result<bool> {
    let current: Option<i64> =
        sqlx::query_scalar("SELECT source_sequence FROM routing_views WHERE inquiry_id = $1")
            .bind(inquiry_id)
            .fetch_optional(&mut *conn)
            .await?;
    if current.is_some_and(|c| c >= source_sequence) {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO routing_views (inquiry_id, lead_department, participants, assignee, on_the_spot, \
         first_response_due, resolution_due, original_resolution_due, fired, as_of, source_sequence) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (inquiry_id) DO UPDATE SET \
         lead_department = $2, participants = $3, assignee = $4, on_the_spot = $5, first_response_due = $6, \
         resolution_due = $7, original_resolution_due = $8, fired = $9, as_of = $10, source_sequence = $11",
    )
    .bind(inquiry_id)
    .bind(&v.lead_department)
    .bind(v.participants.join(","))
    .bind(&v.assignee)
    .bind(i64::from(v.on_the_spot))
    .bind(v.first_response_due)
    .bind(v.resolution_due)
    .bind(v.original_resolution_due)
    .bind(v.fired.join(","))
    .bind(v.as_of)
    .bind(source_sequence)
    .execute(conn)
    .await?;
    Ok(true)
}

fn code<T>(row: &AnyRow, column: &str, parse: fn(&str) -> Option<T>) -> anyhow::Result<T> {
    let s: String = row.try_get(column)?;
    parse(&s).ok_or_else(|| anyhow!("column {column} holds unknown code {s:?}"))
}

fn from_row(r: &AnyRow) -> anyhow::Result<Inquiry> {
    let preferred: String = r.try_get("preferred_reply")?;
    let terms: String = r.try_get("matched_terms")?;
    let satisfaction: Option<String> = r.try_get("satisfaction")?;
    let feedback = match satisfaction {
        Some(s) => Some(Feedback {
            satisfaction: Satisfaction::from_code(&s)
                .ok_or_else(|| anyhow!("unknown satisfaction {s:?}"))?,
            comment: r
                .try_get::<Option<String>, _>("feedback_comment")?
                .unwrap_or_default(),
            recorded_by: r
                .try_get::<Option<String>, _>("feedback_by")?
                .unwrap_or_default(),
            recorded_at: r
                .try_get::<Option<i64>, _>("feedback_at")?
                .unwrap_or_default(),
        }),
        None => None,
    };
    Ok(Inquiry {
        inquiry_id: r.try_get("inquiry_id")?,
        property_id: r.try_get("property_id")?,
        channel: code(r, "channel", Channel::from_code)?,
        customer: Customer {
            name: r.try_get("customer_name")?,
            phone: r.try_get("customer_phone")?,
            email: r.try_get("customer_email")?,
            social_handle: r.try_get("customer_social")?,
            preferred_reply: ReplyMethod::from_code(&preferred),
        },
        text: r.try_get("text")?,
        reservation_ref: r.try_get("reservation_ref")?,
        status: code(r, "status", Status::from_code)?,
        classification: ClassificationState {
            category: code(r, "category", Category::from_code)?,
            language: code(r, "language", Language::from_code)?,
            complexity: code(r, "complexity", Complexity::from_code)?,
            confidence: r.try_get::<f64, _>("confidence")? as f32,
            matched_terms: serde_json::from_str(&terms).context("matched_terms")?,
            complaint_process: r.try_get::<i64, _>("complaint_process")? != 0,
            reclassified: r.try_get::<i64, _>("reclassified")? != 0,
            needs_triage: r.try_get::<i64, _>("needs_triage")? != 0,
        },
        assignee: r.try_get("assignee")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        acknowledged_at: r.try_get("acknowledged_at")?,
        first_response_at: r.try_get("first_response_at")?,
        resolved_at: r.try_get("resolved_at")?,
        expected_at: r.try_get("expected_at")?,
        responses: Vec::new(),
        delays: Vec::new(),
        feedback,
        version: r.try_get("version")?,
        updated_at: r.try_get("updated_at")?,
        routing: None,
        waiting_since: r.try_get("waiting_since")?,
    })
}

enum Param {
    Int(i64),
    Text(String),
}

/// Builds `$n` placeholders in order, so one dynamic query runs on both backends.
#[derive(Default)]
struct Params(Vec<Param>);

impl Params {
    fn push(&mut self, p: Param) -> String {
        self.0.push(p);
        format!("${}", self.0.len())
    }

    fn list(&mut self, values: impl IntoIterator<Item = String>) -> String {
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
    let mut p = Params::default();
    let mut sql = format!("SELECT {INQUIRY_COLUMNS} FROM inquiries WHERE 1 = 1");
    if let Some(props) = &f.properties {
        if props.is_empty() {
            return Ok(Vec::new());
        }
        sql.push_str(&format!(
            " AND property_id IN ({})",
            p.list(props.iter().cloned())
        ));
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
    if let Some(t) = &f.text {
        let pattern = format!("%{}%", escape_like(&t.to_lowercase()));
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
    let mut q = sqlx::query::<Any>(&sql);
    for param in p.0 {
        q = match param {
            Param::Int(v) => q.bind(v),
            Param::Text(v) => q.bind(v),
        };
    }
    q.fetch_all(db.pool()).await?.iter().map(from_row).collect()
}

fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A staff correction of the classifier, with the text it was about.
#[derive(Debug, Clone, PartialEq)]
pub struct Correction {
    pub inquiry_id: String,
    pub property_id: String,
    pub channel: Channel,
    pub text: String,
    pub from: Category,
    pub to: Category,
    pub reason: String,
    pub actor: String,
    pub at: i64,
}

/// Corrections newest first; `after` is a keyset position (at, inquiry_id).
pub async fn list_corrections(
    db: &Db,
    properties: Option<&[String]>,
    after: Option<(i64, String)>,
    limit: i64,
) -> anyhow::Result<Vec<Correction>> {
    let mut p = Params::default();
    let mut sql = String::from(
        "SELECT r.inquiry_id, r.property_id, i.channel, r.text, r.from_category, r.to_category, \
         r.reason, r.actor, r.at FROM reclassifications r JOIN inquiries i ON i.inquiry_id = r.inquiry_id \
         WHERE 1 = 1",
    );
    if let Some(props) = properties {
        if props.is_empty() {
            return Ok(Vec::new());
        }
        sql.push_str(&format!(
            " AND r.property_id IN ({})",
            p.list(props.iter().cloned())
        ));
    }
    if let Some((at, id)) = after {
        let a1 = p.push(Param::Int(at));
        let a2 = p.push(Param::Int(at));
        let i = p.push(Param::Text(id));
        sql.push_str(&format!(
            " AND (r.at < {a1} OR (r.at = {a2} AND r.inquiry_id < {i}))"
        ));
    }
    let lim = p.push(Param::Int(limit));
    sql.push_str(&format!(
        " ORDER BY r.at DESC, r.inquiry_id DESC LIMIT {lim}"
    ));
    let mut q = sqlx::query::<Any>(&sql);
    for param in p.0 {
        q = match param {
            Param::Int(v) => q.bind(v),
            Param::Text(v) => q.bind(v),
        };
    }
    let rows = q.fetch_all(db.pool()).await?;
    rows.iter()
        .map(|r| {
            Ok(Correction {
                inquiry_id: r.try_get("inquiry_id")?,
                property_id: r.try_get("property_id")?,
                channel: code(r, "channel", Channel::from_code)?,
                text: r.try_get("text")?,
                from: code(r, "from_category", Category::from_code)?,
                to: code(r, "to_category", Category::from_code)?,
                reason: r.try_get("reason")?,
                actor: r.try_get("actor")?,
                at: r.try_get("at")?,
            })
        })
        .collect()
}

/// Stores the key unless it exists; returns the earlier result when it did. One statement
/// in the common case, and no unique-violation error to abort a batch: a concurrent writer
/// of the same key is waited for, then its row is returned.
pub async fn claim_idempotent(
    conn: &mut AnyConnection,
    scope: &str,
    key: &str,
    request_hash: &str,
    inquiry_id: &str,
    result_id: &str,
) -> anyhow::Result<Option<IdempotentResult>> {
    let inserted = sqlx::query(
        "INSERT INTO idempotency_keys (scope, idem_key, request_hash, inquiry_id, result_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (scope, idem_key) DO NOTHING",
    )
    .bind(scope)
    .bind(key)
    .bind(request_hash)
    .bind(inquiry_id)
    .bind(result_id)
    .bind(frontdesk_platform::time::now_micros())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if inserted == 1 {
        return Ok(None);
    }
    find_idempotent(conn, scope, key).await
}
