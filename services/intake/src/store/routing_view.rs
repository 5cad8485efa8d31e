//! Intake's projection of routing's decision (handler, department, deadlines).

use crate::domain::inquiry::RoutingView;
use sqlx::{AnyConnection, Row};

pub(super) const ROUTING_VIEW_COLUMNS: &str = "lead_department, participants, assignee, \
     on_the_spot, first_response_due, resolution_due, original_resolution_due, fired, as_of";

pub(super) fn routing_view_from_row(r: &sqlx::any::AnyRow) -> anyhow::Result<RoutingView> {
    let list = |s: String| {
        s.split(',')
            .filter(|x| !x.is_empty())
            .map(String::from)
            .collect::<Vec<_>>()
    };
    Ok(RoutingView {
        lead_department: r.try_get("lead_department")?,
        participants: list(r.try_get("participants")?),
        assignee: r.try_get("assignee")?,
        on_the_spot: r.try_get::<i64, _>("on_the_spot")? != 0,
        first_response_due: r.try_get("first_response_due")?,
        resolution_due: r.try_get("resolution_due")?,
        original_resolution_due: r.try_get("original_resolution_due")?,
        fired: list(r.try_get("fired")?),
        as_of: r.try_get("as_of")?,
    })
}

/// Stores routing's view of an inquiry, newer than the stored one (the caller checked the
/// stored `source_sequence`, e.g. from [`super::load_many`]).
pub async fn write_routing_view(
    conn: &mut AnyConnection,
    inquiry_id: &str,
    v: &RoutingView,
    source_sequence: i64,
) -> anyhow::Result<()> {
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
    Ok(())
}
