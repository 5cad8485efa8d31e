//! Generated gRPC contracts of frontdesk. Services keep these types behind `pb::`.

pub mod events {
    pub mod v1 {
        tonic::include_proto!("frontdesk.events.v1");
    }
}

pub mod intake {
    pub mod v1 {
        tonic::include_proto!("frontdesk.intake.v1");
    }
}

pub mod routing {
    pub mod v1 {
        tonic::include_proto!("frontdesk.routing.v1");
    }
}

/// Encoded `FileDescriptorSet` of every frontdesk proto, for gRPC reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/frontdesk_descriptor.bin"));
