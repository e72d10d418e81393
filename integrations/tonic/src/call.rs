//! A call in flight, on either side: its answer's future and body carry the span
//! until the status arrives (in a trailers-only answer's headers, or in the
//! trailers after the last message), and end it then.

use crate::conventions::{self, Method, Side};
use http::Response;
use http_body::{Body, Frame, SizeHint};
use opentelemetry::KeyValue;
use opentelemetry_semantic_conventions::attribute::{
    RPC_METHOD, RPC_SYSTEM_NAME, SERVER_ADDRESS, SERVER_PORT,
};
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use traced::metrics::{DurationHistogram, Measurement};
use traced::Span;

/// `rpc.server.call.duration`.
static SERVER_DURATION: DurationHistogram = DurationHistogram::new(
    "rpc.server.call.duration",
    "Duration of RPC calls served.",
    traced::metrics::DURATION_BUCKETS,
    ("traced-tonic", env!("CARGO_PKG_VERSION")),
);

/// `rpc.client.call.duration`.
static CLIENT_DURATION: DurationHistogram = DurationHistogram::new(
    "rpc.client.call.duration",
    "Duration of RPC calls made.",
    traced::metrics::DURATION_BUCKETS,
    ("traced-tonic", env!("CARGO_PKG_VERSION")),
);

/// The call's measurement: `rpc.system.name`, `rpc.method`, and on the client
/// `server.address` and `server.port` (opt-in on the server, left out there).
/// Called when the side's switch is on.
pub(crate) fn measure(
    method: &Method<'_>,
    side: Side,
    server: (Option<&str>, Option<u16>),
) -> Option<Measurement> {
    let histogram = match side {
        Side::Client => &CLIENT_DURATION,
        Side::Server => &SERVER_DURATION,
    };
    let mut measurement = Measurement::start(histogram, 6)?;
    measurement.add(KeyValue::new(RPC_SYSTEM_NAME, "grpc"));
    measurement.add(KeyValue::new(RPC_METHOD, method.name().to_owned()));
    if side == Side::Client {
        if let Some(host) = server.0 {
            measurement.add(KeyValue::new(SERVER_ADDRESS, host.to_owned()));
            if let Some(port) = server.1 {
                measurement.add(KeyValue::new(SERVER_PORT, i64::from(port)));
            }
        }
    }
    Some(measurement)
}

/// Starts the span of a call to `method` on `side`, under `parent` (the current
/// context when `None`), with the server's host and port as far as `server`
/// knows them. The name and attributes are made only for a span that records.
pub(crate) fn start<'a>(
    method: &Method<'_>,
    side: Side,
    parent: Option<opentelemetry::Context>,
    server: impl FnOnce() -> (Option<&'a str>, Option<u16>),
) -> Span {
    let kind = match side {
        Side::Client => opentelemetry::trace::SpanKind::Client,
        Side::Server => opentelemetry::trace::SpanKind::Server,
    };
    let builder = traced::span("")
        .kind(kind)
        .scope("traced-tonic", Some(env!("CARGO_PKG_VERSION")))
        .without_code_location();
    let builder = match parent {
        Some(parent) => builder.parent(parent),
        None => builder,
    };
    builder.start_with_name_and_attributes(
        || method.name().to_owned().into(),
        |attributes| {
            // Room for all a call's span records, its status included.
            attributes.reserve(10);
            method.push_attributes(attributes);
            let (host, port) = server();
            if let Some(host) = host {
                attributes.push(KeyValue::new(SERVER_ADDRESS, host.to_owned()));
            }
            if let Some(port) = port {
                attributes.push(KeyValue::new(SERVER_PORT, i64::from(port)));
            }
        },
    )
}

pin_project_lite::pin_project! {
    /// The answer of a traced call (server or client side).
    pub struct CallFuture<F> {
        #[pin]
        inner: F,
        span: Option<Span>,
        // Recorded with the status, or when dropped before it came.
        measurement: Option<Measurement>,
        side: Side,
    }
}

impl<F> CallFuture<F> {
    pub(crate) fn new(inner: F, span: Span, measurement: Option<Measurement>, side: Side) -> Self {
        CallFuture {
            inner,
            span: Some(span),
            measurement,
            side,
        }
    }
}

impl<F, B, E> Future for CallFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
    B: Body,
{
    type Output = Result<Response<CallBody<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = {
            let _entered = this.span.as_ref().map(Span::enter);
            ready!(this.inner.poll(cx))
        };
        // A span that records nothing has nothing to wait for.
        let mut span = this.span.take().filter(Span::is_recording);
        let mut measurement = this.measurement.take();
        let side = *this.side;
        Poll::Ready(match result {
            Ok(response) => {
                // A trailers-only answer: the status is in the headers.
                if let Some(code) = conventions::grpc_status(response.headers()) {
                    if let Some(span) = &span {
                        conventions::record_status(span, side, code);
                    }
                    conventions::measure_status(measurement.as_mut(), side, code);
                    if response.body().is_end_stream() {
                        span = None;
                        measurement = None;
                    }
                } else if !response.status().is_success() {
                    // Not a gRPC answer (a proxy's error page, say).
                    let error_type = http_status_type(response.status());
                    if let Some(span) = &span {
                        conventions::record_failure(span, error_type);
                    }
                    conventions::measure_failure(measurement.as_mut(), error_type);
                }
                Ok(response.map(|body| CallBody {
                    inner: body,
                    span,
                    measurement,
                    side,
                }))
            }
            Err(error) => {
                let error_type = std::any::type_name_of_val(&error);
                if let Some(span) = &span {
                    conventions::exception(span, side, error_type);
                    conventions::record_failure(span, error_type);
                }
                conventions::measure_failure(measurement.as_mut(), error_type);
                Err(error)
            }
        })
    }
}

/// `error.type` for an answer that is not gRPC's: its HTTP status.
fn http_status_type(status: http::StatusCode) -> &'static str {
    status.canonical_reason().unwrap_or("HTTP error")
}

pin_project_lite::pin_project! {
    /// The body of a traced call's answer: the span ends with its trailers (the
    /// call's status), its end, or its drop.
    pub struct CallBody<B> {
        #[pin]
        inner: B,
        span: Option<Span>,
        measurement: Option<Measurement>,
        side: Side,
    }
}

impl<B: std::fmt::Debug> std::fmt::Debug for CallBody<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallBody")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl<B: Body> Body for CallBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<B::Data>, B::Error>>> {
        let this = self.project();
        let frame = ready!(this.inner.poll_frame(cx));
        match &frame {
            Some(Ok(frame)) => {
                if let Some(trailers) = frame.trailers_ref() {
                    let code = conventions::grpc_status(trailers);
                    if let (Some(span), Some(code)) = (this.span.take(), code) {
                        conventions::record_status(&span, *this.side, code);
                    }
                    if let (Some(mut m), Some(code)) = (this.measurement.take(), code) {
                        conventions::measure_status(Some(&mut m), *this.side, code);
                    }
                }
            }
            Some(Err(error)) => {
                let error_type = std::any::type_name_of_val(error);
                if let Some(span) = this.span.take() {
                    conventions::exception(&span, *this.side, error_type);
                    conventions::record_failure(&span, error_type);
                }
                if let Some(mut m) = this.measurement.take() {
                    conventions::measure_failure(Some(&mut m), error_type);
                }
            }
            None => {
                drop(this.span.take());
                drop(this.measurement.take());
            }
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
