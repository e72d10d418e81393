//! The logs pipeline `init!()` installs beside traces and metrics: an SDK logger
//! provider exporting over OTLP (in batches) and to the console (at once),
//! installed so that `traced::logs` (exceptions, when opted in) and
//! traced-tracing's `LogsLayer` emit through it.

mod console;

use crate::console::Printer;
use crate::export::ExporterKind;
use crate::setup::env::EnvSettings;
use opentelemetry_sdk::logs::SdkLoggerProvider;
use opentelemetry_sdk::Resource;
use std::time::Duration;

/// The installed logger provider, shut down (exporting what is queued) by the
/// guard.
pub(crate) struct LoggerGuard {
    provider: SdkLoggerProvider,
    installed: u64,
}

impl LoggerGuard {
    /// Uninstalls the provider and shuts it down, exporting what is queued.
    pub(crate) fn shutdown(self, timeout: Duration) -> Option<String> {
        traced::logs::uninstall(self.installed);
        self.provider
            .shutdown_with_timeout(timeout)
            .err()
            .map(|e| format!("logs: {e}"))
    }
}

/// What the setup decided for logs.
#[cfg_attr(
    not(any(feature = "otlp-grpc", feature = "otlp-http")),
    allow(dead_code)
)]
pub(crate) struct Plan<'a> {
    pub(crate) kinds: Vec<ExporterKind>,
    pub(crate) endpoint: Option<String>,
    pub(crate) protocol: Option<crate::Protocol>,
    pub(crate) env: &'a EnvSettings,
}

/// Builds and installs the logger provider, or nothing when no exporter is named.
pub(crate) fn install(
    plan: &Plan<'_>,
    resource: Resource,
    printer: &mut dyn FnMut() -> Printer,
    warnings: &mut Vec<String>,
) -> Option<LoggerGuard> {
    if plan.kinds.is_empty() {
        return None;
    }
    let mut builder = SdkLoggerProvider::builder().with_resource(resource);
    for kind in &plan.kinds {
        match kind {
            // Printed as each record is emitted, in order with the traces.
            ExporterKind::Console => {
                builder = builder.with_simple_exporter(console::ConsoleLogs::new(printer()));
            }
            ExporterKind::Otlp => {
                if let Some(exporter) = otlp(plan, warnings) {
                    builder = builder.with_log_processor(batch(exporter, &plan.env.logs));
                }
            }
        }
    }
    let provider = builder.build();
    let installed = traced::logs::install(&provider);
    Some(LoggerGuard {
        provider,
        installed,
    })
}

/// The SDK's batch processor, with the `OTEL_BLRP_*` settings traced read (its
/// own reading of the process environment is overridden by every one of them).
fn batch<E: opentelemetry_sdk::logs::LogExporter + 'static>(
    exporter: E,
    env: &crate::setup::env::LogsEnv,
) -> opentelemetry_sdk::logs::BatchLogProcessor {
    use crate::setup::env::{DEFAULT_BATCH_SIZE, DEFAULT_QUEUE_SIZE};
    let queue = env.max_queue_size.unwrap_or(DEFAULT_QUEUE_SIZE);
    let config = opentelemetry_sdk::logs::BatchConfigBuilder::default()
        .with_max_queue_size(queue)
        .with_scheduled_delay(env.schedule_delay.unwrap_or(Duration::from_secs(1)))
        .with_max_export_batch_size(
            env.max_export_batch_size
                .unwrap_or(DEFAULT_BATCH_SIZE.min(queue)),
        )
        .build();
    opentelemetry_sdk::logs::BatchLogProcessor::builder(exporter)
        .with_batch_config(config)
        .build()
}

#[cfg(any(feature = "otlp-grpc", feature = "otlp-http"))]
fn otlp(plan: &Plan<'_>, warnings: &mut Vec<String>) -> Option<crate::export::logs::OtlpLogs> {
    use crate::export::otlp;
    let target = otlp::signal_target(
        &otlp::SignalPlan {
            signal: "logs",
            endpoint: plan.endpoint.as_deref(),
            endpoint_as_given: false,
            protocol: plan.protocol,
            env: &plan.env.logs.otlp,
            export_timeout: plan.env.logs.export_timeout,
        },
        warnings,
    )?;
    match otlp::logs(&target, warnings) {
        Ok(exporter) => Some(exporter),
        Err(e) => {
            warnings.push(format!("no OTLP log exporter: {e}"));
            None
        }
    }
}

#[cfg(not(any(feature = "otlp-grpc", feature = "otlp-http")))]
fn otlp(_: &Plan<'_>, warnings: &mut Vec<String>) -> Option<console::ConsoleLogs> {
    warnings.push(
        "the OTLP log exporter needs traced-sdk's `otlp-grpc` or `otlp-http` feature; logs are not exported over OTLP"
            .into(),
    );
    None
}
