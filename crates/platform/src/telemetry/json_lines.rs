//! JSON log lines an SRE can query without unnesting: one flat object per line with the
//! event's fields, the fields of the spans it happened in (outermost first, the event's own
//! win), and `trace_id` / `span_id` of the OpenTelemetry span it belongs to, so a log line
//! leads to its trace and a trace to its log lines.
//!
//! tracing-subscriber's JSON format nests these (`fields`, `span`) and knows nothing of
//! OpenTelemetry ids, hence this formatter.

use opentelemetry::trace::TraceContextExt;
use serde_json::{Map, Value};
use std::fmt;
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::{JsonFields, Writer};
use tracing_subscriber::fmt::time::{FormatTime, SystemTime};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

/// The event formatter; use it with [`JsonFields`] so span fields are stored as JSON.
pub struct FlatJson;

impl<S> FormatEvent<S, JsonFields> for FlatJson
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, JsonFields>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        let mut line = Map::new();
        let mut timestamp = String::new();
        SystemTime.format_time(&mut Writer::new(&mut timestamp))?;
        line.insert("timestamp".into(), timestamp.into());
        line.insert("level".into(), meta.level().as_str().into());
        line.insert("target".into(), meta.target().into());
        if let Some(scope) = ctx.event_scope() {
            let mut innermost = None;
            for span in scope.from_root() {
                if let Some(fields) = span.extensions().get::<FormattedFields<JsonFields>>()
                    && let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(fields)
                {
                    line.extend(fields);
                }
                innermost = Some(span.name());
            }
            if let Some(name) = innermost {
                line.insert("span".into(), name.into());
            }
        }
        event.record(&mut Fields(&mut line));
        // The OpenTelemetry layer makes the entered span's context current on this thread.
        let cx = opentelemetry::Context::current();
        let span = cx.span();
        let sc = span.span_context();
        if sc.is_valid() {
            line.insert("trace_id".into(), sc.trace_id().to_string().into());
            line.insert("span_id".into(), sc.span_id().to_string().into());
        }
        let text = serde_json::to_string(&line).map_err(|_| fmt::Error)?;
        writeln!(writer, "{text}")
    }
}

/// Collects an event's fields as JSON values.
struct Fields<'a>(&'a mut Map<String, Value>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.0.insert(field.name().into(), value.to_string().into());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0
            .insert(field.name().into(), format!("{value:?}").into());
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::Sink;
    use super::*;
    use opentelemetry::trace::TracerProvider as _;
    use tracing_subscriber::layer::SubscriberExt;

    #[test]
    fn a_line_is_flat_and_names_its_trace_and_span() {
        let buffer = Sink::default();
        let out = buffer.clone();
        let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder().build();
        let subscriber = tracing_subscriber::registry()
            .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("test")))
            .with(
                tracing_subscriber::fmt::layer()
                    .fmt_fields(JsonFields::new())
                    .event_format(FlatJson)
                    .with_writer(move || out.clone()),
            );
        let (trace_id, span_id) = tracing::subscriber::with_default(subscriber, || {
            use tracing_opentelemetry::OpenTelemetrySpanExt;
            let outer = tracing::info_span!("grpc.server", rpc.method = "CreateInquiry");
            let _outer = outer.enter();
            let inner =
                tracing::info_span!("create inquiry", inquiry_id = "inq-1", rpc.method = "own");
            let _inner = inner.enter();
            tracing::info!(batch = 3_u64, ok = true, "inquiry recorded");
            let cx = inner.context();
            let sc = cx.span().span_context().clone();
            (sc.trace_id().to_string(), sc.span_id().to_string())
        });
        tracing::subscriber::with_default(
            tracing_subscriber::registry().with(
                tracing_subscriber::fmt::layer()
                    .fmt_fields(JsonFields::new())
                    .event_format(FlatJson)
                    .with_writer({
                        let out = buffer.clone();
                        move || out.clone()
                    }),
            ),
            || tracing::warn!("outside any span"),
        );
        let text = String::from_utf8(buffer.0.lock().expect("buffer").clone()).expect("utf-8");
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
            .collect();
        assert_eq!(lines.len(), 2, "{text}");
        let line = &lines[0];
        assert_eq!(line["message"], "inquiry recorded");
        assert_eq!(line["level"], "INFO");
        assert_eq!(line["batch"], 3);
        assert_eq!(line["ok"], true);
        assert_eq!(line["inquiry_id"], "inq-1", "span fields are top-level");
        assert_eq!(line["rpc.method"], "own", "the inner span's field wins");
        assert_eq!(line["span"], "create inquiry");
        assert_eq!(line["trace_id"], trace_id.as_str());
        assert_eq!(line["span_id"], span_id.as_str());
        assert!(line.get("fields").is_none() && line.get("spans").is_none());
        let outside = &lines[1];
        assert_eq!(outside["message"], "outside any span");
        assert!(
            outside.get("trace_id").is_none(),
            "no trace, no id: {outside}"
        );
    }
}
