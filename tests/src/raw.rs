//! Calls by path with raw message bodies: for tests that go over every declared RPC (the
//! fuzzer, the role matrix) without a typed client per service.

use bytes::{Buf, BufMut};
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};

/// Sends and receives message bodies as they are.
#[derive(Default, Clone, Copy)]
pub struct RawCodec;

#[derive(Default, Clone, Copy)]
pub struct Raw;

impl Encoder for Raw {
    type Item = Vec<u8>;
    type Error = tonic::Status;
    fn encode(&mut self, item: Vec<u8>, dst: &mut EncodeBuf<'_>) -> Result<(), tonic::Status> {
        dst.put_slice(&item);
        Ok(())
    }
}

impl Decoder for Raw {
    type Item = Vec<u8>;
    type Error = tonic::Status;
    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Vec<u8>>, tonic::Status> {
        let mut out = vec![0; src.remaining()];
        src.copy_to_slice(&mut out);
        Ok(Some(out))
    }
}

impl Codec for RawCodec {
    type Encode = Vec<u8>;
    type Decode = Vec<u8>;
    type Encoder = Raw;
    type Decoder = Raw;
    fn encoder(&mut self) -> Raw {
        Raw
    }
    fn decoder(&mut self) -> Raw {
        Raw
    }
}

/// Every frontdesk RPC this build declares.
pub fn methods() -> Vec<frontdesk_proto::DeclaredMethod> {
    let methods = frontdesk_proto::declared_methods(frontdesk_proto::FILE_DESCRIPTOR_SET);
    assert!(!methods.is_empty(), "the descriptor set declares no RPC");
    methods
}
