//! Fuzzed protobuf on every RPC (issue 8): whatever bytes a caller sends to whatever method
//! this server declares, the answer is a precise refusal or a result — never INTERNAL,
//! UNKNOWN or DATA_LOSS, and the server keeps serving. The methods come from the compiled
//! descriptors, so a new RPC is fuzzed from the day it is declared.

use frontdesk_platform::auth::Role;
use frontdesk_tests::raw::{RawCodec, methods};
use frontdesk_tests::{Backend, Env, create, on_both_backends, token};
use tonic::Code;

/// xorshift64*: the same inputs on every run, so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Inputs that break decoders in different ways: random bytes, wrong wire types, truncated
/// lengths, huge varints, deep nesting, strings with NUL and invalid UTF-8, and plausible
/// messages with random field numbers.
fn inputs(rng: &mut Rng) -> Vec<Vec<u8>> {
    let mut out = vec![
        Vec::new(),
        vec![0xff; 16],
        vec![0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f], // field 1, length 4 GB, no bytes
        vec![
            0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
        ], // 64-bit varint
        vec![0x0a, 0x03, b'a', 0x00, b'b'],       // field 1 = "a\0b"
        vec![0x0a, 0x02, 0xc3, 0x28],             // field 1 = invalid UTF-8
        vec![0x0b],                               // start-group, never ended
    ];
    // Field 1 nested 200 deep (prost's recursion limit is 100).
    let mut nested = Vec::new();
    for _ in 0..200 {
        let mut outer = vec![0x0a];
        prost::encoding::encode_varint(nested.len() as u64, &mut outer);
        outer.extend_from_slice(&nested);
        nested = outer;
    }
    out.push(nested);
    for _ in 0..24 {
        let mut msg = Vec::new();
        for _ in 0..rng.below(6) {
            let field = 1 + rng.below(20) as u32;
            match rng.below(4) {
                0 => {
                    prost::encoding::encode_key(field, prost::encoding::WireType::Varint, &mut msg);
                    prost::encoding::encode_varint(rng.next() >> rng.below(64), &mut msg);
                }
                1 => {
                    let len = rng.below(40) as usize;
                    let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
                    prost::encoding::bytes::encode(field, &bytes, &mut msg);
                }
                2 => {
                    let s = [
                        "",
                        "sh-bund",
                        "*",
                        "INQ-1",
                        "-1",
                        "99999999999999999999",
                        "房间",
                    ][rng.below(7) as usize];
                    prost::encoding::string::encode(field, &s.to_string(), &mut msg);
                }
                _ => {
                    let bytes: Vec<u8> = (0..rng.below(12)).map(|_| rng.next() as u8).collect();
                    msg.extend_from_slice(&bytes);
                }
            }
        }
        out.push(msg);
    }
    out
}

fn acceptable(code: Code) -> bool {
    !matches!(code, Code::Internal | Code::Unknown | Code::DataLoss)
}

async fn fuzzed_protobuf_on_every_rpc_never_answers_internal(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let mut amy = app.agent().await;
    create(&mut amy, "早餐几点 breakfast hours?").await; // something to find
    let bearer: tonic::metadata::MetadataValue<_> =
        format!("Bearer {}", token("max", Role::Manager, &["*"]))
            .parse()
            .expect("header");
    let mut grpc = tonic::client::Grpc::new(app.channel().await);
    let mut rng = Rng(0x5eed_f00d_cafe_d00d);
    let methods = methods();
    assert!(
        methods.len() > 40,
        "only {} methods declared?",
        methods.len()
    );
    let mut bad = Vec::new();
    let mut calls = 0;
    for m in &methods {
        let path: http::uri::PathAndQuery = m.path().parse().expect("path");
        for input in inputs(&mut rng) {
            let mut req = tonic::Request::new(input.clone());
            req.metadata_mut().insert("authorization", bearer.clone());
            req.set_timeout(std::time::Duration::from_secs(5));
            grpc.ready().await.expect("server still serving");
            calls += 1;
            let code = if m.server_streaming {
                match grpc.server_streaming(req, path.clone(), RawCodec).await {
                    // A watch that started is fine; close it by dropping.
                    Ok(_) => Code::Ok,
                    Err(s) => s.code(),
                }
            } else {
                match grpc.unary(req, path.clone(), RawCodec).await {
                    Ok(_) => Code::Ok,
                    Err(s) => s.code(),
                }
            };
            if !acceptable(code) {
                bad.push(format!(
                    "{} {:02x?} → {code:?}",
                    m.path(),
                    &input[..input.len().min(24)]
                ));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "{} of {calls} calls:\n{}",
        bad.len(),
        bad.join("\n")
    );
    // And the server still does its job.
    create(&mut amy, "还在吗 still there?").await;
    app.stop().await;
}

on_both_backends!(fuzzed_protobuf_on_every_rpc_never_answers_internal);
