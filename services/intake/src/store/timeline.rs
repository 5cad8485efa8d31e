//! The timeline table: every change of every inquiry, kept as the archive (CI-3.8) and read
//! by GetInquiry and WatchInquiries. Written in the same transaction as the change and its
//! outbox event, with the event's sequence.

use frontdesk_platform::db::Db;
use frontdesk_platform::sql;
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Row};

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub sequence: i64,
    pub inquiry_id: String,
    pub property_id: String,
    /// `ChangeType` number.
    pub change: i32,
    pub actor: String,
    pub at: i64,
    pub detail: String,
}

const COLUMNS: &str = "sequence, inquiry_id, property_id, change, actor, at, detail";

pub async fn insert(conn: &mut AnyConnection, entries: &[Entry]) -> Result<(), sqlx::Error> {
    if entries.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO timeline ({COLUMNS}) VALUES {}",
        sql::values(entries.len(), 7, 1)
    );
    let mut q = sqlx::query::<Any>(&sql);
    for e in entries {
        q = q
            .bind(e.sequence)
            .bind(&e.inquiry_id)
            .bind(&e.property_id)
            .bind(i64::from(e.change))
            .bind(&e.actor)
            .bind(e.at)
            .bind(&e.detail);
    }
    q.execute(conn).await?;
    Ok(())
}

/// One inquiry's entries, oldest first.
pub async fn of_inquiry(db: &Db, inquiry_id: &str) -> Result<Vec<Entry>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM timeline WHERE inquiry_id = $1 ORDER BY sequence");
    sqlx::query::<Any>(&sql)
        .bind(inquiry_id)
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Entries after `after` in commit order, at most `limit`, of the given properties
/// (`None`: all).
pub async fn after(
    db: &Db,
    after: i64,
    limit: i64,
    properties: Option<&[String]>,
) -> Result<Vec<Entry>, sqlx::Error> {
    let mut sql = format!("SELECT {COLUMNS} FROM timeline WHERE sequence > $1");
    if let Some(props) = properties {
        if props.is_empty() {
            return Ok(Vec::new());
        }
        sql.push_str(&format!(
            " AND property_id IN ({})",
            sql::list(props.len(), 3)
        ));
    }
    sql.push_str(" ORDER BY sequence LIMIT $2");
    let mut q = sqlx::query::<Any>(&sql).bind(after).bind(limit);
    for p in properties.unwrap_or_default() {
        q = q.bind(p.as_str());
    }
    q.fetch_all(db.pool()).await?.iter().map(from_row).collect()
}

fn from_row(r: &AnyRow) -> Result<Entry, sqlx::Error> {
    Ok(Entry {
        sequence: r.try_get("sequence")?,
        inquiry_id: r.try_get("inquiry_id")?,
        property_id: r.try_get("property_id")?,
        change: i32::try_from(r.try_get::<i64, _>("change")?).unwrap_or_default(),
        actor: r.try_get("actor")?,
        at: r.try_get("at")?,
        detail: r.try_get("detail")?,
    })
}
