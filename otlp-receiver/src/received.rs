use std::fmt::Write as _;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use opentelemetry_proto::tonic::trace::v1::status::StatusCode;
use opentelemetry_proto::tonic::trace::v1::Span;

use crate::Value;

/// How an export request reached the [`Receiver`](crate::Receiver).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    /// OTLP/gRPC: `TraceService/Export` on [`Receiver::grpc_endpoint`](crate::Receiver::grpc_endpoint).
    Grpc,
    /// OTLP/HTTP with binary protobuf: `POST /v1/traces` on
    /// [`Receiver::http_endpoint`](crate::Receiver::http_endpoint).
    Http,
}

/// One export request, as it arrived.
///
/// ```
/// use traced_otlp_receiver::{Received, Transport};
/// use traced_otlp_receiver::proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
///
/// let received = Received {
///     transport: Transport::Http,
///     headers: vec![("x-tenant".to_owned(), "blue".to_owned())],
///     request: ExportTraceServiceRequest::default(),
/// };
/// assert_eq!(received.header("X-Tenant"), Some("blue"));
/// assert!(received.spans().is_empty());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    /// The transport the request came over.
    pub transport: Transport,
    /// The HTTP headers (for gRPC: the request metadata), names in lower case,
    /// in arrival order. Values that are not valid UTF-8 are converted lossily.
    pub headers: Vec<(String, String)>,
    /// The decoded request.
    pub request: ExportTraceServiceRequest,
}

impl Received {
    /// The value of the first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// How many spans this request holds.
    pub fn spans_len(&self) -> usize {
        self.request
            .resource_spans
            .iter()
            .flat_map(|resource_spans| &resource_spans.scope_spans)
            .map(|scope_spans| scope_spans.spans.len())
            .sum()
    }

    /// The spans of this request, each with its resource and scope.
    pub fn spans(&self) -> Vec<ReceivedSpan> {
        let mut spans = Vec::new();
        for resource_spans in &self.request.resource_spans {
            let resource = resource_spans
                .resource
                .as_ref()
                .map(|resource| resource.attributes.clone())
                .unwrap_or_default();
            for scope_spans in &resource_spans.scope_spans {
                let (scope_name, scope_version) = scope_spans
                    .scope
                    .as_ref()
                    .map(|scope| (scope.name.clone(), scope.version.clone()))
                    .unwrap_or_default();
                spans.extend(scope_spans.spans.iter().map(|span| ReceivedSpan {
                    transport: self.transport,
                    resource: resource.clone(),
                    scope_name: scope_name.clone(),
                    scope_version: scope_version.clone(),
                    span: span.clone(),
                }));
            }
        }
        spans
    }
}

/// One span of an export request, with the resource and instrumentation
/// scope it was sent under.
///
/// ```
/// use traced_otlp_receiver::{Received, Transport, Value};
/// use traced_otlp_receiver::proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
/// use traced_otlp_receiver::proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
/// use traced_otlp_receiver::proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
///
/// let span = Span {
///     name: "GET /users".to_owned(),
///     trace_id: vec![0xab; 16],
///     span_id: vec![1, 2, 3, 4, 5, 6, 7, 8],
///     attributes: vec![KeyValue {
///         key: "http.response.status_code".to_owned(),
///         value: Some(AnyValue { value: Some(any_value::Value::IntValue(200)) }),
///         ..Default::default()
///     }],
///     ..Default::default()
/// };
/// let request = ExportTraceServiceRequest {
///     resource_spans: vec![ResourceSpans {
///         scope_spans: vec![ScopeSpans { spans: vec![span], ..Default::default() }],
///         ..Default::default()
///     }],
/// };
/// let received = Received { transport: Transport::Grpc, headers: vec![], request };
///
/// let span = &received.spans()[0];
/// assert_eq!(span.name(), "GET /users");
/// assert_eq!(span.attr("http.response.status_code"), Some(Value::Int(200)));
/// assert_eq!(span.span_id(), "0102030405060708");
/// assert_eq!(span.parent_span_id(), None);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedSpan {
    /// The transport the span came over.
    pub transport: Transport,
    /// The attributes of the resource the span was sent under.
    pub resource: Vec<KeyValue>,
    /// The instrumentation scope's name (the tracer's name).
    pub scope_name: String,
    /// The instrumentation scope's version, empty if none.
    pub scope_version: String,
    /// The span as sent.
    pub span: Span,
}

impl ReceivedSpan {
    /// The span's name.
    pub fn name(&self) -> &str {
        &self.span.name
    }

    /// The span attribute `key`, if the span has it.
    pub fn attr(&self, key: &str) -> Option<Value> {
        find(&self.span.attributes, key)
    }

    /// The resource attribute `key` (for example `service.name`), if the
    /// resource has it.
    pub fn resource_attr(&self, key: &str) -> Option<Value> {
        find(&self.resource, key)
    }

    /// The trace id as 32 lower-case hex digits.
    pub fn trace_id(&self) -> String {
        hex(&self.span.trace_id)
    }

    /// The span id as 16 lower-case hex digits.
    pub fn span_id(&self) -> String {
        hex(&self.span.span_id)
    }

    /// The parent's span id as 16 lower-case hex digits; `None` for a root span.
    pub fn parent_span_id(&self) -> Option<String> {
        let parent = &self.span.parent_span_id;
        (!parent.is_empty() && parent.iter().any(|&byte| byte != 0)).then(|| hex(parent))
    }

    /// The span kind; [`SpanKind::Unspecified`] if the value is unknown.
    pub fn kind(&self) -> SpanKind {
        SpanKind::try_from(self.span.kind).unwrap_or(SpanKind::Unspecified)
    }

    /// The status code; [`StatusCode::Unset`] if there is no status or the
    /// value is unknown.
    pub fn status_code(&self) -> StatusCode {
        self.span
            .status
            .as_ref()
            .and_then(|status| StatusCode::try_from(status.code).ok())
            .unwrap_or(StatusCode::Unset)
    }

    /// The status message, empty if there is none.
    pub fn status_message(&self) -> &str {
        self.span
            .status
            .as_ref()
            .map_or("", |status| status.message.as_str())
    }

    /// The span's links, as (trace id, span id) in lower-case hex, in order.
    pub fn links(&self) -> Vec<(String, String)> {
        self.span
            .links
            .iter()
            .map(|link| (hex(&link.trace_id), hex(&link.span_id)))
            .collect()
    }

    /// The names of the span's events, in order.
    pub fn event_names(&self) -> Vec<String> {
        self.span
            .events
            .iter()
            .map(|event| event.name.clone())
            .collect()
    }
}

pub(crate) fn find(attributes: &[KeyValue], key: &str) -> Option<Value> {
    attributes
        .iter()
        .find(|kv| kv.key == key)
        .map(|kv| kv.value.as_ref().map_or(Value::Other, Value::from))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        // Writing to a String cannot fail.
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// Header name/value pairs of an HTTP request or gRPC metadata.
pub(crate) fn header_pairs(headers: &hyper::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect()
}
