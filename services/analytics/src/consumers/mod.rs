//! Consumers of other services' events: decode, turn into facts (pure domain), store. Each
//! event is applied once by the platform's inbox, in the same transaction.

pub mod intake;
pub mod knowledge;
pub mod routing;

#[cfg(test)]
mod tests;
