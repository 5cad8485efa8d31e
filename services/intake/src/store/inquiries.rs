//! The inquiry row and its children: insert (batched), update, load.

use super::*;
use crate::domain::inquiry::{
    Answer, Audit, ClassificationState, Customer, DelayNotice, Feedback, Inquiry, ResponseKind,
    TemplateUse,
};
use crate::domain::model::{
    Category, Channel, Complexity, Language, ReplyMethod, Satisfaction, Status,
};
use anyhow::{Context, anyhow};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Row};
use std::collections::HashMap;

pub(super) fn flag(b: bool) -> i64 {
    i64::from(b)
}

/// What ListInquiries' `text` matches (the substring recheck) for this inquiry.
pub(super) fn search_text(i: &Inquiry) -> String {
    crate::domain::search::search_text(
        &i.text,
        &i.customer.name,
        &i.customer.email,
        &i.reservation_ref,
        &i.customer.phone,
    )
}

/// The phone's key for the exact `customer_phone` filter; '' without a phone.
pub(super) fn phone_key(phone: &str) -> String {
    if phone.is_empty() {
        String::new()
    } else {
        frontdesk_platform::contact::phone_key(phone)
    }
}

pub async fn insert(conn: &mut AnyConnection, i: &Inquiry) -> anyhow::Result<()> {
    insert_new(conn, std::slice::from_ref(i)).await?;
    write_children(conn, i).await
}

pub(super) const INSERT_COLUMNS: usize = 27;

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
         assignee, created_by, created_at, version, updated_at, needs_triage, search_tokens, \
         customer_phone_key) VALUES {}",
        values.join(", ")
    );
    let mut q = sqlx::query::<Any>(&sql);
    for i in rows {
        let c = &i.classification;
        let searched = search_text(i);
        let tokens = crate::domain::search::index_tokens(&searched);
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
            .bind(searched)
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
            .bind(flag(c.needs_triage))
            .bind(tokens)
            .bind(phone_key(&i.customer.phone));
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
         waiting_since = $20, needs_triage = $21, feedback_response_id = $22 \
         WHERE inquiry_id = $18 AND version = $19",
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
    .bind(fb.map(|f| f.response_id.clone()))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        return Ok(false);
    }
    sqlx::query("DELETE FROM earlier_feedback WHERE inquiry_id = $1")
        .bind(&i.inquiry_id)
        .execute(&mut *conn)
        .await?;
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

pub(super) async fn write_children(conn: &mut AnyConnection, i: &Inquiry) -> anyhow::Result<()> {
    for (pos, r) in i.responses.iter().enumerate() {
        let a = r.audit.as_ref();
        sqlx::query(
            "INSERT INTO responses (response_id, inquiry_id, position, text, method, on_the_spot, \
             responded_by, responded_at, audit_accurate, audit_note, audited_by, audited_at, \
             template_id, template_version, kind) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
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
        .bind(r.template.as_ref().map(|t| t.template_id.clone()))
        .bind(r.template.as_ref().map(|t| t.version))
        .bind(r.kind.code())
        .execute(&mut *conn)
        .await?;
    }
    for (pos, f) in i.earlier_feedback.iter().enumerate() {
        sqlx::query(
            "INSERT INTO earlier_feedback (inquiry_id, position, response_id, satisfaction, \
             comment, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&i.inquiry_id)
        .bind(pos as i64)
        .bind(&f.response_id)
        .bind(f.satisfaction.code())
        .bind(&f.comment)
        .bind(&f.recorded_by)
        .bind(f.recorded_at)
        .execute(&mut *conn)
        .await?;
    }
    for (pos, d) in i.delays.iter().enumerate() {
        sqlx::query(
            "INSERT INTO delay_notices (inquiry_id, position, reason, new_expected_at, \
             previous_expected_at, notified_by, notified_at, template_id, template_version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&i.inquiry_id)
        .bind(pos as i64)
        .bind(&d.reason)
        .bind(d.new_expected_at)
        .bind(d.previous_expected_at)
        .bind(&d.notified_by)
        .bind(d.notified_at)
        .bind(d.template.as_ref().map(|t| t.template_id.clone()))
        .bind(d.template.as_ref().map(|t| t.version))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub(super) const INQUIRY_COLUMNS: &str = "inquiry_id, property_id, channel, customer_name, customer_phone, \
    customer_email, customer_social, preferred_reply, text, reservation_ref, status, category, \
    language, complexity, confidence, matched_terms, complaint_process, reclassified, assignee, \
    created_by, created_at, acknowledged_at, first_response_at, resolved_at, expected_at, \
    satisfaction, feedback_comment, feedback_by, feedback_at, feedback_response_id, version, updated_at, waiting_since, \
    needs_triage";

/// The whole inquiry with its answers, earlier feedback, delay notices and routing view.
pub async fn load(conn: &mut AnyConnection, inquiry_id: &str) -> anyhow::Result<Option<Inquiry>> {
    let mut found = load_many(conn, &[inquiry_id.to_string()]).await?;
    Ok(found.remove(inquiry_id).map(|(inquiry, _)| inquiry))
}

/// Several whole inquiries (as [`load`]) in five statements whatever their number, each
/// with the `source_sequence` of its routing view: what a batch of routing's events
/// projects onto. Missing ids are absent from the map.
pub async fn load_many(
    conn: &mut AnyConnection,
    inquiry_ids: &[String],
) -> anyhow::Result<HashMap<String, (Inquiry, Option<i64>)>> {
    load_many_view(conn, inquiry_ids, true).await
}

/// [`load_many`], or with `full` false only the inquiries' own rows (one statement per 500
/// ids): no answers, feedback, delay notices or routing view, as a BASIC list shows them.
pub async fn load_many_view(
    conn: &mut AnyConnection,
    inquiry_ids: &[String],
    full: bool,
) -> anyhow::Result<HashMap<String, (Inquiry, Option<i64>)>> {
    let mut out = HashMap::new();
    for ids in inquiry_ids.chunks(500) {
        load_chunk(conn, ids, full, &mut out).await?;
    }
    Ok(out)
}

async fn load_chunk(
    conn: &mut AnyConnection,
    ids: &[String],
    full: bool,
    out: &mut HashMap<String, (Inquiry, Option<i64>)>,
) -> anyhow::Result<()> {
    let list = frontdesk_platform::sql::list(ids.len(), 1);
    let sql = format!("SELECT {INQUIRY_COLUMNS} FROM inquiries WHERE inquiry_id IN ({list})");
    for row in fetch_in(conn, &sql, ids).await? {
        let inquiry = from_row(&row)?;
        out.insert(inquiry.inquiry_id.clone(), (inquiry, None));
    }
    if !full {
        return Ok(());
    }
    let sql = format!(
        "SELECT inquiry_id, {ANSWER_COLUMNS} FROM responses WHERE inquiry_id IN ({list}) \
         ORDER BY inquiry_id, position"
    );
    for r in fetch_in(conn, &sql, ids).await? {
        let id: String = r.try_get("inquiry_id")?;
        if let Some((i, _)) = out.get_mut(&id) {
            i.responses.push(answer_from_row(&r)?);
        }
    }
    let sql = format!(
        "SELECT inquiry_id, {FEEDBACK_COLUMNS} FROM earlier_feedback WHERE inquiry_id IN ({list}) \
         ORDER BY inquiry_id, position"
    );
    for r in fetch_in(conn, &sql, ids).await? {
        let id: String = r.try_get("inquiry_id")?;
        if let Some((i, _)) = out.get_mut(&id) {
            i.earlier_feedback.push(feedback_from_row(&r)?);
        }
    }
    let sql = format!(
        "SELECT inquiry_id, {DELAY_COLUMNS} FROM delay_notices WHERE inquiry_id IN ({list}) \
         ORDER BY inquiry_id, position"
    );
    for r in fetch_in(conn, &sql, ids).await? {
        let id: String = r.try_get("inquiry_id")?;
        if let Some((i, _)) = out.get_mut(&id) {
            i.delays.push(delay_from_row(&r)?);
        }
    }
    let sql = format!(
        "SELECT inquiry_id, source_sequence, {ROUTING_VIEW_COLUMNS} FROM routing_views \
         WHERE inquiry_id IN ({list})"
    );
    for r in fetch_in(conn, &sql, ids).await? {
        let id: String = r.try_get("inquiry_id")?;
        if let Some((i, seq)) = out.get_mut(&id) {
            i.routing = Some(routing_view_from_row(&r)?);
            *seq = Some(r.try_get("source_sequence")?);
        }
    }
    Ok(())
}

/// Rows of `sql`, whose parameters are `ids`.
async fn fetch_in(
    conn: &mut AnyConnection,
    sql: &str,
    ids: &[String],
) -> anyhow::Result<Vec<AnyRow>> {
    let mut q = sqlx::query::<Any>(sql);
    for id in ids {
        q = q.bind(id.as_str());
    }
    Ok(q.fetch_all(&mut *conn).await?)
}

const ANSWER_COLUMNS: &str = "response_id, text, method, on_the_spot, responded_by, responded_at, \
     audit_accurate, audit_note, audited_by, audited_at, template_id, template_version, kind";
const FEEDBACK_COLUMNS: &str = "response_id, satisfaction, comment, recorded_by, recorded_at";
const DELAY_COLUMNS: &str = "reason, new_expected_at, previous_expected_at, notified_by, \
     notified_at, template_id, template_version";

fn answer_from_row(r: &AnyRow) -> anyhow::Result<Answer> {
    let accurate: Option<i64> = r.try_get("audit_accurate")?;
    Ok(Answer {
        kind: code(r, "kind", ResponseKind::from_code)?,
        response_id: r.try_get("response_id")?,
        text: r.try_get("text")?,
        method: code(r, "method", ReplyMethod::from_code)?,
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
        template: template_use(r)?,
    })
}

fn feedback_from_row(r: &AnyRow) -> anyhow::Result<Feedback> {
    Ok(Feedback {
        response_id: r.try_get("response_id")?,
        satisfaction: code(r, "satisfaction", Satisfaction::from_code)?,
        comment: r.try_get("comment")?,
        recorded_by: r.try_get("recorded_by")?,
        recorded_at: r.try_get("recorded_at")?,
    })
}

fn delay_from_row(r: &AnyRow) -> anyhow::Result<DelayNotice> {
    Ok(DelayNotice {
        reason: r.try_get("reason")?,
        new_expected_at: r.try_get("new_expected_at")?,
        previous_expected_at: r.try_get("previous_expected_at")?,
        notified_by: r.try_get("notified_by")?,
        notified_at: r.try_get("notified_at")?,
        template: template_use(r)?,
    })
}

/// The template an answer or notice was rendered from (both columns set), if any.
fn template_use(row: &AnyRow) -> anyhow::Result<Option<TemplateUse>> {
    let id: Option<String> = row.try_get("template_id")?;
    let version: Option<i64> = row.try_get("template_version")?;
    Ok(id.zip(version).map(|(template_id, version)| TemplateUse {
        template_id,
        version,
    }))
}

pub(super) fn code<T>(
    row: &AnyRow,
    column: &str,
    parse: fn(&str) -> Option<T>,
) -> anyhow::Result<T> {
    let s: String = row.try_get(column)?;
    parse(&s).ok_or_else(|| anyhow!("column {column} holds unknown code {s:?}"))
}

pub(super) fn from_row(r: &AnyRow) -> anyhow::Result<Inquiry> {
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
            response_id: r
                .try_get::<Option<String>, _>("feedback_response_id")?
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
        earlier_feedback: Vec::new(),
        version: r.try_get("version")?,
        updated_at: r.try_get("updated_at")?,
        routing: None,
        waiting_since: r.try_get("waiting_since")?,
    })
}
