//! The `frontdesk` binary's library: the application that mounts the services on one gRPC
//! server (`frontdesk dev` and `frontdesk serve`), and the client CLI.

pub mod app;
pub mod client;
pub mod dev;
pub mod services;
