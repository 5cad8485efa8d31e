//! What every frontdesk service stands on. Each module is one concern; services pick what
//! they need and keep their own domain, storage and API.

pub mod access;
pub mod auth;
pub mod balance;
pub mod batch;
pub mod client;
pub mod config;
pub mod contact;
pub mod db;
pub mod error;
pub mod fanout;
pub mod grpc;
pub mod health;
pub mod idempotency;
pub mod inbox;
pub mod jwks;
pub mod limits;
pub mod metrics;
pub mod mount;
pub mod outbox;
pub mod paging;
pub mod peer;
pub mod private_files;
pub mod relay;
pub mod shutdown;
pub mod sql;
pub mod telemetry;
pub mod text;
pub mod time;
pub mod timers;
pub mod tls;
pub mod validate;
pub mod watch;
