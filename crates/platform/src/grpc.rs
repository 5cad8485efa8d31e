//! gRPC plumbing shared by every service: one tower layer for traces (W3C context in and
//! out of metadata) and metrics (requests by method and code, latency), plus health and
//! reflection.

use futures::future::BoxFuture;
use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use std::collections::HashMap;
use std::task::{Context, Poll};
use std::time::Instant;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;

struct HeaderExtractor<'a>(&'a http::HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }
    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|k| k.as_str()).collect()
    }
}

struct MetadataInjector<'a>(&'a mut tonic::metadata::MetadataMap);

impl Injector for MetadataInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(k), Ok(v)) = (
            tonic::metadata::MetadataKey::from_bytes(key.as_bytes()),
            tonic::metadata::MetadataValue::try_from(value.as_str()),
        ) {
            self.0.insert(k, v);
        }
    }
}

/// Adds the current span's W3C trace context to an outgoing call.
pub fn inject_trace_context(metadata: &mut tonic::metadata::MetadataMap) {
    let cx = tracing::Span::current().context();
    TraceContextPropagator::new().inject_context(&cx, &mut MetadataInjector(metadata));
}

/// The current span's `traceparent`, stored with outbox events so consumers join the trace.
pub fn current_traceparent() -> String {
    let cx = tracing::Span::current().context();
    let mut map: HashMap<String, String> = HashMap::new();
    TraceContextPropagator::new().inject_context(&cx, &mut map);
    map.remove("traceparent").unwrap_or_default()
}

/// Tower layer put in front of every gRPC server.
#[derive(Clone, Copy, Default)]
pub struct GrpcLayer;

impl<S> tower::Layer<S> for GrpcLayer {
    type Service = GrpcMiddleware<S>;
    fn layer(&self, inner: S) -> Self::Service {
        GrpcMiddleware { inner }
    }
}

#[derive(Clone)]
pub struct GrpcMiddleware<S> {
    inner: S,
}

impl<S, B, RB> tower::Service<http::Request<B>> for GrpcMiddleware<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<RB>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<S::Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: http::Request<B>) -> Self::Future {
        let (service, method) = split_path(req.uri().path());
        let (service, method) = known_method(&service, &method);
        // The role table (crate::access) is checked by the authenticator, which sees the
        // extensions but not the path.
        if service != "unknown" {
            req.extensions_mut()
                .insert(crate::access::Rpc { service, method });
        }
        let parent = TraceContextPropagator::new().extract(&HeaderExtractor(req.headers()));
        let span = tracing::info_span!(
            "grpc.server",
            otel.name = %format!("{service}/{method}"),
            otel.kind = "server",
            rpc.system = "grpc",
            rpc.service = %service,
            rpc.method = %method,
            rpc.grpc.status_code = tracing::field::Empty,
            trace_id = tracing::field::Empty,
        );
        let _ = span.set_parent(parent);
        record_trace_id(&span);
        // The clone that was polled ready is the one that must be called.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let start = Instant::now();
        Box::pin(
            async move {
                let res = inner.call(req).await;
                // Errors from handlers come back as trailers-only responses: the code is in
                // the headers. No header means the call succeeded (or streams on).
                let code = match &res {
                    Ok(r) => r
                        .headers()
                        .get("grpc-status")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|s| s.parse::<i32>().ok())
                        .unwrap_or(0),
                    Err(_) => 2,
                };
                let mut res = res;
                let code = match &mut res {
                    Ok(r) => malformed_message_is_invalid_argument(r, code),
                    Err(_) => code,
                };
                tracing::Span::current().record("rpc.grpc.status_code", code);
                let code_name = code_name(code);
                log_refusal(service, method, code, code_name, start.elapsed());
                metrics::counter!(crate::metrics::GRPC_REQUESTS, "grpc_service" => service, "grpc_method" => method, "grpc_code" => code_name)
                    .increment(1);
                metrics::histogram!(crate::metrics::GRPC_DURATION, "grpc_service" => service, "grpc_method" => method)
                    .record(start.elapsed().as_secs_f64());
                res
            }
            .instrument(span),
        )
    }
}

/// Puts the span's OpenTelemetry trace id in its `trace_id` field, so every JSON log line
/// written inside it (they carry the current span's fields) can be found from a trace and
/// the other way round.
pub fn record_trace_id(span: &tracing::Span) {
    use opentelemetry::trace::TraceContextExt;
    let cx = span.context();
    let sc = cx.span().span_context().clone();
    if sc.is_valid() {
        span.record("trace_id", tracing::field::display(sc.trace_id()));
    }
}

/// Refused and failed calls are logged (method and code, never the message: it may repeat
/// the caller's input): caller mistakes at INFO, server-side failures at WARN.
fn log_refusal(service: &str, method: &str, code: i32, code_name: &str, took: std::time::Duration) {
    let ms = took.as_millis();
    match code {
        0 => {}
        2 | 4 | 13 | 14 | 15 => tracing::warn!(
            grpc_service = service,
            grpc_method = method,
            grpc_code = code_name,
            duration_ms = ms,
            "call failed"
        ),
        _ => tracing::info!(
            grpc_service = service,
            grpc_method = method,
            grpc_code = code_name,
            duration_ms = ms,
            "call refused"
        ),
    }
}

/// Canonical gRPC code names (`OK`, `INVALID_ARGUMENT` …), as the OpenTelemetry RPC
/// conventions and every other gRPC dashboard spell them.
fn code_name(code: i32) -> &'static str {
    match code {
        0 => "OK",
        1 => "CANCELLED",
        3 => "INVALID_ARGUMENT",
        4 => "DEADLINE_EXCEEDED",
        5 => "NOT_FOUND",
        6 => "ALREADY_EXISTS",
        7 => "PERMISSION_DENIED",
        8 => "RESOURCE_EXHAUSTED",
        9 => "FAILED_PRECONDITION",
        10 => "ABORTED",
        11 => "OUT_OF_RANGE",
        12 => "UNIMPLEMENTED",
        13 => "INTERNAL",
        14 => "UNAVAILABLE",
        15 => "DATA_LOSS",
        16 => "UNAUTHENTICATED",
        _ => "UNKNOWN",
    }
}

/// Every method this binary can serve, from the compiled descriptors: label values come from
/// this set only, so callers of made-up paths cannot mint new metric series.
static KNOWN_METHODS: std::sync::LazyLock<std::collections::HashSet<String>> =
    std::sync::LazyLock::new(|| {
        let mut known: std::collections::HashSet<String> = [
            frontdesk_proto::FILE_DESCRIPTOR_SET,
            tonic_health::pb::FILE_DESCRIPTOR_SET,
        ]
        .into_iter()
        .flat_map(frontdesk_proto::declared_methods)
        .map(|m| format!("{}/{}", m.service, m.method))
        .collect();
        for reflection in ["grpc.reflection.v1", "grpc.reflection.v1alpha"] {
            known.insert(format!(
                "{reflection}.ServerReflection/ServerReflectionInfo"
            ));
        }
        known
    });

/// The (service, method) labels of a path: itself when this binary knows it, else one
/// shared `("unknown", "unknown")`.
fn known_method(service: &str, method: &str) -> (&'static str, &'static str) {
    match KNOWN_METHODS.get(&format!("{service}/{method}")) {
        Some(full) => {
            // The set lives for the whole process, so its strings can be labels as they are.
            let full: &'static str = full.as_str();
            full.split_once('/').unwrap_or(("unknown", "unknown"))
        }
        None => ("unknown", "unknown"),
    }
}

/// tonic answers a request body that does not decode with INTERNAL ("failed to decode
/// Protobuf message"), which blames the server for the caller's bytes. Rewrite that
/// trailers-only answer to INVALID_ARGUMENT; returns the code the caller gets.
fn malformed_message_is_invalid_argument<RB>(res: &mut http::Response<RB>, code: i32) -> i32 {
    if code != 13 {
        return code;
    }
    let decode_error = res
        .headers()
        .get("grpc-message")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|m| m.contains("decode") && m.contains("Protobuf"));
    if !decode_error {
        return code;
    }
    let headers = res.headers_mut();
    headers.insert("grpc-status", http::HeaderValue::from_static("3"));
    headers.insert(
        "grpc-message",
        http::HeaderValue::from_static("the request message is not valid protobuf for this method"),
    );
    headers.remove("grpc-status-details-bin");
    3
}

/// "/frontdesk.intake.v1.IntakeService/CreateInquiry" → ("frontdesk.intake.v1.IntakeService", "CreateInquiry")
fn split_path(path: &str) -> (String, String) {
    let trimmed = path.trim_start_matches('/');
    match trimmed.split_once('/') {
        Some((s, m)) => (s.to_string(), m.to_string()),
        None => ("unknown".to_string(), "unknown".to_string()),
    }
}

/// Reflection (v1 and v1alpha: grpcurl and many clients still speak only v1alpha) over every
/// frontdesk proto and the health service.
pub fn reflection() -> anyhow::Result<(
    tonic_reflection::server::v1::ServerReflectionServer<
        impl tonic_reflection::server::v1::ServerReflection,
    >,
    tonic_reflection::server::v1alpha::ServerReflectionServer<
        impl tonic_reflection::server::v1alpha::ServerReflection,
    >,
)> {
    let v1 = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(frontdesk_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    let v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(frontdesk_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?;
    Ok((v1, v1alpha))
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::trace::TracerProvider as _;
    use tracing_subscriber::layer::SubscriberExt;

    #[test]
    fn incoming_trace_context_flows_into_spans_and_out_again() {
        let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder().build();
        let subscriber = tracing_subscriber::registry()
            .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("test")));
        tracing::subscriber::with_default(subscriber, || {
            let incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
            let mut headers = http::HeaderMap::new();
            headers.insert("traceparent", http::HeaderValue::from_static(incoming));
            let parent = TraceContextPropagator::new().extract(&HeaderExtractor(&headers));
            let span = tracing::info_span!("grpc.server");
            let _ = span.set_parent(parent);
            let _guard = span.enter();
            let out = current_traceparent();
            assert!(
                out.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"),
                "{out}"
            );
            assert!(!out.contains("00f067aa0ba902b7"), "a new child span id");
            let mut md = tonic::metadata::MetadataMap::new();
            inject_trace_context(&mut md);
            assert_eq!(
                md.get("traceparent").and_then(|v| v.to_str().ok()),
                Some(out.as_str())
            );
        });
    }

    #[test]
    fn paths_split_into_service_and_method() {
        assert_eq!(
            split_path("/frontdesk.intake.v1.IntakeService/CreateInquiry"),
            (
                "frontdesk.intake.v1.IntakeService".into(),
                "CreateInquiry".into()
            )
        );
        assert_eq!(split_path("/"), ("unknown".into(), "unknown".into()));
    }

    #[test]
    fn only_served_methods_become_label_values() {
        assert_eq!(
            known_method("frontdesk.intake.v1.IntakeService", "CreateInquiry"),
            ("frontdesk.intake.v1.IntakeService", "CreateInquiry")
        );
        assert_eq!(
            known_method("grpc.health.v1.Health", "Check"),
            ("grpc.health.v1.Health", "Check")
        );
        assert_eq!(
            known_method("frontdesk.intake.v1.IntakeService", "DropTables"),
            ("unknown", "unknown")
        );
        assert_eq!(known_method("made.up.Service", "X"), ("unknown", "unknown"));
        assert_eq!(code_name(0), "OK");
        assert_eq!(code_name(3), "INVALID_ARGUMENT");
        assert_eq!(code_name(99), "UNKNOWN");
    }
}
