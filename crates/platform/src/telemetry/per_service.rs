//! One process, several services, each under its own `service.name`.
//!
//! OpenTelemetry's service name is a resource of the tracer provider, and a provider's
//! resource is one per process. `frontdesk dev` runs five services in one process, and an SRE
//! reading its traces expects intake's spans under "intake" and routing's under "routing", as
//! they are in a cluster. So this processor decides, when a span starts, which service owns it
//! and hands the span to that service's own processor (and exporter), whose resource names
//! the service.
//!
//! Who owns a span: a span started inside one of ours belongs to the same service (children
//! of a call or of applying an event); otherwise the span says — the gRPC service it serves
//! (`rpc.service` = `frontdesk.<service>.v1.…`), the consumer applying an event
//! (`messaging.consumer.group.name`), or the crate it was made in (`target` =
//! `frontdesk_<service>::…`). Anything else (health checks, the platform's own background work)
//! stays under the process's name.

use opentelemetry::Context;
use opentelemetry::trace::{SpanId, TraceContextExt};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// Routes each span to the processor of the service that owns it.
#[derive(Debug)]
pub struct PerServiceProcessor {
    names: Vec<&'static str>,
    /// One per name, then the process's own (for spans no service owns).
    processors: Vec<Box<dyn SpanProcessor>>,
    /// Spans started and not yet ended, with their owner: children find their parent here.
    open: Mutex<HashMap<SpanId, usize>>,
}

impl PerServiceProcessor {
    /// `make` builds one processor (with its own exporter) per service and one for the
    /// process; [`SpanProcessor::set_resource`] later gives each its service's name.
    pub fn try_new<E>(
        services: &[&'static str],
        make: impl FnMut() -> Result<Box<dyn SpanProcessor>, E>,
    ) -> Result<Self, E> {
        Ok(Self {
            names: services.to_vec(),
            processors: std::iter::repeat_with(make)
                .take(services.len() + 1)
                .collect::<Result<_, E>>()?,
            open: Mutex::new(HashMap::new()),
        })
    }

    fn process(&self) -> usize {
        self.names.len()
    }

    fn service(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| *n == name)
    }

    /// The service a span names itself, strongest evidence first.
    fn claimed_by(&self, span: &SpanData) -> Option<usize> {
        let attr = |key: &str| {
            span.attributes
                .iter()
                .find(|kv| kv.key.as_str() == key)
                .map(|kv| kv.value.as_str().into_owned())
        };
        let served = attr("rpc.service").and_then(|s| {
            let rest = s.strip_prefix("frontdesk.")?;
            self.service(rest.split('.').next()?)
        });
        served
            .or_else(|| attr("messaging.consumer.group.name").and_then(|c| self.service(&c)))
            .or_else(|| {
                attr("target").and_then(|t| {
                    let krate = t.split("::").next()?;
                    self.service(krate.strip_prefix("frontdesk_")?)
                })
            })
    }

    fn owner_of(&self, span: &Span, parent: &Context) -> usize {
        let parent = parent.span();
        let parent = parent.span_context();
        let inherited = if parent.is_valid() && !parent.is_remote() {
            self.open
                .lock()
                .ok()
                .and_then(|open| open.get(&parent.span_id()).copied())
        } else {
            None
        };
        inherited
            .or_else(|| span.exported_data().and_then(|d| self.claimed_by(&d)))
            .unwrap_or_else(|| self.process())
    }
}

impl SpanProcessor for PerServiceProcessor {
    fn on_start(&self, span: &mut Span, cx: &Context) {
        use opentelemetry::trace::Span as _;
        let owner = self.owner_of(span, cx);
        if let Ok(mut open) = self.open.lock() {
            open.insert(span.span_context().span_id(), owner);
        }
        self.processors[owner].on_start(span, cx);
    }

    fn on_end(&self, span: SpanData) {
        let owner = self
            .open
            .lock()
            .ok()
            .and_then(|mut open| open.remove(&span.span_context.span_id()))
            .unwrap_or_else(|| self.process());
        self.processors[owner].on_end(span);
    }

    fn force_flush(&self) -> OTelSdkResult {
        every(self.processors.iter().map(|p| p.force_flush()))
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        every(
            self.processors
                .iter()
                .map(|p| p.shutdown_with_timeout(timeout)),
        )
    }

    /// The process's resource for each, with `service.name` replaced by the service's.
    fn set_resource(&mut self, resource: &Resource) {
        let names = self.names.clone();
        for (i, p) in self.processors.iter_mut().enumerate() {
            match names.get(i) {
                Some(name) => p.set_resource(&renamed(resource, name)),
                None => p.set_resource(resource),
            }
        }
    }
}

/// Runs every one (each service's spans are flushed even when another's exporter fails) and
/// reports the first failure.
fn every(results: impl Iterator<Item = OTelSdkResult>) -> OTelSdkResult {
    let mut first = Ok(());
    for r in results {
        if first.is_ok() {
            first = r;
        }
    }
    first
}

fn renamed(resource: &Resource, service: &str) -> Resource {
    let attributes = resource
        .iter()
        .map(|(k, v)| opentelemetry::KeyValue::new(k.clone(), v.clone()));
    Resource::builder_empty()
        .with_attributes(attributes)
        .with_service_name(service.to_string())
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::KeyValue;
    use opentelemetry::trace::{Span as _, TraceContextExt, Tracer, TracerProvider as _};
    use opentelemetry_sdk::trace::{SdkTracerProvider, SimpleSpanProcessor, SpanExporter};
    use std::sync::Arc;

    /// What an OTLP collector would receive: each span with the `service.name` of the
    /// exporter that sent it.
    #[derive(Debug, Clone, Default)]
    struct Collector {
        service: String,
        got: Arc<Mutex<Vec<(String, String)>>>,
    }

    impl SpanExporter for Collector {
        async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
            let mut got = self.got.lock().expect("collector");
            got.extend(
                batch
                    .into_iter()
                    .map(|s| (self.service.clone(), s.name.into_owned())),
            );
            Ok(())
        }

        fn set_resource(&mut self, resource: &Resource) {
            self.service = resource
                .get(&opentelemetry::Key::new("service.name"))
                .map(|v| v.as_str().into_owned())
                .unwrap_or_default();
        }
    }

    fn provider(got: &Arc<Mutex<Vec<(String, String)>>>) -> SdkTracerProvider {
        let services = ["intake", "routing", "messaging"];
        let router = PerServiceProcessor::try_new(&services, || {
            let collector = Collector {
                service: String::new(),
                got: got.clone(),
            };
            Ok::<_, ()>(Box::new(SimpleSpanProcessor::new(collector)) as Box<dyn SpanProcessor>)
        })
        .expect("processors");
        SdkTracerProvider::builder()
            .with_resource(
                Resource::builder()
                    .with_service_name("frontdesk-dev")
                    .build(),
            )
            .with_span_processor(router)
            .build()
    }

    fn service_of(got: &Arc<Mutex<Vec<(String, String)>>>, span: &str) -> String {
        let got = got.lock().expect("collector");
        let found: Vec<_> = got.iter().filter(|(_, name)| name == span).collect();
        assert_eq!(found.len(), 1, "{span} exported once: {got:?}");
        found[0].0.clone()
    }

    #[test]
    fn each_span_is_exported_under_the_service_that_owns_it() {
        let got = Arc::new(Mutex::new(Vec::new()));
        let provider = provider(&got);
        let tracer = provider.tracer("test");

        // A call to intake, and a use-case span inside it that names nothing itself.
        let call = tracer
            .span_builder("CreateInquiry")
            .with_attributes([KeyValue::new(
                "rpc.service",
                "frontdesk.intake.v1.IntakeService",
            )])
            .start(&tracer);
        let cx = Context::current_with_span(call);
        tracer.start_with_context("create inquiry", &cx).end();
        cx.span().end();

        // Routing applying intake's event: a child of intake's span in another process or
        // through the outbox, so its parent is remote.
        let remote = cx.span().span_context().clone();
        let remote = opentelemetry::trace::SpanContext::new(
            remote.trace_id(),
            remote.span_id(),
            remote.trace_flags(),
            true,
            remote.trace_state().clone(),
        );
        let parent = Context::new().with_remote_span_context(remote);
        let apply = tracer
            .span_builder("routing apply InquiryChanged")
            .with_attributes([KeyValue::new("messaging.consumer.group.name", "routing")])
            .start_with_context(&tracer, &parent);
        let cx = Context::current_with_span(apply);
        tracer.start_with_context("choose handler", &cx).end();
        cx.span().end();

        // Background work made in messaging's crate, a health check, an unknown service.
        tracer
            .span_builder("release held mail")
            .with_attributes([KeyValue::new(
                "target",
                "frontdesk_messaging::commands::mail",
            )])
            .start(&tracer)
            .end();
        tracer
            .span_builder("Check")
            .with_attributes([
                KeyValue::new("rpc.service", "grpc.health.v1.Health"),
                KeyValue::new("target", "frontdesk_platform::grpc"),
            ])
            .start(&tracer)
            .end();
        tracer
            .span_builder("Nope")
            .with_attributes([KeyValue::new("rpc.service", "frontdesk.billing.v1.Billing")])
            .start(&tracer)
            .end();

        assert_eq!(service_of(&got, "CreateInquiry"), "intake");
        assert_eq!(service_of(&got, "create inquiry"), "intake");
        assert_eq!(service_of(&got, "routing apply InquiryChanged"), "routing");
        assert_eq!(service_of(&got, "choose handler"), "routing");
        assert_eq!(service_of(&got, "release held mail"), "messaging");
        assert_eq!(service_of(&got, "Check"), "frontdesk-dev");
        assert_eq!(service_of(&got, "Nope"), "frontdesk-dev");
    }
}
