//! Who may call which RoutingService RPC (the gate in front of every handler; see
//! `frontdesk_platform::access`). The README's role matrix is printed from this table.
//!
//! Rules that depend on the request stay in the handlers: staff clock only themselves in
//! (others need a supervisor), a claim outside one's department or a release of someone
//! else's inquiry needs a supervisor.

use frontdesk_platform::access::Table;
use frontdesk_platform::auth::Role::{self, *};

const EVERYONE: &[Role] = &[Agent, Editor, Supervisor, Manager, Integration, Service];
/// Those who work assignments (CI-3.2–3.5); integrations act on a staff member's behalf.
const HANDLERS: &[Role] = &[Agent, Supervisor, Manager, Integration, Service];
/// Moving work between people is a supervisor's call (CI-3.5).
const SUPERVISORS: &[Role] = &[Supervisor, Manager, Service];
/// The staff directory is fed by the chain's HR and rostering systems (integration) as well
/// as kept by hand by supervisors.
const STAFF_KEEPERS: &[Role] = &[Supervisor, Manager, Integration, Service];
/// Partners (CI-3.4 referrals) are contracts the hotel manages: people only.
const PARTNER_KEEPERS: &[Role] = &[Supervisor, Manager];
/// Departments, routing rules and SLA policies shape the whole property's work.
const MANAGERS: &[Role] = &[Manager, Service];

pub const ACCESS: Table = Table {
    service: "frontdesk.routing.v1.RoutingService",
    rules: &[
        ("ListDepartments", EVERYONE),
        ("UpsertDepartment", MANAGERS),
        ("ListStaff", EVERYONE),
        ("UpsertStaff", STAFF_KEEPERS),
        ("SetOnDuty", EVERYONE),
        ("ListPartners", EVERYONE),
        ("UpsertPartner", PARTNER_KEEPERS),
        ("GetAssignment", EVERYONE),
        ("ListAssignments", EVERYONE),
        ("Claim", HANDLERS),
        ("Reassign", SUPERVISORS),
        ("Release", HANDLERS),
        ("Transfer", HANDLERS),
        ("ListTransfers", EVERYONE),
        ("Refer", HANDLERS),
        ("ListReferrals", EVERYONE),
        ("UpdateReferral", HANDLERS),
        ("WatchAssignments", EVERYONE),
        ("GetRoutingRules", EVERYONE),
        ("SetRoutingRules", MANAGERS),
        ("GetSlaPolicy", EVERYONE),
        ("SetSlaPolicy", MANAGERS),
        ("PreviewDeadlines", EVERYONE),
    ],
};
