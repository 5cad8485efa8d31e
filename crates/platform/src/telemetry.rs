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
    // Our own gRPC hops would otherwise trace themselves in a loop through the exporter.
    let quiet = ",h2=off,hyper=off,tonic=off,tower=off,opentelemetry=off";
    let env = EnvFilter::try_new(format!("{filter}{quiet}"))
        .map_err(|e| anyhow::anyhow!("invalid log filter {filter:?}: {e}"))?;
    let fmt = match format {
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .with_current_span(true)
            .with_span_list(false)
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
    fn masking_hides_the_middle_of_chinese_and_latin_values() {
        assert_eq!(mask("13800138000"), "1*********0");
        assert_eq!(mask("张伟"), "**");
        assert_eq!(mask("王小明"), "王*明");
    }
}
