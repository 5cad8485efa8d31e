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

/// Rows per multi-row statement of [`write_routing_views`] and [`set_assignees`]: well under
/// SQLite's parameter limit.
const ROWS: usize = 200;

/// Stores several inquiries' routing views at once (one statement per 200): the last view a
/// batch of routing's events left on each. An inquiry appears once.
pub async fn write_routing_views(
    conn: &mut AnyConnection,
    views: &[(&str, &RoutingView, i64)],
) -> anyhow::Result<()> {
    for chunk in views.chunks(ROWS) {
        let sql = format!(
            "INSERT INTO routing_views (inquiry_id, lead_department, participants, assignee, \
             on_the_spot, first_response_due, resolution_due, original_resolution_due, fired, \
             as_of, source_sequence) VALUES {} ON CONFLICT (inquiry_id) DO UPDATE SET \
             lead_department = excluded.lead_department, participants = excluded.participants, \
             assignee = excluded.assignee, on_the_spot = excluded.on_the_spot, \
             first_response_due = excluded.first_response_due, \
             resolution_due = excluded.resolution_due, \
             original_resolution_due = excluded.original_resolution_due, fired = excluded.fired, \
             as_of = excluded.as_of, source_sequence = excluded.source_sequence",
            frontdesk_platform::sql::values(chunk.len(), 11, 1)
        );
        let mut q = sqlx::query(&sql);
        for (inquiry_id, v, source_sequence) in chunk {
            q = q
                .bind(*inquiry_id)
                .bind(&v.lead_department)
                .bind(v.participants.join(","))
                .bind(&v.assignee)
                .bind(i64::from(v.on_the_spot))
                .bind(v.first_response_due)
                .bind(v.resolution_due)
                .bind(v.original_resolution_due)
                .bind(v.fired.join(","))
                .bind(v.as_of)
                .bind(*source_sequence);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// One inquiry's new handler as the projection leaves it: written only if the inquiry is
/// still at `loaded_version` (optimistic, like every intake write).
pub struct AssigneeChange<'a> {
    pub inquiry_id: &'a str,
    pub assignee: &'a str,
    pub version: i64,
    pub updated_at: i64,
    pub loaded_version: i64,
}

/// Sets several inquiries' handler and version at once (one statement per 200); returns how
/// many were still at their loaded version. An inquiry appears once.
pub async fn set_assignees(
    conn: &mut AnyConnection,
    changes: &[AssigneeChange<'_>],
) -> anyhow::Result<u64> {
    let mut written = 0;
    for chunk in changes.chunks(ROWS) {
        // A CTE of the new values, joined by UPDATE … FROM: the same text on Postgres and
        // SQLite (≥ 3.33).
        let sql = format!(
            "WITH v (inquiry_id, assignee, version, updated_at, loaded_version) AS (VALUES {}) \
             UPDATE inquiries SET assignee = v.assignee, version = v.version, \
             updated_at = v.updated_at FROM v \
             WHERE inquiries.inquiry_id = v.inquiry_id AND inquiries.version = v.loaded_version",
            frontdesk_platform::sql::values(chunk.len(), 5, 1)
        );
        let mut q = sqlx::query(&sql);
        for c in chunk {
            q = q
                .bind(c.inquiry_id)
                .bind(c.assignee)
                .bind(c.version)
                .bind(c.updated_at)
                .bind(c.loaded_version);
        }
        written += q.execute(&mut *conn).await?.rows_affected();
    }
    Ok(written)
}
