//! Messages and their delivery tasks (the paper copies).

use super::{code, marks};
use crate::domain::codes::Code;
use frontdesk_proto::messaging::v1::{CopyKind, MessageDirection, MessageStatus};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Row};

#[derive(Debug, Clone, PartialEq)]
pub struct TaskRow {
    pub task_id: String,
    pub message_id: String,
    pub copy: CopyKind,
    pub done_by: String,
    pub done_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MessageRow {
    pub message_id: String,
    pub property_id: String,
    pub stay_id: String,
    pub direction: MessageDirection,
    pub text: String,
    pub from_name: String,
    pub from_contact: String,
    pub visitor_name: String,
    pub taken_by: String,
    pub status: MessageStatus,
    pub created_at: i64,
    pub read_at: Option<i64>,
    pub collected_by: String,
    pub identity_checked: String,
    /// The intake inquiry the message was taken for; empty when none was named.
    pub inquiry_id: String,
    pub tasks: Vec<TaskRow>,
}

const COLUMNS: &str = "message_id, property_id, stay_id, direction, text, from_name, from_contact, \
    visitor_name, taken_by, status, created_at, read_at, collected_by, identity_checked, \
    inquiry_id";

fn from_row(r: &AnyRow) -> anyhow::Result<MessageRow> {
    Ok(MessageRow {
        message_id: r.try_get("message_id")?,
        property_id: r.try_get("property_id")?,
        stay_id: r.try_get("stay_id")?,
        direction: code(r, "direction")?,
        text: r.try_get("text")?,
        from_name: r.try_get("from_name")?,
        from_contact: r.try_get("from_contact")?,
        visitor_name: r.try_get("visitor_name")?,
        taken_by: r.try_get("taken_by")?,
        status: code(r, "status")?,
        created_at: r.try_get("created_at")?,
        read_at: r.try_get("read_at")?,
        collected_by: r.try_get("collected_by")?,
        identity_checked: r.try_get("identity_checked")?,
        inquiry_id: r.try_get("inquiry_id")?,
        tasks: Vec::new(),
    })
}

fn task_from_row(r: &AnyRow) -> anyhow::Result<TaskRow> {
    Ok(TaskRow {
        task_id: r.try_get("task_id")?,
        message_id: r.try_get("message_id")?,
        copy: code(r, "copy_kind")?,
        done_by: r.try_get("done_by")?,
        done_at: r.try_get("done_at")?,
    })
}

pub async fn insert(conn: &mut AnyConnection, m: &MessageRow) -> anyhow::Result<()> {
    let sql = format!(
        "INSERT INTO messages ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
         $12, $13, $14, $15)"
    );
    sqlx::query::<Any>(&sql)
        .bind(&m.message_id)
        .bind(&m.property_id)
        .bind(&m.stay_id)
        .bind(m.direction.code())
        .bind(&m.text)
        .bind(&m.from_name)
        .bind(&m.from_contact)
        .bind(&m.visitor_name)
        .bind(&m.taken_by)
        .bind(m.status.code())
        .bind(m.created_at)
        .bind(m.read_at)
        .bind(&m.collected_by)
        .bind(&m.identity_checked)
        .bind(&m.inquiry_id)
        .execute(&mut *conn)
        .await?;
    for t in &m.tasks {
        sqlx::query::<Any>(
            "INSERT INTO delivery_tasks (task_id, message_id, copy_kind, done_by, done_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&t.task_id)
        .bind(&t.message_id)
        .bind(t.copy.code())
        .bind(&t.done_by)
        .bind(t.done_at)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

async fn with_tasks(
    conn: &mut AnyConnection,
    mut msgs: Vec<MessageRow>,
) -> anyhow::Result<Vec<MessageRow>> {
    for chunk in msgs.chunks_mut(500) {
        if chunk.is_empty() {
            continue;
        }
        let sql = format!(
            "SELECT task_id, message_id, copy_kind, done_by, done_at FROM delivery_tasks \
             WHERE message_id IN ({}) ORDER BY message_id, copy_kind",
            marks(1, chunk.len())
        );
        let mut q = sqlx::query::<Any>(&sql);
        for m in chunk.iter() {
            q = q.bind(m.message_id.clone());
        }
        let tasks = q
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(task_from_row)
            .collect::<anyhow::Result<Vec<_>>>()?;
        for m in chunk.iter_mut() {
            m.tasks = tasks
                .iter()
                .filter(|t| t.message_id == m.message_id)
                .cloned()
                .collect();
            m.tasks.sort_by_key(|t| t.copy as i32);
        }
    }
    Ok(msgs)
}

pub async fn get(conn: &mut AnyConnection, message_id: &str) -> anyhow::Result<Option<MessageRow>> {
    let sql = format!("SELECT {COLUMNS} FROM messages WHERE message_id = $1");
    let rows = sqlx::query::<Any>(&sql)
        .bind(message_id)
        .fetch_all(&mut *conn)
        .await?;
    let msgs = rows
        .iter()
        .map(from_row)
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(with_tasks(conn, msgs).await?.pop())
}

pub async fn get_task(conn: &mut AnyConnection, task_id: &str) -> anyhow::Result<Option<TaskRow>> {
    sqlx::query::<Any>(
        "SELECT task_id, message_id, copy_kind, done_by, done_at FROM delivery_tasks WHERE task_id = $1",
    )
    .bind(task_id)
    .fetch_optional(conn)
    .await?
    .as_ref()
    .map(task_from_row)
    .transpose()
}

pub async fn complete_task(
    conn: &mut AnyConnection,
    task_id: &str,
    by: &str,
    at: i64,
) -> anyhow::Result<()> {
    sqlx::query::<Any>("UPDATE delivery_tasks SET done_by = $2, done_at = $3 WHERE task_id = $1")
        .bind(task_id)
        .bind(by)
        .bind(at)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn update_status(conn: &mut AnyConnection, m: &MessageRow) -> anyhow::Result<()> {
    sqlx::query::<Any>(
        "UPDATE messages SET status = $2, read_at = $3, collected_by = $4, identity_checked = $5 \
         WHERE message_id = $1",
    )
    .bind(&m.message_id)
    .bind(m.status.code())
    .bind(m.read_at)
    .bind(&m.collected_by)
    .bind(&m.identity_checked)
    .execute(conn)
    .await?;
    Ok(())
}

/// Messages for the guest of `stay_id` not yet read.
pub async fn unread_for_guest(conn: &mut AnyConnection, stay_id: &str) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar::<Any, i64>(
        "SELECT COUNT(*) FROM messages WHERE stay_id = $1 AND direction = $2 AND status = $3",
    )
    .bind(stay_id)
    .bind(MessageDirection::ForGuest.code())
    .bind(MessageStatus::Waiting.code())
    .fetch_one(conn)
    .await?)
}

/// Every waiting message of a property, oldest first (handover).
pub async fn open(conn: &mut AnyConnection, property_id: &str) -> anyhow::Result<Vec<MessageRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM messages WHERE property_id = $1 AND status = $2 \
         ORDER BY created_at, message_id"
    );
    let rows = sqlx::query::<Any>(&sql)
        .bind(property_id)
        .bind(MessageStatus::Waiting.code())
        .fetch_all(&mut *conn)
        .await?;
    let msgs = rows
        .iter()
        .map(from_row)
        .collect::<anyhow::Result<Vec<_>>>()?;
    with_tasks(conn, msgs).await
}
