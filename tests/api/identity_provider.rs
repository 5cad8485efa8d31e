//! Tokens from the chain's identity provider (issue 8): EdDSA tokens verified against its
//! JSON Web Key Set served over HTTP or HTTPS (the certificate verified), chosen by `kid`,
//! and a key rotation at the provider picked up without a restart.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use frontdesk_platform::auth::{Authenticator, Claims, Role};
use frontdesk_platform::jwks::{self, JwksSource, Keys};
use frontdesk_proto::intake::v1 as pb;
use frontdesk_tests::{Backend, Env, PROPERTY_A, SECRET};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tonic::Code;

/// An Ed25519 key made by openssl: (PKCS#8 DER private key, raw 32-byte public key).
fn ed25519(dir: &Path, name: &str) -> (Vec<u8>, Vec<u8>) {
    let key = dir.join(format!("{name}.der"));
    let run = |args: &[&str]| {
        let out = std::process::Command::new("openssl")
            .args(args)
            .output()
            .expect("openssl on PATH");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let key_path = key.to_str().expect("utf-8 path");
    run(&[
        "genpkey",
        "-algorithm",
        "ed25519",
        "-outform",
        "DER",
        "-out",
        key_path,
    ]);
    let spki = run(&[
        "pkey", "-in", key_path, "-inform", "DER", "-pubout", "-outform", "DER",
    ]);
    let private = std::fs::read(&key).expect("key");
    (private, spki[spki.len() - 32..].to_vec())
}

fn jwks(keys: &[(&str, &[u8])]) -> String {
    let keys: Vec<String> = keys
        .iter()
        .map(|(kid, public)| {
            format!(
                r#"{{"kty":"OKP","crv":"Ed25519","x":"{}","kid":"{kid}","alg":"EdDSA","use":"sig"}}"#,
                URL_SAFE_NO_PAD.encode(public)
            )
        })
        .collect();
    format!(r#"{{"keys":[{}]}}"#, keys.join(","))
}

fn signed(kid: &str, private_der: &[u8]) -> String {
    let now = frontdesk_platform::time::now_micros() / 1_000_000;
    let claims = Claims {
        sub: "li.na@idp".into(),
        role: Role::Agent,
        props: vec![PROPERTY_A.into()],
        iat: now,
        exp: now + 600,
        nbf: None,
    };
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
    header.kid = Some(kid.into());
    jsonwebtoken::encode(
        &header,
        &claims,
        &jsonwebtoken::EncodingKey::from_ed_der(private_der),
    )
    .expect("sign")
}

/// Serves whatever `body` holds at every path, as the provider's JWKS endpoint would.
async fn jwks_server(body: Arc<Mutex<String>>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            let body = body.lock().map(|b| b.clone()).unwrap_or_default();
            tokio::spawn(async move {
                let mut buf = [0u8; 2048];
                let _ = conn.read(&mut buf).await;
                let res = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = conn.write_all(res.as_bytes()).await;
            });
        }
    });
    format!("http://{addr}/.well-known/jwks.json")
}

async fn code_for(app: &frontdesk_tests::TestApp, token: &str) -> Code {
    let mut client = app.client_with_token(Some(token.into())).await;
    client
        .get_inquiry(pb::GetInquiryRequest {
            inquiry_id: "INQ-NOPE".into(),
        })
        .await
        .expect_err("no such inquiry")
        .code()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_provider_tokens_are_verified_by_kid_and_rotation_needs_no_restart() {
    let dir = tempfile::tempdir().expect("dir");
    let (k1_private, k1_public) = ed25519(dir.path(), "k1");
    let (k2_private, k2_public) = ed25519(dir.path(), "k2");
    let served = Arc::new(Mutex::new(jwks(&[("k1", &k1_public)])));
    let url = jwks_server(served.clone()).await;
    let source = JwksSource::Url { url, ca_file: None };
    let keys = Keys::new(jwks::load(&source).await.expect("key set"));

    let env = Env::new(Backend::Sqlite).await;
    let mut cfg = env.config();
    cfg.auth = Authenticator::new(SECRET).with_jwks(keys.clone());
    let app = env.spawn_with(cfg).await;
    let (trigger, shutdown) = frontdesk_platform::shutdown::channel();
    tokio::spawn(jwks::refresh(
        keys,
        source,
        Duration::from_millis(100),
        shutdown,
    ));

    let k1_token = signed("k1", &k1_private);
    let k2_token = signed("k2", &k2_private);
    // NOT_FOUND means the token was accepted: the call got as far as looking.
    assert_eq!(code_for(&app, &k1_token).await, Code::NotFound);
    assert_eq!(
        code_for(&app, &k2_token).await,
        Code::Unauthenticated,
        "k2 is not listed yet"
    );
    // A token claiming k1 but signed with k2's key is a forgery.
    assert_eq!(
        code_for(&app, &signed("k1", &k2_private)).await,
        Code::Unauthenticated
    );
    // HS256 tokens of the deployment still work (services, dev).
    assert_eq!(
        code_for(
            &app,
            &frontdesk_tests::token("amy", Role::Agent, &[PROPERTY_A])
        )
        .await,
        Code::NotFound
    );

    // The provider rotates: k2 in, k1 out. No restart.
    if let Ok(mut body) = served.lock() {
        *body = jwks(&[("k2", &k2_public)]);
    }
    let mut rotated = false;
    for _ in 0..100 {
        if code_for(&app, &k2_token).await == Code::NotFound {
            rotated = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(rotated, "the new key is accepted after a refresh");
    assert_eq!(
        code_for(&app, &k1_token).await,
        Code::Unauthenticated,
        "the retired key is not"
    );
    trigger.trigger();
    app.stop().await;
}

/// Serves `body` over TLS with the test CA's certificate for 127.0.0.1, as a chain's
/// identity provider serves its key set over https.
async fn https_jwks_server(dir: &Path, body: String) -> String {
    use tokio_rustls::rustls;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(dir.join("svc.pem"))
        .expect("svc.pem")
        .map(|c| c.expect("certificate"))
        .collect();
    let key = PrivateKeyDer::from_pem_file(dir.join("svc.key")).expect("svc.key");
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("protocols")
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .expect("server certificate");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((conn, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let body = body.clone();
            tokio::spawn(async move {
                // A client that refuses the certificate ends the handshake; nothing to serve.
                let Ok(mut tls) = acceptor.accept(conn).await else {
                    return;
                };
                let mut buf = [0u8; 2048];
                let _ = tls.read(&mut buf).await;
                let res = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(res.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    format!("https://127.0.0.1:{}/.well-known/jwks.json", addr.port())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_set_comes_over_https_from_a_provider_whose_certificate_checks_out() {
    let dir = tempfile::tempdir().expect("dir");
    frontdesk_tests::certs::certificates(dir.path());
    let (_, k1_public) = ed25519(dir.path(), "k1");
    let url = https_jwks_server(dir.path(), jwks(&[("k1", &k1_public)])).await;

    // Trusting the provider's CA (--jwks-ca), the key set loads and k1 is known.
    let trusted = JwksSource::Url {
        url: url.clone(),
        ca_file: Some(dir.path().join("ca.pem")),
    };
    let set = jwks::load(&trusted).await.expect("key set over https");
    assert!(Keys::new(set).find("k1").is_some());

    // With trusted certificates that do not include the provider's CA, the server is not
    // taken for the provider, and its keys are not loaded.
    let untrusted = JwksSource::Url {
        url: url.clone(),
        ca_file: Some(dir.path().join("svc.pem")),
    };
    let err = jwks::load(&untrusted).await.expect_err("unknown issuer");
    assert!(format!("{err:#}").contains("certificate"), "{err:#}");

    // A name the certificate does not carry is refused as well.
    let wrong_name = JwksSource::Url {
        url: url.replace("127.0.0.1", "127.0.0.2"),
        ca_file: Some(dir.path().join("ca.pem")),
    };
    assert!(jwks::load(&wrong_name).await.is_err());
}
