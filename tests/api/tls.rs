//! gRPC over mutual TLS (issues 8 and 13): with a certificate and a client CA configured,
//! the server speaks TLS only, refuses callers without a certificate its CA signed, and the
//! services mounted together still deliver their events to each other (over TLS, verified
//! by name). Certificates are made with the openssl CLI for each test.

use frontdesk_platform::auth::Role;
use frontdesk_platform::client::Bearer;
use frontdesk_platform::tls::TlsArgs;
use frontdesk_proto::intake::v1::intake_service_client::IntakeServiceClient;
use frontdesk_tests::certs::certificates;
use frontdesk_tests::{Backend, Env, PROPERTY_A, intake_pb as pb, on_both_backends, token};
use std::time::{Duration, Instant};
use tonic::transport::{Certificate, ClientTlsConfig, Identity};

on_both_backends!(mutual_tls_admits_only_certified_callers_and_events_still_flow);

async fn intake_over(
    url: &str,
    tls: Option<ClientTlsConfig>,
) -> anyhow::Result<
    IntakeServiceClient<
        tonic::service::interceptor::InterceptedService<tonic::transport::Channel, Bearer>,
    >,
> {
    let channel = frontdesk_platform::client::connect(url, tls).await?;
    Ok(IntakeServiceClient::with_interceptor(
        channel,
        Bearer::new(&token("amy", Role::Agent, &[PROPERTY_A]))?,
    ))
}

async fn mutual_tls_admits_only_certified_callers_and_events_still_flow(backend: Backend) {
    let env = Env::new(backend).await;
    let dir = tempfile::tempdir().expect("dir");
    certificates(dir.path());
    let file = |name: &str| Some(dir.path().join(name));
    let mut cfg = env.config();
    cfg.tls = TlsArgs {
        tls_cert: file("svc.pem"),
        tls_key: file("svc.key"),
        tls_client_ca: file("ca.pem"),
        tls_ca: file("ca.pem"),
        tls_server_name: "localhost".into(),
    }
    .load()
    .expect("TLS files load");
    let app = env.spawn_with(cfg).await;
    let https = format!("https://localhost:{}", app.port);
    let read = |name: &str| std::fs::read(dir.path().join(name)).expect("read");
    let trust = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(read("ca.pem")));

    // Plain text is not spoken at all.
    let plain = match intake_over(&format!("http://127.0.0.1:{}", app.port), None).await {
        Ok(mut c) => c
            .create_inquiry(frontdesk_tests::new_inquiry("plain text?"))
            .await
            .err()
            .map(|s| s.code()),
        Err(_) => Some(tonic::Code::Unavailable),
    };
    assert!(plain.is_some(), "a plain-text call must fail");

    // TLS without a client certificate: the handshake is refused (mutual TLS).
    let anonymous = match intake_over(&https, Some(trust.clone())).await {
        Ok(mut c) => c
            .create_inquiry(frontdesk_tests::new_inquiry("who am I?"))
            .await
            .is_ok(),
        Err(_) => false,
    };
    assert!(!anonymous, "a caller without a certificate is refused");

    // With the service identity: served, and routing (mounted here, reached over TLS at
    // 127.0.0.1 verified as "localhost") receives the event and intake its decision.
    let mut amy = intake_over(
        &https,
        Some(trust.identity(Identity::from_pem(read("svc.pem"), read("svc.key")))),
    )
    .await
    .expect("mutual TLS connects");
    let created = amy
        .create_inquiry(frontdesk_tests::new_inquiry("请问早餐几点开始？"))
        .await
        .expect("create over mutual TLS")
        .into_inner()
        .inquiry
        .expect("inquiry");
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let got = amy
            .get_inquiry(pb::GetInquiryRequest {
                inquiry_id: created.inquiry_id.clone(),
            })
            .await
            .expect("get")
            .into_inner()
            .inquiry
            .expect("inquiry");
        if got.routing.is_some() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "routing's decision never came back over TLS"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
