//! Reclassifications: what the classifier said and what a person corrected it to.

use super::*;
use crate::domain::inquiry::Inquiry;
use crate::domain::model::{Category, Channel};
use frontdesk_platform::db::Db;
use sqlx::{Any, AnyConnection, Row};

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
