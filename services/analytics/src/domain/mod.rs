//! Pure rules: what an event contributes to an inquiry's facts (`facts`) and the KPI math of
//! CI-5.4 (`kpi`), hot topics (`topics`). No I/O.

pub mod anomaly;
pub mod csv;
pub mod facts;
pub mod kpi;
pub mod targets;
pub mod topics;
