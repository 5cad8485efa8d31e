//! Logs and traces. JSON logs by default (one object per line, fields not prose); traces go
//! to an OTLP collector when `OTEL_EXPORTER_OTLP_ENDPOINT` is set. Personal data (names,
//! phones, e-mails, message text) is never put in log fields; [`mask`] exists for the rare
//! place where a hint is useful.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

mod json_lines;
mod per_service;
pub use per_service::PerServiceProcessor;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Json,
    Pretty,
}

/// Keeps the tracer provider alive; [`TelemetryGuard::shutdown`] flushes pending spans.
pub struct TelemetryGuard {
    provider: Option<SdkTracerProvider>,
}

impl TelemetryGuard {
    pub fn shutdown(self) {
        if let Some(p) = self.provider
            && let Err(e) = p.shutdown()
        {
            eprintln!("flushing traces failed: {e}");
        }
    }
}

/// Installs the global subscriber. `filter` uses `RUST_LOG` syntax. `process` is the
/// `service.name` of the process; `services` are the services it runs when there are several
/// (`frontdesk dev`): each of their spans is then exported under its own service's name (see
/// [`PerServiceProcessor`]), and only what no service owns under `process`.
pub fn init(
    process: &str,
    services: &[&'static str],
    format: LogFormat,
    filter: &str,
) -> anyhow::Result<TelemetryGuard> {
    let env = log_filter(filter)?;
    let fmt = match format {
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .fmt_fields(tracing_subscriber::fmt::format::JsonFields::new())
            .event_format(json_lines::FlatJson)
            .boxed(),
        LogFormat::Pretty => tracing_subscriber::fmt::layer().compact().boxed(),
    };
    // A provider exists even without an exporter, so W3C trace context received on a call is
    // carried through spans into outgoing calls and stored events (meshes and peers still
    // join traces); spans are only exported when an OTLP endpoint is configured.
    let mut builder = SdkTracerProvider::builder().with_resource(
        Resource::builder()
            .with_service_name(process.to_string())
            .build(),
    );
    if let Ok(endpoint) = std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT")
        && !endpoint.is_empty()
    {
        let exporter = || {
            opentelemetry_otlp::SpanExporter::builder()
                .with_tonic()
                .build()
                .map_err(|e| anyhow::anyhow!("cannot build OTLP exporter for {endpoint}: {e}"))
        };
        builder = if services.len() > 1 {
            builder.with_span_processor(PerServiceProcessor::try_new(services, || {
                let batch = opentelemetry_sdk::trace::BatchSpanProcessor::builder(exporter()?);
                anyhow::Ok(
                    Box::new(batch.build()) as Box<dyn opentelemetry_sdk::trace::SpanProcessor>
                )
            })?)
        } else {
            builder.with_batch_exporter(exporter()?)
        };
    }
    let provider = builder.build();
    let otel = tracing_opentelemetry::layer().with_tracer(provider.tracer("frontdesk"));
    let provider = Some(provider);
    tracing_subscriber::registry()
        .with(env)
        .with(fmt)
        .with(otel)
        .try_init()
        .map_err(|e| anyhow::anyhow!("logging already initialised: {e}"))?;
    Ok(TelemetryGuard { provider })
}

/// The operator's filter (`RUST_LOG` syntax), with what nobody wants at 3 a.m. turned down:
/// our own gRPC hops would otherwise trace themselves in a loop through the exporter, and
/// Postgres says NOTICE ("relation … already exists, skipping") on every start, which sqlx
/// logs at INFO. Postgres warnings still come through.
fn log_filter(filter: &str) -> anyhow::Result<EnvFilter> {
    let quiet =
        ",h2=off,hyper=off,tonic=off,tower=off,opentelemetry=off,sqlx::postgres::notice=warn";
    EnvFilter::try_new(format!("{filter}{quiet}"))
        .map_err(|e| anyhow::anyhow!("invalid log filter {filter:?}: {e}"))
}

/// For tests: logs to the test output when `TEST_LOG` is set, otherwise nowhere. Safe to
/// call many times.
pub fn init_for_tests() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(EnvFilter::new("info,h2=off,hyper=off,tonic=off"))
                .with_test_writer()
                .try_init();
        }
    });
}

/// Keeps the first and last character: "13800138000" → "1*********0".
pub fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    match chars.len() {
        0 => String::new(),
        1 | 2 => "*".repeat(chars.len()),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

#[cfg(test)]
mod tests {
    use super::mask;

    #[test]
    fn postgres_notices_stay_out_of_the_info_log_and_warnings_do_not() {
        use std::sync::{Arc, Mutex};
        use tracing_subscriber::layer::SubscriberExt;
        let lines = Arc::new(Mutex::new(Vec::<u8>::new()));
        let sink = lines.clone();
        let subscriber = tracing_subscriber::registry()
            .with(super::log_filter("info").expect("filter"))
            .with(tracing_subscriber::fmt::layer().with_writer(move || Sink(sink.clone())));
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(target: "sqlx::postgres::notice", "relation already exists, skipping");
            tracing::warn!(target: "sqlx::postgres::notice", "a postgres warning");
            tracing::info!(target: "frontdesk::app", "frontdesk listening");
        });
        let text = String::from_utf8(lines.lock().expect("lines").clone()).expect("utf-8");
        assert!(!text.contains("skipping"), "{text}");
        assert!(text.contains("a postgres warning"), "{text}");
        assert!(text.contains("frontdesk listening"), "{text}");
        assert!(
            super::log_filter("info,[").is_err(),
            "a bad filter is refused"
        );
    }

    /// A log writer for tests: what is written, kept in memory.
    #[derive(Clone, Default)]
    pub(super) struct Sink(pub(super) std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("lines").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn masking_hides_the_middle_of_chinese_and_latin_values() {
        assert_eq!(mask("13800138000"), "1*********0");
        assert_eq!(mask("张伟"), "**");
        assert_eq!(mask("王小明"), "王*明");
    }
}
