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

/// One RPC declared in a descriptor set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredMethod {
    /// The full service name, e.g. `frontdesk.intake.v1.IntakeService`.
    pub service: String,
    pub method: String,
    pub server_streaming: bool,
}

impl DeclaredMethod {
    /// The HTTP/2 path a call to it uses: `/<service>/<method>`.
    pub fn path(&self) -> String {
        format!("/{}/{}", self.service, self.method)
    }
}

/// Every RPC an encoded `FileDescriptorSet` declares ([`FILE_DESCRIPTOR_SET`], or another
/// crate's such as gRPC health); an undecodable set declares none.
pub fn declared_methods(encoded: &[u8]) -> Vec<DeclaredMethod> {
    use prost::Message as _;
    let Ok(set) = prost_types::FileDescriptorSet::decode(encoded) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for file in set.file {
        let package = file.package.unwrap_or_default();
        for svc in file.service {
            let service = format!("{package}.{}", svc.name.unwrap_or_default());
            for m in svc.method {
                out.push(DeclaredMethod {
                    service: service.clone(),
                    method: m.name.unwrap_or_default(),
                    server_streaming: m.server_streaming.unwrap_or(false),
                });
            }
        }
    }
    out
}
