//! OTLP/gRPC: the generated `TraceService`, `MetricsService` and `LogsService`
//! servers, served over HTTP/2 by hyper.

use std::sync::Arc;

use hyper::server::conn::http2;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use opentelemetry_proto::tonic::collector::logs::v1::logs_service_server::{
    LogsService, LogsServiceServer,
};
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_server::{
    MetricsService, MetricsServiceServer,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use tokio::net::TcpListener;
use tonic::codec::CompressionEncoding;
use tonic::codegen::Service as _;

use crate::answer;
use crate::count::spans_in;
use crate::http::{gunzip, MAX_BODY};
use crate::inbox::Inbox;
use crate::received::header_pairs;
use crate::{Received, Transport};
use hyper::body::{Bytes, Frame, Incoming};
use hyper::header::{HeaderMap, HeaderValue};
use hyper::{Request, Response};

/// Accepts gRPC connections on `listener` until the runtime shuts down.
pub(crate) async fn serve(listener: TcpListener, inbox: Arc<Inbox>) {
    let metrics = MetricsServiceServer::new(Collector {
        inbox: Arc::clone(&inbox),
    })
    .accept_compressed(CompressionEncoding::Gzip);
    let logs = LogsServiceServer::new(Collector {
        inbox: Arc::clone(&inbox),
    })
    .accept_compressed(CompressionEncoding::Gzip);
    let service =
        TraceServiceServer::new(Collector { inbox }).accept_compressed(CompressionEncoding::Gzip);
    crate::each_connection(listener, move |stream| {
        let (service, metrics, logs) = (service.clone(), metrics.clone(), logs.clone());
        async move {
            let service = service_fn(move |request: Request<Incoming>| {
                let (mut service, mut metrics, mut logs) =
                    (service.clone(), metrics.clone(), logs.clone());
                async move {
                    let path = request.uri().path();
                    if path.starts_with(METRICS_SERVICE) {
                        metrics.call(request).await
                    } else if path.starts_with(LOGS_SERVICE) {
                        logs.call(request).await
                    } else {
                        service.call(request).await
                    }
                }
            });
            let _ = http2::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(stream), service)
                .await;
        }
    })
    .await;
}

struct Collector {
    inbox: Arc<Inbox>,
}

/// The path prefix of the metrics service's methods.
const METRICS_SERVICE: &str = "/opentelemetry.proto.collector.metrics.v1.MetricsService/";

#[tonic::async_trait]
impl MetricsService for Collector {
    async fn export(
        &self,
        request: tonic::Request<ExportMetricsServiceRequest>,
    ) -> Result<tonic::Response<ExportMetricsServiceResponse>, tonic::Status> {
        if answer::wait(&self.inbox.answering).await.is_err() {
            return Err(tonic::Status::unavailable("the collector is unavailable"));
        }
        self.inbox.record_metrics(request.into_inner());
        Ok(tonic::Response::new(ExportMetricsServiceResponse::default()))
    }
}

/// The path prefix of the logs service's methods.
const LOGS_SERVICE: &str = "/opentelemetry.proto.collector.logs.v1.LogsService/";

#[tonic::async_trait]
impl LogsService for Collector {
    async fn export(
        &self,
        request: tonic::Request<ExportLogsServiceRequest>,
    ) -> Result<tonic::Response<ExportLogsServiceResponse>, tonic::Status> {
        if answer::wait(&self.inbox.answering).await.is_err() {
            return Err(tonic::Status::unavailable("the collector is unavailable"));
        }
        self.inbox.record_logs(request.into_inner());
        Ok(tonic::Response::new(ExportLogsServiceResponse::default()))
    }
}

#[tonic::async_trait]
impl TraceService for Collector {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        if answer::wait(&self.inbox.answering).await.is_err() {
            return Err(tonic::Status::unavailable("the collector is unavailable"));
        }
        let (metadata, _, request) = request.into_parts();
        self.inbox.record(Received {
            transport: Transport::Grpc,
            headers: header_pairs(&metadata.into_headers()),
            request,
        });
        Ok(tonic::Response::new(ExportTraceServiceResponse::default()))
    }
}

/// Accepts gRPC connections on `listener` and counts the spans of each export
/// request without decoding it, answering at once.
pub(crate) async fn serve_counting(listener: TcpListener, inbox: Arc<Inbox>) {
    crate::each_connection(listener, move |stream| {
        let inbox = Arc::clone(&inbox);
        async move {
            let service = service_fn(move |request| {
                let inbox = Arc::clone(&inbox);
                async move { Ok::<_, std::convert::Infallible>(count(request, &inbox).await) }
            });
            let _ = http2::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(stream), service)
                .await;
        }
    })
    .await;
}

/// Counts the spans of the gRPC messages in `request`: the answer is an empty
/// `ExportTraceServiceResponse` and status 0, or the status that refuses it.
async fn count(request: Request<Incoming>, inbox: &Inbox) -> Response<Answer> {
    use http_body_util::{BodyExt as _, Limited};
    let gzip = request
        .headers()
        .get("grpc-encoding")
        .is_some_and(|encoding| encoding == "gzip");
    let refused = answer::wait(&inbox.answering).await.is_err();
    let status = if refused {
        Some(("14", "the collector is unavailable".to_owned()))
    } else {
        match Limited::new(request.into_body(), MAX_BODY).collect().await {
            Ok(body) => match messages_spans(&body.to_bytes(), gzip) {
                Ok(spans) => {
                    inbox.count(spans);
                    None
                }
                Err(reason) => Some(("3", reason)),
            },
            Err(error) => Some(("8", format!("reading the request: {error}"))),
        }
    };
    let mut trailers = HeaderMap::new();
    let code = status.as_ref().map_or("0", |(code, _)| code);
    trailers.insert("grpc-status", HeaderValue::from_static(code));
    if let Some((_, reason)) = status {
        if let Ok(message) = HeaderValue::try_from(reason) {
            trailers.insert("grpc-message", message);
        }
    }
    let mut response = Response::new(Answer {
        // An empty message: not compressed, length 0.
        message: Some(Bytes::from_static(&[0, 0, 0, 0, 0])),
        trailers: Some(trailers),
    });
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        HeaderValue::from_static("application/grpc"),
    );
    response
}

/// The spans in the length-prefixed gRPC messages of `body`.
fn messages_spans(body: &[u8], gzip: bool) -> Result<u64, String> {
    let mut total = 0;
    let mut rest = body;
    while !rest.is_empty() {
        let (head, after) = rest.split_at_checked(5).ok_or("truncated message header")?;
        let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
        let (message, after) = after.split_at_checked(len).ok_or("truncated message")?;
        total += match (head[0], gzip) {
            (0, _) => spans_in(message)?,
            (1, true) => spans_in(&gunzip(message).map_err(|(_, reason)| reason)?)?,
            (flag, _) => return Err(format!("message flag {flag} without a known encoding")),
        };
        rest = after;
    }
    Ok(total)
}

/// A gRPC answer's body: one message, then the trailers.
pub(crate) struct Answer {
    message: Option<Bytes>,
    trailers: Option<HeaderMap>,
}

impl hyper::body::Body for Answer {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let frame = match self.message.take() {
            Some(message) => Some(Frame::data(message)),
            None => self.trailers.take().map(Frame::trailers),
        };
        std::task::Poll::Ready(frame.map(Ok))
    }
}
