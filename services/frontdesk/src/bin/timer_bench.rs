//! Placeholder replaced by the timer benchmark.
fn main() {}
