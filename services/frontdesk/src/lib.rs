//! The `frontdesk` binary's library: the application that mounts the services on one gRPC
//! server (`frontdesk dev` and `frontdesk serve`), and the client CLI.

pub mod app;
pub mod cli;
pub mod cli_events;
pub mod cli_kb;
pub mod cli_routing;
pub mod dev;
pub mod services;
