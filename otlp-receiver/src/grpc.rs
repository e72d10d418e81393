//! OTLP/gRPC: the generated `TraceService` server, served over HTTP/2 by hyper.

use std::sync::Arc;

use hyper::server::conn::http2;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use tokio::net::TcpListener;
use tonic::codec::CompressionEncoding;
use tonic::codegen::Service as _;

use crate::inbox::Inbox;
use crate::received::header_pairs;
use crate::{Received, Transport};

/// Accepts gRPC connections on `listener` until the runtime shuts down.
pub(crate) async fn serve(listener: TcpListener, inbox: Arc<Inbox>) {
    let service =
        TraceServiceServer::new(Collector { inbox }).accept_compressed(CompressionEncoding::Gzip);
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            // A failed accept concerns that one connection only.
            tokio::task::yield_now().await;
            continue;
        };
        let service = service.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| service.clone().call(request));
            // A connection error (the client went away) ends that connection only.
            let _ = http2::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

struct Collector {
    inbox: Arc<Inbox>,
}

#[tonic::async_trait]
impl TraceService for Collector {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let (metadata, _, request) = request.into_parts();
        self.inbox.record(Received {
            transport: Transport::Grpc,
            headers: header_pairs(&metadata.into_headers()),
            request,
        });
        Ok(tonic::Response::new(ExportTraceServiceResponse::default()))
    }
}
