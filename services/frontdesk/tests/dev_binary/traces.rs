//! Traces and logs from `frontdesk dev` as an SRE's OTLP collector and log store receive them
//! (issue 9): one trace follows an inquiry from intake into routing and back, inside the one
//! process each service reports under its own `service.name` as it would in a cluster, and a
//! JSON log line is flat and names the trace and span it was written in.

use super::{cli, free_port, start_with, stop};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Clone, Debug, PartialEq)]
struct Received {
    service: String,
    name: String,
    trace_id: Vec<u8>,
    span_id: Vec<u8>,
}

/// An OTLP/gRPC trace collector on a local port, keeping what it is sent.
#[derive(Clone, Default)]
struct Collector(Arc<Mutex<Vec<Received>>>);

#[tonic::async_trait]
impl TraceService for Collector {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let mut got = self.0.lock().map_err(|_| tonic::Status::internal("lock"))?;
        for resource_spans in request.into_inner().resource_spans {
            let service = resource_spans
                .resource
                .iter()
                .flat_map(|r| r.attributes.iter())
                .find(|kv| kv.key == "service.name")
                .and_then(|kv| kv.value.as_ref()?.value.as_ref())
                .map(|v| match v {
                    Value::StringValue(s) => s.clone(),
                    other => format!("{other:?}"),
                })
                .unwrap_or_default();
            for span in resource_spans.scope_spans.into_iter().flat_map(|s| s.spans) {
                got.push(Received {
                    service: service.clone(),
                    name: span.name,
                    trace_id: span.trace_id,
                    span_id: span.span_id,
                });
            }
        }
        Ok(tonic::Response::new(ExportTraceServiceResponse::default()))
    }
}

impl Collector {
    /// Serves on a free port from its own runtime thread; returns the port.
    fn serve(&self) -> u16 {
        let port = free_port();
        let collector = self.clone();
        let (ready, started) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
                    .await
                    .expect("collector port");
                let _ = ready.send(());
                tonic::transport::Server::builder()
                    .add_service(TraceServiceServer::new(collector))
                    .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener))
                    .await
                    .expect("collector serves");
            });
        });
        started
            .recv_timeout(Duration::from_secs(10))
            .expect("collector started");
        port
    }

    fn named(&self, name: &str) -> Vec<Received> {
        self.0
            .lock()
            .map(|got| got.iter().filter(|r| r.name == name).cloned().collect())
            .unwrap_or_default()
    }
}

#[test]
fn inside_dev_spans_carry_their_service_and_log_lines_their_trace() {
    let collector = Collector::default();
    let port = collector.serve();
    let checkout = tempfile::tempdir().expect("temp dir");
    let cwd = checkout.path();
    let dev = start_with(
        cwd,
        &["dev", "--log-format", "json"],
        &[
            (
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                format!("http://127.0.0.1:{port}"),
            ),
            // Export within a fraction of a second rather than the default five.
            ("OTEL_BSP_SCHEDULE_DELAY", "100".to_string()),
        ],
    );
    let out = cli(
        cwd,
        dev.port,
        &[
            "inquiry",
            "create",
            "--channel",
            "hotline",
            "--name",
            "李娜",
            "--phone",
            "13900139000",
            "--text",
            "房间空调坏了 the air conditioning is broken",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    // A refused call is logged (INFO, with its code) inside the call's span.
    let unknown = "00000000-0000-4000-8000-000000000000";
    let out = cli(cwd, dev.port, &["inquiry", "get", unknown]);
    assert!(!out.status.success(), "no such inquiry: {out:?}");

    let create = "frontdesk.intake.v1.IntakeService/CreateInquiry";
    let routed = "routing apply frontdesk.intake.v1.InquiryChanged";
    let projected = "intake apply frontdesk.routing.v1.AssignmentChanged";
    let deadline = Instant::now() + Duration::from_secs(30);
    let (creates, routings, projections) = loop {
        let seen = (
            collector.named(create),
            collector.named(routed),
            collector.named(projected),
        );
        if !seen.0.is_empty() && !seen.1.is_empty() && !seen.2.is_empty() {
            break seen;
        }
        assert!(
            Instant::now() < deadline,
            "spans not exported within 30 s: {:?}\n{}",
            collector.0.lock().map(|g| g.clone()).unwrap_or_default(),
            dev.output()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let output = dev.output();
    stop(dev);
    assert_log_lines_lead_to_traces(&output, &collector);

    assert_eq!(creates.len(), 1, "one CreateInquiry span: {creates:?}");
    let trace = &creates[0].trace_id;
    assert_eq!(creates[0].service, "intake", "the call is intake's");
    let routing_applies: Vec<_> = routings.iter().filter(|r| &r.trace_id == trace).collect();
    assert!(
        !routing_applies.is_empty(),
        "routing applies the event in the inquiry's trace: {routings:?}"
    );
    assert!(
        routing_applies.iter().all(|r| r.service == "routing"),
        "routing's work is routing's: {routing_applies:?}"
    );
    let projecting: Vec<_> = projections
        .iter()
        .filter(|r| &r.trace_id == trace)
        .collect();
    assert!(
        !projecting.is_empty() && projecting.iter().all(|r| r.service == "intake"),
        "intake projects routing's answer in the same trace, as intake: {projections:?}"
    );
    // Nothing of the inquiry's trace is left under the process's name.
    let everything = collector.0.lock().map(|g| g.clone()).unwrap_or_default();
    let unowned: Vec<_> = everything
        .iter()
        .filter(|r| &r.trace_id == trace && r.service == "frontdesk-dev")
        .collect();
    assert!(unowned.is_empty(), "spans without a service: {unowned:?}");
}

/// Every JSON line is one flat object; the refused GetInquiry's line carries the trace id
/// and span id of the call's exported span.
fn assert_log_lines_lead_to_traces(output: &str, collector: &Collector) {
    let lines: Vec<serde_json::Value> = output
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(!lines.is_empty(), "JSON log lines:\n{output}");
    for line in &lines {
        assert!(
            line.get("fields").is_none() && line.get("spans").is_none(),
            "flat: {line}"
        );
    }
    let refused = lines
        .iter()
        .find(|l| l["message"] == "call refused" && l["grpc_method"] == "GetInquiry")
        .unwrap_or_else(|| panic!("the refused call is logged:\n{output}"));
    assert_eq!(refused["grpc_code"], "NOT_FOUND", "{refused}");
    let trace_id = refused["trace_id"].as_str().unwrap_or_default();
    let span_id = refused["span_id"].as_str().unwrap_or_default();
    assert_eq!(trace_id.len(), 32, "{refused}");
    assert_eq!(span_id.len(), 16, "{refused}");
    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let calls = collector.named("frontdesk.intake.v1.IntakeService/GetInquiry");
    assert!(
        calls
            .iter()
            .any(|c| hex(&c.trace_id) == trace_id && hex(&c.span_id) == span_id),
        "the logged ids are the call's exported span: {refused} vs {calls:?}"
    );
}
