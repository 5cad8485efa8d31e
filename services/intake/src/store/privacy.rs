//! Erasure and retention of customers' personal data (PIPL, GDPR): which inquiries hold a
//! customer's data, and the redaction itself. Facts (times, channel, category, handlers)
//! stay: the KPIs of CI-5.4 are computed from them and name nobody.

use sqlx::{Any, AnyConnection, Row, Transaction};

/// What replaces erased free text, so a reader sees that something was removed.
pub const ERASED: &str = "[erased]";

/// A customer, by one contact exactly as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Contact {
    Phone(String),
    /// Compared case-insensitively.
    Email(String),
    Social(String),
}

impl Contact {
    pub fn kind(&self) -> &'static str {
        match self {
            Contact::Phone(_) => "phone",
            Contact::Email(_) => "email",
            Contact::Social(_) => "social_handle",
        }
    }
}

/// Ids of the property's inquiries recorded with `contact` (erased ones included: their
/// contact is gone, so they no longer match), oldest first.
pub async fn inquiries_of(
    conn: &mut AnyConnection,
    property_id: &str,
    contact: &Contact,
) -> sqlx::Result<Vec<String>> {
    let (column, value) = match contact {
        Contact::Phone(p) => ("customer_phone", p.clone()),
        Contact::Email(e) => ("LOWER(customer_email)", e.to_lowercase()),
        Contact::Social(s) => ("customer_social", s.clone()),
    };
    let sql = format!(
        "SELECT inquiry_id FROM inquiries WHERE property_id = $1 AND {column} = $2 \
         ORDER BY created_at, inquiry_id"
    );
    sqlx::query_scalar::<Any, String>(&sql)
        .bind(property_id)
        .bind(value)
        .fetch_all(&mut *conn)
        .await
}

/// Redacts one inquiry's personal data in the caller's transaction: the customer's name and
/// contacts, the inquiry text, reservation reference, the answers' and feedback's texts, the
/// text kept with reclassifications, and the timeline's details. Returns false when there
/// was nothing left to erase.
pub async fn redact(
    tx: &mut Transaction<'static, Any>,
    inquiry_id: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE inquiries SET customer_name = $1, customer_phone = '', customer_email = '', \
         customer_social = '', text = $1, search_text = '', search_tokens = '', customer_phone_key = '', \
         reservation_ref = '', \
         feedback_comment = CASE WHEN feedback_comment IS NULL THEN NULL ELSE $1 END, \
         personal_data_erased_at = $2, updated_at = $2 \
         WHERE inquiry_id = $3 AND personal_data_erased_at IS NULL",
    )
    .bind(ERASED)
    .bind(now)
    .bind(inquiry_id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if done == 0 {
        return Ok(false);
    }
    for sql in [
        "UPDATE responses SET text = $1 WHERE inquiry_id = $2",
        "UPDATE earlier_feedback SET comment = $1 WHERE inquiry_id = $2 AND comment <> ''",
        "UPDATE reclassifications SET text = $1 WHERE inquiry_id = $2",
        "UPDATE timeline SET detail = $1 WHERE inquiry_id = $2 AND detail <> ''",
    ] {
        sqlx::query(sql)
            .bind(ERASED)
            .bind(inquiry_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(true)
}

/// The erasure record: who, when, why, how many — not the contact itself.
pub struct Erasure<'a> {
    pub erasure_id: &'a str,
    pub property_id: &'a str,
    pub contact_kind: &'a str,
    pub reason: &'a str,
    pub inquiries: i64,
    pub actor: &'a str,
    pub at: i64,
}

pub async fn record(tx: &mut Transaction<'static, Any>, e: &Erasure<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO erasures (erasure_id, property_id, contact_kind, reason, inquiries, actor, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(e.erasure_id)
    .bind(e.property_id)
    .bind(e.contact_kind)
    .bind(e.reason)
    .bind(e.inquiries)
    .bind(e.actor)
    .bind(e.at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Resolved inquiries whose personal data is past retention (`resolved_at` before `cutoff`)
/// and not yet erased, oldest first.
pub async fn due_for_retention(
    conn: &mut AnyConnection,
    cutoff: i64,
    limit: i64,
) -> sqlx::Result<Vec<String>> {
    let rows = sqlx::query(
        "SELECT inquiry_id FROM inquiries WHERE status = 'resolved' AND resolved_at < $1 \
         AND personal_data_erased_at IS NULL ORDER BY resolved_at LIMIT $2",
    )
    .bind(cutoff)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(|r| r.try_get("inquiry_id")).collect()
}
