//! OTLP/HTTP with binary protobuf: `POST /v1/traces`, `/v1/metrics` and
//! `/v1/logs`, served over HTTP/1.1 by hyper.

use std::convert::Infallible;
use std::io::Read as _;
use std::sync::Arc;

use flate2::read::GzDecoder;
use http_body_util::{BodyExt as _, Full, LengthLimitError, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONTENT_ENCODING, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message as _;
use tokio::net::TcpListener;

use crate::answer::{self, Answer};
use crate::count::spans_in;
use crate::inbox::Inbox;
use crate::received::header_pairs;
use crate::{Received, Transport};

const TRACES_PATH: &str = "/v1/traces";
const METRICS_PATH: &str = "/v1/metrics";
const LOGS_PATH: &str = "/v1/logs";
const PROTOBUF: &str = "application/x-protobuf";
/// The most a request body may hold, before and after decompression; the
/// OTLP exporters' own default limit is 64 MiB as well.
pub(crate) const MAX_BODY: usize = 64 * 1024 * 1024;

/// Accepts HTTP connections on `listener` until the runtime shuts down.
pub(crate) async fn serve(listener: TcpListener, inbox: Arc<Inbox>) {
    crate::each_connection(listener, move |stream| {
        let inbox = Arc::clone(&inbox);
        async move {
            let service = service_fn(move |request| {
                let inbox = Arc::clone(&inbox);
                async move { Ok::<_, Infallible>(answer(request, &inbox).await) }
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        }
    })
    .await;
}

async fn answer(request: Request<Incoming>, inbox: &Inbox) -> Response<Full<Bytes>> {
    if let Err(refused) = answer::wait(&inbox.answering).await {
        return unavailable(refused);
    }
    match receive(request, inbox).await {
        Ok(()) => {
            // Both responses are empty messages: the same bytes.
            let body = ExportTraceServiceResponse::default().encode_to_vec();
            response(StatusCode::OK, PROTOBUF, body)
        }
        Err((status, reason)) => response(status, "text/plain; charset=utf-8", reason),
    }
}

/// Takes the export request in `request` into `inbox`, or gives the status and
/// reason to refuse it with.
async fn receive(request: Request<Incoming>, inbox: &Inbox) -> Result<(), (StatusCode, String)> {
    let path = request.uri().path().to_owned();
    if path != TRACES_PATH && path != METRICS_PATH && path != LOGS_PATH {
        return Err((
            StatusCode::NOT_FOUND,
            format!("only {TRACES_PATH}, {METRICS_PATH} and {LOGS_PATH} are served"),
        ));
    }
    if request.method() != Method::POST {
        return Err((StatusCode::METHOD_NOT_ALLOWED, format!("{path} takes POST")));
    }
    let content_type = header(&request, CONTENT_TYPE);
    let media_type = content_type.split(';').next().unwrap_or("").trim();
    if !media_type.eq_ignore_ascii_case(PROTOBUF) {
        return Err((
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("content-type must be {PROTOBUF}, not {content_type:?}"),
        ));
    }
    let gzip = match header(&request, CONTENT_ENCODING).trim() {
        "" | "identity" => false,
        encoding if encoding.eq_ignore_ascii_case("gzip") => true,
        encoding => {
            return Err((
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!("content-encoding {encoding:?} is not supported, only gzip"),
            ))
        }
    };

    let headers = header_pairs(request.headers());
    let body = Limited::new(request.into_body(), MAX_BODY)
        .collect()
        .await
        .map_err(|error| {
            if error.is::<LengthLimitError>() {
                (
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("the body is over {MAX_BODY} bytes"),
                )
            } else {
                (
                    StatusCode::BAD_REQUEST,
                    format!("reading the body: {error}"),
                )
            }
        })?
        .to_bytes();
    let body = if gzip { gunzip(&body)? } else { body.to_vec() };
    if path == METRICS_PATH {
        let request = ExportMetricsServiceRequest::decode(body.as_slice()).map_err(|error| {
            (
                StatusCode::BAD_REQUEST,
                format!("not an ExportMetricsServiceRequest: {error}"),
            )
        })?;
        inbox.record_metrics(request);
        return Ok(());
    }
    if path == LOGS_PATH {
        let request = ExportLogsServiceRequest::decode(body.as_slice()).map_err(|error| {
            (
                StatusCode::BAD_REQUEST,
                format!("not an ExportLogsServiceRequest: {error}"),
            )
        })?;
        inbox.record_logs(request);
        return Ok(());
    }
    let not_a_request = |error: String| {
        (
            StatusCode::BAD_REQUEST,
            format!("not an ExportTraceServiceRequest: {error}"),
        )
    };
    if inbox.is_counting() {
        inbox.count(spans_in(&body).map_err(not_a_request)?);
        return Ok(());
    }
    let request = ExportTraceServiceRequest::decode(body.as_slice())
        .map_err(|error| not_a_request(error.to_string()))?;
    inbox.record(Received {
        transport: Transport::Http,
        headers,
        request,
    });
    Ok(())
}

pub(crate) fn gunzip(body: &[u8]) -> Result<Vec<u8>, (StatusCode, String)> {
    let mut out = Vec::new();
    // One byte past the limit tells "at the limit" from "over it".
    GzDecoder::new(body)
        .take(MAX_BODY as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|error| (StatusCode::BAD_REQUEST, format!("bad gzip body: {error}")))?;
    if out.len() > MAX_BODY {
        return Err((
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the decompressed body is over {MAX_BODY} bytes"),
        ));
    }
    Ok(out)
}

/// The header's value; empty if absent or not text.
fn header(request: &Request<Incoming>, name: hyper::header::HeaderName) -> &str {
    request
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
}

/// `503 Service Unavailable`, with `Retry-After` when the answer gives a delay.
fn unavailable(refused: Answer) -> Response<Full<Bytes>> {
    let mut response = response(
        StatusCode::SERVICE_UNAVAILABLE,
        "text/plain; charset=utf-8",
        "the collector is unavailable",
    );
    if let Answer::Unavailable {
        retry_after: Some(delay),
    } = refused
    {
        let seconds = delay.as_secs_f64().ceil().to_string();
        if let Ok(value) = hyper::header::HeaderValue::try_from(seconds) {
            response
                .headers_mut()
                .insert(hyper::header::RETRY_AFTER, value);
        }
    }
    response
}

fn response(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        hyper::header::HeaderValue::from_static(content_type),
    );
    response
}
