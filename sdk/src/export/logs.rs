//! OTLP logs: each batch the SDK's log processor hands over becomes one
//! `ExportLogsServiceRequest` (opentelemetry-proto's transform), sent over the
//! same transports as spans, retried the same way.

use super::request::Transport;
use super::retry;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
use opentelemetry_proto::transform::logs::tonic::group_logs_by_resource_and_scope;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::logs::{LogBatch, LogExporter};
use opentelemetry_sdk::Resource;
use prost::Message as _;
use std::time::Duration;

/// The gRPC method logs are exported by.
#[cfg(feature = "otlp-grpc")]
pub(crate) const GRPC_EXPORT: &str = "/opentelemetry.proto.collector.logs.v1.LogsService/Export";

/// Sends log records over a transport.
pub(crate) struct OtlpLogs {
    transport: Box<dyn Transport>,
    timeout: Duration,
    resource: ResourceAttributesWithSchema,
    /// Kept while the exporter is: the gRPC connection's runtime.
    #[cfg(feature = "otlp-grpc")]
    pub(crate) _runtime: Option<super::otlp::GrpcRuntime>,
}

impl std::fmt::Debug for OtlpLogs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OtlpLogs")
            .field("transport", &self.transport)
            .finish_non_exhaustive()
    }
}

impl OtlpLogs {
    pub(crate) fn new(transport: Box<dyn Transport>, timeout: Duration) -> Self {
        OtlpLogs {
            transport,
            timeout,
            resource: ResourceAttributesWithSchema::from(&Resource::builder_empty().build()),
            #[cfg(feature = "otlp-grpc")]
            _runtime: None,
        }
    }

    fn send(&self, batch: &LogBatch<'_>) -> OTelSdkResult {
        let request = ExportLogsServiceRequest {
            resource_logs: group_logs_by_resource_and_scope(batch, &self.resource),
        };
        if request
            .resource_logs
            .iter()
            .all(|r| r.scope_logs.is_empty())
        {
            return Ok(());
        }
        let body = self.transport.body(request.encode_to_vec())?;
        retry::within(self.timeout, |left| self.transport.try_send(&body, left))
    }
}

impl LogExporter for OtlpLogs {
    fn export(
        &self,
        batch: LogBatch<'_>,
    ) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        std::future::ready(self.send(&batch))
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.resource = ResourceAttributesWithSchema::from(resource);
    }
}
