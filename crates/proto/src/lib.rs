//! Generated gRPC contracts of frontdesk, one module per package (`common::v1`,
//! `intake::v1`, …), and the shared vocabulary's codes ([`vocabulary`]).

#[allow(clippy::all, clippy::pedantic)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/_includes.rs"));
}

pub use generated::frontdesk::*;

pub mod vocabulary;

/// Encoded `FileDescriptorSet` of every frontdesk proto, for gRPC reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/frontdesk_descriptor.bin"));
