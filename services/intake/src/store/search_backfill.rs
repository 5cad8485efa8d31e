//! Indexes rows written before the search migration (1008): their `search_tokens` are NULL
//! until this has computed them (and their phone key, and the search text with e-mail,
//! reservation reference and phone added).

use super::inquiries::phone_key;
use crate::domain::search;
use frontdesk_platform::db::Db;
use sqlx::{Any, Row};

/// Indexes up to `batch` unindexed rows after inquiry id `after` (in id order, so each
/// batch starts where the last ended instead of scanning past every row done) in one
/// statement; returns the last id it looked at, `None` when no unindexed row is left.
/// An erasure racing with it wins: the update only touches rows still unindexed, and
/// erasure sets `search_tokens` to ''.
pub async fn backfill_search(db: &Db, after: &str, batch: i64) -> anyhow::Result<Option<String>> {
    let rows = sqlx::query::<Any>(
        "SELECT inquiry_id, text, customer_name, customer_email, reservation_ref, customer_phone, \
         personal_data_erased_at FROM inquiries WHERE inquiry_id > $1 AND search_tokens IS NULL \
         ORDER BY inquiry_id LIMIT $2",
    )
    .bind(after)
    .bind(batch)
    .fetch_all(db.pool())
    .await?;
    let Some(last) = rows.last() else {
        return Ok(None);
    };
    let last: String = last.try_get("inquiry_id")?;
    let mut values = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: String = r.try_get("inquiry_id")?;
        let erased: Option<i64> = r.try_get("personal_data_erased_at")?;
        let (text, tokens, key) = if erased.is_some() {
            (String::new(), String::new(), String::new())
        } else {
            let phone: String = r.try_get("customer_phone")?;
            let text = search::search_text(
                &r.try_get::<String, _>("text")?,
                &r.try_get::<String, _>("customer_name")?,
                &r.try_get::<String, _>("customer_email")?,
                &r.try_get::<String, _>("reservation_ref")?,
                &phone,
            );
            let tokens = search::index_tokens(&text);
            (text, tokens, phone_key(&phone))
        };
        values.push([id, text, tokens, key]);
    }
    let marks: Vec<String> = (0..values.len())
        .map(|i| {
            let b = i * 4;
            format!("(${}, ${}, ${}, ${})", b + 1, b + 2, b + 3, b + 4)
        })
        .collect();
    // One statement for the batch; WITH … UPDATE … FROM reads the same on both backends.
    let sql = format!(
        "WITH v (id, st, tok, pk) AS (VALUES {}) \
         UPDATE inquiries SET search_text = v.st, search_tokens = v.tok, customer_phone_key = v.pk \
         FROM v WHERE inquiries.inquiry_id = v.id AND inquiries.search_tokens IS NULL",
        marks.join(", ")
    );
    let mut q = sqlx::query::<Any>(&sql);
    for row in values {
        for v in row {
            q = q.bind(v);
        }
    }
    q.execute(db.pool()).await?;
    Ok(Some(last))
}
