//! frontdesk's behaviour tests: one binary, a module per service or concern, each test on
//! SQLite and on Postgres + Redis (`on_both_backends!`) through the real gRPC server. One
//! binary links once (the suite used to link twenty), and nextest still runs every test in
//! its own process, so a test that installs a global tracing subscriber
//! (`trace_across_services`) sees only its own spans.

mod analytics;
mod directory;
mod drain;
mod erasure;
mod faults;
mod fuzz_rpcs;
mod hostile_input;
mod identity_provider;
mod inquiries;
mod inquiry_links;
mod knowledge;
mod messaging;
mod operations;
mod poison;
mod privacy;
mod relay;
mod replicas;
mod reply_templates;
mod roles;
mod routing_flow;
mod routing_truth;
mod search;
mod split_services;
mod timers;
mod tls;
mod trace_across_services;
mod watch;
