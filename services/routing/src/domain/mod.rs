//! Routing's rules, free of I/O.

pub mod defaults;
pub mod directory;
