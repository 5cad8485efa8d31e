//! Who may call which IntakeService RPC (the gate in front of every handler; see
//! `frontdesk_platform::access`). The README's role matrix is printed from this table.

use frontdesk_platform::access::Table;
use frontdesk_platform::auth::Role::{self, *};

/// Anyone with a token of this chain: reading and recording inquiries is the desk's daily
/// work, and integrations (web chat, PMS, survey tools) feed inquiries and feedback in.
const EVERYONE: &[Role] = &[Agent, Editor, Supervisor, Manager, Integration, Service];
/// Those who handle inquiries (CI-3): staff, and integrations answering on their behalf.
const HANDLERS: &[Role] = &[Agent, Supervisor, Manager, Integration, Service];
/// CI-5.2: audits of answers and the record of corrected classifications.
const AUDITORS: &[Role] = &[Supervisor, Manager];
/// PIPL/GDPR: erasure and subject access requests are a manager's decision.
const PRIVACY: &[Role] = &[Manager];

pub const ACCESS: Table = Table {
    service: "frontdesk.intake.v1.IntakeService",
    rules: &[
        ("CreateInquiry", EVERYONE),
        ("GetInquiry", EVERYONE),
        ("BatchGetInquiries", EVERYONE),
        ("ListInquiries", EVERYONE),
        ("WatchInquiries", EVERYONE),
        ("Acknowledge", HANDLERS),
        ("Respond", HANDLERS),
        ("NotifyDelay", HANDLERS),
        ("Resolve", HANDLERS),
        ("Reopen", HANDLERS),
        ("RecordFeedback", EVERYONE),
        ("AuditAnswer", AUDITORS),
        ("Reclassify", HANDLERS),
        ("ListReclassifications", AUDITORS),
        ("WaitForCustomer", HANDLERS),
        ("CustomerReplied", HANDLERS),
        ("EraseCustomer", PRIVACY),
        ("ExportCustomerData", PRIVACY),
    ],
};
