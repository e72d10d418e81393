//! The metrics pipeline `init!()` installs beside the traces one: an SDK meter
//! provider whose periodic readers export over OTLP and to the console, installed
//! so that `#[traced(metrics)]` and the integrations record into it.

pub(crate) mod console;
mod points;

#[cfg(feature = "testing")]
pub(crate) use points::points;
pub use points::{MetricPoint, PointValue};

use crate::console::Printer;
use crate::export::ExporterKind;
use crate::setup::env::EnvSettings;
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::Resource;
use std::time::Duration;
use traced::metrics::Naming;

/// How often metrics are exported when `OTEL_METRIC_EXPORT_INTERVAL` is unset.
pub(crate) const DEFAULT_INTERVAL: Duration = Duration::from_secs(60);

/// The installed meter provider, shut down (flushing every reader) by the guard.
pub(crate) struct MeterGuard {
    provider: SdkMeterProvider,
    installed: u64,
}

impl MeterGuard {
    /// Uninstalls the provider and shuts it down: each reader collects and exports
    /// once more, and the console prints its table.
    pub(crate) fn shutdown(self, timeout: Duration) -> Option<String> {
        traced::metrics::uninstall(self.installed);
        self.provider
            .shutdown_with_timeout(timeout)
            .err()
            .map(|e| format!("metrics: {e}"))
    }
}

/// What the setup decided for metrics.
#[cfg_attr(
    not(any(feature = "otlp-grpc", feature = "otlp-http")),
    allow(dead_code)
)]
pub(crate) struct Plan<'a> {
    pub(crate) kinds: Vec<ExporterKind>,
    pub(crate) naming: Naming,
    pub(crate) interval: Option<Duration>,
    pub(crate) endpoint: Option<String>,
    pub(crate) endpoint_as_given: bool,
    pub(crate) protocol: Option<crate::Protocol>,
    pub(crate) env: &'a EnvSettings,
}

/// Builds and installs the meter provider, or nothing when no exporter is named.
pub(crate) fn install(
    plan: &Plan<'_>,
    resource: Resource,
    printer: &mut dyn FnMut() -> Printer,
    warnings: &mut Vec<String>,
) -> Option<MeterGuard> {
    if plan.kinds.is_empty() {
        return None;
    }
    let interval = plan
        .interval
        .or(plan.env.metrics.interval)
        .unwrap_or(DEFAULT_INTERVAL);
    let mut builder = SdkMeterProvider::builder().with_resource(resource);
    for kind in &plan.kinds {
        match kind {
            ExporterKind::Console => {
                let exporter = console::ConsoleMetrics::new(printer(), interval);
                builder = builder.with_reader(
                    PeriodicReader::builder(exporter)
                        .with_interval(interval)
                        .build(),
                );
            }
            ExporterKind::Otlp => match otlp(plan, warnings) {
                Some(exporter) => {
                    builder = builder.with_reader(
                        PeriodicReader::builder(exporter)
                            .with_interval(interval)
                            .build(),
                    );
                }
                None => continue,
            },
        }
    }
    let provider = builder.build();
    let installed = traced::metrics::install(provider.clone(), plan.naming, true);
    Some(MeterGuard {
        provider,
        installed,
    })
}

#[cfg(any(feature = "otlp-grpc", feature = "otlp-http"))]
fn otlp(
    plan: &Plan<'_>,
    warnings: &mut Vec<String>,
) -> Option<crate::export::otlp::MetricExporter> {
    use crate::export::otlp;
    let m = &plan.env.metrics;
    let target = otlp::signal_target(
        &otlp::SignalPlan {
            signal: "metrics",
            endpoint: plan.endpoint.as_deref(),
            endpoint_as_given: plan.endpoint_as_given,
            protocol: plan.protocol,
            env: &m.otlp,
            export_timeout: m.export_timeout,
        },
        warnings,
    )?;
    let temporality = m
        .temporality
        .unwrap_or(opentelemetry_sdk::metrics::Temporality::Cumulative);
    match otlp::metrics(&target, temporality, warnings) {
        Ok(exporter) => Some(exporter),
        Err(e) => {
            warnings.push(format!("no OTLP metric exporter: {e}"));
            None
        }
    }
}

#[cfg(not(any(feature = "otlp-grpc", feature = "otlp-http")))]
fn otlp(_: &Plan<'_>, warnings: &mut Vec<String>) -> Option<console::ConsoleMetrics> {
    warnings.push(
        "the OTLP metric exporter needs traced's `otlp-grpc` or `otlp-http` feature; metrics are not exported over OTLP"
            .into(),
    );
    None
}
