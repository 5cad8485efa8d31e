//! Intake's rules, free of I/O: what an inquiry is, how it may change, how it is classified.

pub mod classify;
pub mod inquiry;
pub mod link;
pub mod model;
pub mod new_inquiry;
pub mod privacy;
pub mod search;
