//! Routing's rules, free of I/O.

pub mod assignment;
pub mod calendar;
pub mod defaults;
pub mod directory;
pub mod plan_route;
pub mod reroute;
pub mod routed;
pub mod routing_rules;
pub mod rule_match;
pub mod rules_file;
pub mod shift;
pub mod sla_check;
pub mod sla_policy;
pub mod sla_preview;
pub mod told;
