//! Who may call which AnalyticsService RPC (the gate in front of every handler; see
//! `frontdesk_platform::access`). The README's role matrix is printed from this table.
//!
//! Agents may read the KPI report, but the handler gives them only their own row of the
//! per-employee report (CI-5.5) and refuses any other grouping.

use frontdesk_platform::access::Table;
use frontdesk_platform::auth::Role::{self, *};

const REPORT_READERS: &[Role] = &[Agent, Supervisor, Manager];
const REPORTS: &[Role] = &[Supervisor, Manager];
const MANAGERS: &[Role] = &[Manager];
/// Chain-wide operations: managers, and the handler also requires the whole chain (props "*").
const ADMINS: &[Role] = &[Manager];

pub const ACCESS: Table = Table {
    service: "frontdesk.analytics.v1.AnalyticsService",
    rules: &[
        ("GetKpiReport", REPORT_READERS),
        ("ExportKpiReportCsv", REPORT_READERS),
        ("GetHotTopics", REPORTS),
        ("WatchKpis", REPORTS),
        ("GetKpiTargets", REPORTS),
        ("SetKpiTargets", MANAGERS),
        ("ListAnomalies", REPORTS),
        ("RebuildFacts", ADMINS),
    ],
};
