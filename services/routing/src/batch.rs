//! One delivered batch of intake's events, applied by routing in one transaction (issue 14).
//! What routing would otherwise read for every inquiry — the property's rules and SLA
//! policy, a department's staff and contacts, the open loads, the round-robin turn — is
//! read once per batch and kept here, and the AssignmentChanged events the batch causes are
//! appended together at its end. So an inquiry costs the same few statements however large
//! the property, and routing's outbox counter is held only for the batch's last statements.
//!
//! The memo lives exactly as long as the batch's transaction, so invalidation is built in:
//! a staff change or a new policy committed before a batch starts is what that batch reads
//! (an inquiry created after the change is delivered in such a batch), and nothing is kept
//! across batches. Within a batch only routing itself changes what it memoised: a routed
//! inquiry adds to its handler's load here, a round-robin turn advances here and is saved at
//! the end, and any other change (a reroute, a resolution) forgets the loads.
//!
//! A batch's new inquiries cost no statement of their own: whether each was routed before is
//! asked once for all of them, and their assignments and deadline chains wait here and are
//! written in one multi-row statement each ([`flush`]) — at the batch's end, or earlier when
//! an event of the batch is about to read or change assignments.
//!
//! The texts of a batch's new inquiries, which text rules match on, are asked of intake in
//! one BatchGetInquiries call before the batch is applied, not one GetInquiry per inquiry.
//!
//! Outside a batch (staff calls, the SLA firer) every function reads the database as before.

use crate::domain::directory::Staff;
use crate::domain::routed::Routed;
use crate::domain::sla_policy::DeadlineKind;
use crate::domain::told::Contacts;
use frontdesk_platform::outbox::{self, NewEvent};
use sqlx::AnyConnection;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

type Key = (String, String);

#[derive(Default)]
pub struct Batch {
    events: Vec<NewEvent>,
    configs: HashMap<Key, Option<(i64, String)>>,
    staff: HashMap<Key, Vec<Staff>>,
    contacts: HashMap<Key, Contacts>,
    loads: HashMap<String, HashMap<String, i64>>,
    /// (property, department) → the last position handed out, and whether it moved since
    /// it was read (then it is saved at the end).
    turns: HashMap<Key, (i64, bool)>,
    /// Inquiry id → its text, fetched from intake for the whole batch in one call.
    texts: HashMap<String, String>,
    /// The batch's new inquiries, asked of the database at its start, and which of them
    /// routing had routed before.
    checked: HashSet<String>,
    routed_before: HashSet<String>,
    /// New assignments with their deadline chains, written together by [`flush`].
    pending: Vec<(Routed, Vec<(DeadlineKind, i64)>)>,
    pending_ids: HashSet<String>,
}

tokio::task_local! {
    static BATCH: RefCell<Batch>;
}

fn key(a: &str, b: &str) -> Key {
    (a.to_string(), b.to_string())
}

/// Runs `apply` (the consumer applying a delivered batch) with a fresh batch; the caller
/// then [`finish`]es it in the same transaction.
pub async fn run<T>(apply: impl Future<Output = T>) -> (T, Batch) {
    BATCH
        .scope(RefCell::new(Batch::default()), async {
            let out = apply.await;
            (out, BATCH.with(RefCell::take))
        })
        .await
}

/// The batch's writes deferred to its end: the round-robin positions that moved, then the
/// events (last: the outbox counter is held from here to the commit only).
pub async fn finish(conn: &mut AnyConnection, mut batch: Batch) -> anyhow::Result<()> {
    write_pending(conn, std::mem::take(&mut batch.pending)).await?;
    for ((property_id, department), (position, moved)) in batch.turns {
        if moved {
            sqlx::query(
                "UPDATE assignment_cursors SET position = $1 \
                 WHERE property_id = $2 AND department_code = $3",
            )
            .bind(position)
            .bind(&property_id)
            .bind(&department)
            .execute(&mut *conn)
            .await?;
        }
    }
    outbox::append_many(conn, batch.events).await?;
    Ok(())
}

/// Adds an event to the batch being applied. Outside a batch it is an error (a bug), never
/// a lost event.
pub fn record(event: NewEvent) -> anyhow::Result<()> {
    BATCH
        .try_with(|b| b.borrow_mut().events.push(event))
        .map_err(|_| anyhow::anyhow!("an assignment event was recorded outside a consumer batch"))
}

/// A memoised value, if a batch is running and has it.
fn memo<T>(get: impl FnOnce(&Batch) -> Option<T>) -> Option<T> {
    BATCH.try_with(|b| get(&b.borrow())).ok().flatten()
}

/// Keeps a value in the running batch, if any.
fn keep(put: impl FnOnce(&mut Batch)) {
    let _ = BATCH.try_with(|b| put(&mut b.borrow_mut()));
}

pub async fn property_config(
    conn: &mut AnyConnection,
    property_id: &str,
    kind: &str,
) -> anyhow::Result<Option<(i64, String)>> {
    let k = key(property_id, kind);
    if let Some(v) = memo(|b| b.configs.get(&k).cloned()) {
        return Ok(v);
    }
    let v = crate::store::property_config(conn, property_id, kind).await?;
    keep(|b| {
        b.configs.insert(k, v.clone());
    });
    Ok(v)
}

pub async fn staff_of_department(
    conn: &mut AnyConnection,
    property_id: &str,
    department: &str,
) -> anyhow::Result<Vec<Staff>> {
    let k = key(property_id, department);
    if let Some(v) = memo(|b| b.staff.get(&k).cloned()) {
        return Ok(v);
    }
    let v = crate::store::staff_of_department(conn, property_id, department).await?;
    keep(|b| {
        b.staff.insert(k, v.clone());
    });
    Ok(v)
}

pub async fn department_contacts(
    conn: &mut AnyConnection,
    property_id: &str,
    department: &str,
) -> anyhow::Result<Contacts> {
    let k = key(property_id, department);
    if let Some(v) = memo(|b| b.contacts.get(&k).cloned()) {
        return Ok(v);
    }
    let v = crate::store::department_contacts(conn, property_id, department).await?;
    keep(|b| {
        b.contacts.insert(k, v.clone());
    });
    Ok(v)
}

/// Open assignments per handler of a property. Not needed (and not read) for a department
/// without staff: nobody can be chosen there.
pub async fn open_loads(
    conn: &mut AnyConnection,
    property_id: &str,
) -> anyhow::Result<HashMap<String, i64>> {
    if let Some(v) = memo(|b| b.loads.get(property_id).cloned()) {
        return Ok(v);
    }
    let v = crate::assignment_store::open_loads(conn, property_id).await?;
    keep(|b| {
        b.loads.insert(property_id.to_string(), v.clone());
    });
    Ok(v)
}

/// Asks once which of the batch's new inquiries routing has routed already, so routing
/// each does not need a read of its own.
pub async fn check_routed(
    conn: &mut AnyConnection,
    inquiry_ids: Vec<String>,
) -> anyhow::Result<()> {
    let found = crate::assignment_store::existing(conn, &inquiry_ids).await?;
    keep(|b| {
        b.checked.extend(inquiry_ids);
        b.routed_before.extend(found);
    });
    Ok(())
}

/// Whether routing has an assignment for the inquiry: written, or waiting in this batch.
pub async fn is_routed(conn: &mut AnyConnection, inquiry_id: &str) -> anyhow::Result<bool> {
    let known = memo(|b| {
        if b.pending_ids.contains(inquiry_id) || b.routed_before.contains(inquiry_id) {
            Some(true)
        } else if b.checked.contains(inquiry_id) {
            Some(false)
        } else {
            None
        }
    });
    match known {
        Some(routed) => Ok(routed),
        None => Ok(crate::assignment_store::load(conn, inquiry_id)
            .await?
            .is_some()),
    }
}

/// A new assignment and its deadlines: in a batch they wait for [`flush`] (one multi-row
/// statement each for all of the batch's new inquiries); outside one they are written now.
pub async fn insert_routed(
    conn: &mut AnyConnection,
    routed: Routed,
    deadlines: Vec<(DeadlineKind, i64)>,
) -> anyhow::Result<()> {
    if BATCH.try_with(|_| ()).is_err() {
        return write_pending(conn, vec![(routed, deadlines)]).await;
    }
    keep(|b| {
        b.pending_ids.insert(routed.inquiry_id.clone());
        b.pending.push((routed, deadlines));
    });
    Ok(())
}

/// A new assignment of this batch not written yet, as it will be written.
pub fn pending_routed(inquiry_id: &str) -> Option<Routed> {
    memo(|b| {
        if !b.pending_ids.contains(inquiry_id) {
            return None;
        }
        b.pending
            .iter()
            .find(|(r, _)| r.inquiry_id == inquiry_id)
            .map(|(r, _)| r.clone())
    })
}

/// The inquiry's assignment: a new one of this batch as it will be written, else the stored.
pub async fn assignment(
    conn: &mut AnyConnection,
    inquiry_id: &str,
) -> anyhow::Result<Option<Routed>> {
    match pending_routed(inquiry_id) {
        Some(routed) => Ok(Some(routed)),
        None => crate::assignment_store::load(conn, inquiry_id).await,
    }
}

/// Writes the new assignments waiting in the batch, before anything reads them back (an
/// event of the batch about an inquiry that is not new) and at the batch's end.
pub async fn flush(conn: &mut AnyConnection) -> anyhow::Result<()> {
    let pending = BATCH
        .try_with(|b| std::mem::take(&mut b.borrow_mut().pending))
        .unwrap_or_default();
    write_pending(conn, pending).await
}

async fn write_pending(
    conn: &mut AnyConnection,
    pending: Vec<(Routed, Vec<(DeadlineKind, i64)>)>,
) -> anyhow::Result<()> {
    if pending.is_empty() {
        return Ok(());
    }
    let (routed, chains): (Vec<Routed>, Vec<Vec<(DeadlineKind, i64)>>) =
        pending.into_iter().unzip();
    crate::assignment_store::insert_many(conn, &routed).await?;
    let chains: Vec<crate::deadline_store::Chain<'_>> = routed
        .iter()
        .zip(&chains)
        .map(|(r, d)| (r.inquiry_id.as_str(), r.property_id.as_str(), d.as_slice()))
        .collect();
    crate::deadline_store::upsert_deadlines_many(conn, &chains).await
}

/// Keeps the texts fetched for the batch's new inquiries.
pub fn keep_texts(texts: HashMap<String, String>) {
    keep(|b| b.texts.extend(texts));
}

/// An inquiry's text fetched for this batch, if it was.
pub fn text(inquiry_id: &str) -> Option<String> {
    memo(|b| b.texts.get(inquiry_id).cloned())
}

/// A new open assignment of `staff_id`: its load as the next inquiry of the batch sees it.
pub fn assigned(property_id: &str, staff_id: &str) {
    if staff_id.is_empty() {
        return;
    }
    keep(|b| {
        if let Some(loads) = b.loads.get_mut(property_id) {
            *loads.entry(staff_id.to_string()).or_insert(0) += 1;
        }
    });
}

/// Forgets the loads: a change other than a new route (reroute, resolution, reopening) may
/// have moved them.
pub fn forget_loads() {
    keep(|b| b.loads.clear());
}

/// The next round-robin position of a department. In a batch, the first call takes the row
/// (and its lock, so no other writer interleaves) and later ones count on from it; the
/// position is saved at [`finish`].
pub async fn next_turn(
    conn: &mut AnyConnection,
    property_id: &str,
    department: &str,
) -> anyhow::Result<u64> {
    let k = key(property_id, department);
    let advanced = memo(|b| b.turns.get(&k).map(|(p, _)| p + 1));
    let position = match advanced {
        Some(p) => {
            keep(|b| {
                b.turns.insert(k, (p, true));
            });
            p
        }
        None => {
            let p =
                crate::assignment_store::next_turn_position(conn, property_id, department).await?;
            keep(|b| {
                b.turns.insert(k, (p, false));
            });
            p
        }
    };
    Ok(u64::try_from(position).unwrap_or(0))
}
