//! OTLP metrics: each collection the SDK's periodic reader hands over becomes one
//! `ExportMetricsServiceRequest`, sent over the same transports as spans, retried
//! the same way.

use super::request::Transport;
use super::retry;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::metrics::Temporality;
use prost::Message as _;
use std::time::Duration;

/// The gRPC method metrics are exported by.
#[cfg(feature = "otlp-grpc")]
pub(crate) const GRPC_EXPORT: &str =
    "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";

/// Sends metrics over `T`.
#[derive(Debug)]
pub(crate) struct OtlpMetrics<T> {
    transport: T,
    timeout: Duration,
    temporality: Temporality,
}

impl<T: Transport> OtlpMetrics<T> {
    pub(crate) fn new(transport: T, timeout: Duration, temporality: Temporality) -> Self {
        OtlpMetrics {
            transport,
            timeout,
            temporality,
        }
    }

    fn send(&self, metrics: &ResourceMetrics) -> OTelSdkResult {
        let request = ExportMetricsServiceRequest::from(metrics);
        if request
            .resource_metrics
            .iter()
            .all(|r| r.scope_metrics.is_empty())
        {
            return Ok(());
        }
        let body = self.transport.body(request.encode_to_vec())?;
        retry::within(self.timeout, |left| self.transport.try_send(&body, left))
    }
}

impl std::fmt::Debug for super::otlp::MetricExporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OtlpMetricExporter")
    }
}

impl PushMetricExporter for super::otlp::MetricExporter {
    fn export(
        &self,
        metrics: &ResourceMetrics,
    ) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        std::future::ready(match self {
            #[cfg(feature = "otlp-grpc")]
            Self::Grpc { exporter, .. } => exporter.send(metrics),
            #[cfg(feature = "otlp-http")]
            Self::Http(exporter) => exporter.send(metrics),
        })
    }

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }

    fn temporality(&self) -> Temporality {
        match self {
            #[cfg(feature = "otlp-grpc")]
            Self::Grpc { exporter, .. } => exporter.temporality,
            #[cfg(feature = "otlp-http")]
            Self::Http(exporter) => exporter.temporality,
        }
    }
}
