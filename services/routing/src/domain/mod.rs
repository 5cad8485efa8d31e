//! Routing's rules, free of I/O.

pub mod calendar;
pub mod defaults;
pub mod directory;
pub mod routed;
pub mod sla_policy;
