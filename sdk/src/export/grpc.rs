//! OTLP over gRPC (see [`super::request`]): each encoded request is handed to
//! tonic as it is, on the runtime traced-sdk runs the connection on. The metadata
//! sent is exactly the headers traced read and checked; the statuses OTLP calls
//! retryable are retried.

use super::request::Transport;
use super::retry::Failed;
use std::time::Duration;
use tonic::codec::{Codec, CompressionEncoding, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::metadata::{Ascii, MetadataKey, MetadataMap, MetadataValue};
use tonic::transport::{Channel, Endpoint};
use tonic::{Code, Status};
use tonic_types::StatusExt as _;

const EXPORT: &str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

/// Sends to one OTLP/gRPC endpoint.
#[derive(Debug)]
pub(crate) struct GrpcTransport {
    channel: Channel,
    runtime: tokio::runtime::Handle,
    metadata: MetadataMap,
    gzip: bool,
    /// The export method: spans', or metrics'.
    path: &'static str,
}

impl GrpcTransport {
    /// The transport for `target`, connecting lazily on `runtime`. A header that
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
        Ok(GrpcTransport {
            channel,
            runtime: runtime.handle().clone(),
            metadata,
            gzip: target.gzip,
            path: EXPORT,
        })
    }

    /// This transport, exporting through the method `path`.
    pub(crate) fn with_path(mut self, path: &'static str) -> Self {
        self.path = path;
        self
    }
}

impl Transport for GrpcTransport {
    fn try_send(&self, body: &bytes::Bytes, left: Duration) -> Result<(), Failed> {
        let mut client = tonic::client::Grpc::new(self.channel.clone());
        if self.gzip {
            client = client.send_compressed(CompressionEncoding::Gzip);
        }
        let mut request = tonic::Request::new(body.clone());
        *request.metadata_mut() = self.metadata.clone();
        // tonic keeps to the shorter of this and the endpoint's timeout.
        request.set_timeout(left);
        let path = self.path;
        let sent = self.runtime.block_on(async move {
            client
                .ready()
                .await
                .map_err(|e| Status::unavailable(format!("not connected: {e}")))?;
            let path = http::uri::PathAndQuery::from_static(path);
            client.unary(request, path, Raw).await.map(drop)
        });
        sent.map_err(|status| Failed {
            why: format!(
                "the collector answered {:?}: {}",
                status.code(),
                status.message()
            ),
            retry_after: retry(&status),
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

/// Hands an encoded request to tonic as it is; the answer (an
/// `ExportTraceServiceResponse`) is not read.
#[derive(Debug, Clone, Copy)]
struct Raw;

impl Codec for Raw {
    type Encode = bytes::Bytes;
    type Decode = ();
    type Encoder = Raw;
    type Decoder = Raw;

    fn encoder(&mut self) -> Self::Encoder {
        Raw
    }

    fn decoder(&mut self) -> Self::Decoder {
        Raw
    }
}

impl Encoder for Raw {
    type Item = bytes::Bytes;
    type Error = Status;

    fn encode(&mut self, item: bytes::Bytes, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        use bytes::BufMut as _;
        dst.put_slice(&item);
        Ok(())
    }
}

impl Decoder for Raw {
    type Item = ();
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<()>, Status> {
        use bytes::Buf as _;
        src.advance(src.remaining());
        Ok(Some(()))
    }
}
