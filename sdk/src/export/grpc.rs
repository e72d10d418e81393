//! OTLP over gRPC, written straight from span data (see [`super::protobuf`]): each
//! request is encoded once into a buffer and handed to tonic as it is, on the
//! runtime traced-sdk runs the connection on. Retryable failures are retried as
//! [`super::retry`] describes, within the export timeout; the metadata sent is
//! exactly the headers traced read and checked.

use super::protobuf;
use super::retry::{self, Failed};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use opentelemetry_sdk::Resource;
use std::time::Duration;
use tonic::codec::{Codec, CompressionEncoding, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::metadata::{Ascii, MetadataKey, MetadataMap, MetadataValue};
use tonic::transport::{Channel, Endpoint};
use tonic::{Code, Status};
use tonic_types::StatusExt as _;

const EXPORT: &str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

/// Exports to one OTLP/gRPC endpoint.
#[derive(Debug)]
pub(crate) struct GrpcExporter {
    channel: Channel,
    runtime: tokio::runtime::Handle,
    metadata: MetadataMap,
    timeout: Duration,
    gzip: bool,
    resource: Resource,
}

impl GrpcExporter {
    /// The exporter for `target`, connecting lazily on `runtime`. A header that
    /// gRPC metadata cannot carry gets a warning in `warnings`.
    pub(crate) fn new(
        target: &super::otlp::Target,
        runtime: &tokio::runtime::Runtime,
        warnings: &mut Vec<String>,
    ) -> Result<Self, String> {
        let endpoint = Endpoint::from_shared(target.endpoint.clone())
            .map_err(|e| format!("the gRPC endpoint {}: {e}", target.endpoint))?
            .timeout(target.timeout)
            .user_agent(concat!("traced-sdk/", env!("CARGO_PKG_VERSION")))
            .map_err(|e| e.to_string())?;
        let channel = {
            let _entered = runtime.enter();
            endpoint.connect_lazy()
        };
        let mut metadata = MetadataMap::new();
        for (name, value) in &target.headers {
            match (
                name.parse::<MetadataKey<Ascii>>(),
                value.parse::<MetadataValue<Ascii>>(),
            ) {
                (Ok(key), Ok(value)) => {
                    metadata.insert(key, value);
                }
                _ => warnings.push(format!(
                    "the header {name} cannot be sent as gRPC metadata; it is not sent"
                )),
            }
        }
        Ok(GrpcExporter {
            channel,
            runtime: runtime.handle().clone(),
            metadata,
            timeout: target.timeout,
            gzip: target.gzip,
            resource: Resource::builder_empty().build(),
        })
    }

    /// One try: the request sent and its answer awaited, on the connection's runtime.
    fn try_once(&self, body: Vec<u8>) -> Result<(), Status> {
        let mut client = tonic::client::Grpc::new(self.channel.clone());
        if self.gzip {
            client = client.send_compressed(CompressionEncoding::Gzip);
        }
        let mut request = tonic::Request::new(body);
        *request.metadata_mut() = self.metadata.clone();
        self.runtime.block_on(async move {
            client
                .ready()
                .await
                .map_err(|e| Status::unavailable(format!("not connected: {e}")))?;
            let path = http::uri::PathAndQuery::from_static(EXPORT);
            client.unary(request, path, Bytes).await.map(drop)
        })
    }

    /// Sends `batch`, trying again while the failure is retryable and the export
    /// timeout has not passed since the first try.
    fn send(&self, batch: &[SpanData]) -> OTelSdkResult {
        if batch.is_empty() {
            return Ok(());
        }
        let mut body = Vec::new();
        protobuf::export_request(&self.resource, batch, &mut body);
        retry::within(self.timeout, |_| {
            self.try_once(body.clone()).map_err(|status| Failed {
                why: format!(
                    "the collector answered {:?}: {}",
                    status.code(),
                    status.message()
                ),
                retry_after: retry(&status),
            })
        })
    }
}

/// Whether OTLP says to retry `status`, and after how long at least (the retry
/// info the collector sent).
fn retry(status: &Status) -> Option<Duration> {
    let asked = status
        .get_details_retry_info()
        .and_then(|info| info.retry_delay);
    match status.code() {
        Code::Cancelled
        | Code::DeadlineExceeded
        | Code::Aborted
        | Code::OutOfRange
        | Code::Unavailable
        | Code::DataLoss => Some(asked.unwrap_or_default()),
        // Only when the collector says when it can take more.
        Code::ResourceExhausted => asked,
        _ => None,
    }
}

impl SpanExporter for GrpcExporter {
    fn export(
        &self,
        batch: Vec<SpanData>,
    ) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        // Blocking: the export queue runs each export on a worker thread of its own.
        std::future::ready(self.send(&batch))
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.resource = resource.clone();
    }
}

/// Hands an encoded request to tonic as it is; the answer (an
/// `ExportTraceServiceResponse`) is not read.
#[derive(Debug, Clone, Copy)]
struct Bytes;

impl Codec for Bytes {
    type Encode = Vec<u8>;
    type Decode = ();
    type Encoder = Bytes;
    type Decoder = Bytes;

    fn encoder(&mut self) -> Self::Encoder {
        Bytes
    }

    fn decoder(&mut self) -> Self::Decoder {
        Bytes
    }
}

impl Encoder for Bytes {
    type Item = Vec<u8>;
    type Error = Status;

    fn encode(&mut self, item: Vec<u8>, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        use bytes::BufMut as _;
        dst.put_slice(&item);
        Ok(())
    }
}

impl Decoder for Bytes {
    type Item = ();
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<()>, Status> {
        use bytes::Buf as _;
        src.advance(src.remaining());
        Ok(Some(()))
    }
}
