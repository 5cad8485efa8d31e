//! One trace per inquiry across services (issue 9): the trace context of CreateInquiry is
//! stored with intake's event (also through the create batcher), routing applies the event
//! as a child of it, and intake applies routing's answer in the same trace. Spans are
//! collected in process by an exporter of this test, as an OTLP collector would get them.
//! The only test in this binary: it installs the global subscriber.

use frontdesk_tests::{Backend, Env, create};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanData, SpanExporter};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

#[derive(Clone, Debug, Default)]
struct Collected(Arc<Mutex<Vec<SpanData>>>);

impl SpanExporter for Collected {
    fn export(
        &self,
        batch: Vec<SpanData>,
    ) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        if let Ok(mut spans) = self.0.lock() {
            spans.extend(batch);
        }
        std::future::ready(Ok(()))
    }
}

impl Collected {
    fn named(&self, name: &str) -> Vec<SpanData> {
        self.0
            .lock()
            .map(|s| s.iter().filter(|d| d.name == name).cloned().collect())
            .unwrap_or_default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_trace_follows_an_inquiry_from_intake_into_routing_and_back() {
    let collected = Collected::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(collected.clone())
        .build();
    tracing_subscriber::registry()
        .with(tracing_subscriber::EnvFilter::new(
            "info,h2=off,hyper=off,tonic=off,tower=off",
        ))
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("test")))
        .try_init()
        .expect("the only subscriber of this test binary");

    let env = Env::new(Backend::Postgres).await;
    let app = env.spawn().await;
    let mut amy = app.agent().await;
    let inquiry = create(&mut amy, "房间空调坏了 the air conditioning is broken").await;

    let create_span = "frontdesk.intake.v1.IntakeService/CreateInquiry";
    let routed = "routing apply frontdesk.intake.v1.InquiryChanged";
    let projected = "intake apply frontdesk.routing.v1.AssignmentChanged";
    let mut seen = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..200 {
        seen = (
            collected.named(create_span),
            collected.named(routed),
            collected.named(projected),
        );
        if !seen.0.is_empty() && !seen.1.is_empty() && !seen.2.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (creates, routings, projections) = seen;
    assert_eq!(creates.len(), 1, "one CreateInquiry span");
    let trace = creates[0].span_context.trace_id();
    // The span's trace id is also a field, so JSON log lines inside it carry `trace_id`.
    let logged = creates[0]
        .attributes
        .iter()
        .find(|kv| kv.key.as_str() == "trace_id")
        .map(|kv| kv.value.to_string());
    assert_eq!(logged, Some(trace.to_string()));
    assert!(
        routings.iter().any(|s| s.span_context.trace_id() == trace),
        "routing's decision joins the create's trace ({} routing spans)",
        routings.len()
    );
    assert!(
        projections
            .iter()
            .any(|s| s.span_context.trace_id() == trace),
        "intake's projection of the decision joins it too ({} spans)",
        projections.len()
    );
    // Routing's apply is a child of the create call, not a new root.
    let apply = routings
        .iter()
        .find(|s| s.span_context.trace_id() == trace)
        .expect("routing span");
    assert_ne!(apply.parent_span_id, opentelemetry::trace::SpanId::INVALID);
    assert!(!inquiry.inquiry_id.is_empty());
    app.stop().await;
    let _ = provider.shutdown();
}
