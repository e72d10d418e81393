//! What the real `opentelemetry-otlp` exporter sends arrives, over both transports.
//!
//! Every test exports through a batch span processor, whose worker is a plain
//! thread: the blocking HTTP client must not be dropped inside an async
//! context, and the gRPC exporter only needs a Tokio runtime while it is built.

use std::collections::HashMap;
use std::time::Duration;

use opentelemetry::trace::{Span as _, SpanKind, Status, Tracer as _, TracerProvider as _};
use opentelemetry::KeyValue;
use opentelemetry_otlp::{
    Compression, SpanExporter, SpanExporterBuilder, TonicExporterBuilderSet, WithExportConfig as _,
    WithHttpConfig as _, WithTonicConfig as _,
};
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use opentelemetry_sdk::Resource;
use tonic::metadata::MetadataMap;
use traced_otlp_receiver::proto::tonic::trace::v1::span::SpanKind as ProtoSpanKind;
use traced_otlp_receiver::proto::tonic::trace::v1::status::StatusCode;
use traced_otlp_receiver::{ReceivedSpan, Receiver, Transport, Value};

const SERVICE: &str = "receiver-test";
const SCOPE: &str = "receiver-test-scope";
const WAIT: Duration = Duration::from_secs(10);

type GrpcExporterBuilder = SpanExporterBuilder<TonicExporterBuilderSet>;

#[test]
fn grpc_export_delivers_nested_spans_with_parent_link_and_service_name() {
    let receiver = Receiver::start();

    with_grpc_exporter(&receiver, |builder| builder, export_nested_spans);

    assert_nested_spans(&receiver.wait_for_spans(2, WAIT), Transport::Grpc);
}

#[test]
fn http_export_delivers_nested_spans_with_parent_link_and_service_name() {
    let receiver = Receiver::start();

    export(
        http_exporter(&receiver, HashMap::new()),
        export_nested_spans,
    );

    assert_nested_spans(&receiver.wait_for_spans(2, WAIT), Transport::Http);
}

#[test]
fn grpc_export_records_metadata_headers() {
    let receiver = Receiver::start();
    let mut metadata = MetadataMap::new();
    metadata.insert("x-tenant", "blue".parse().unwrap());

    with_grpc_exporter(
        &receiver,
        |builder| builder.with_metadata(metadata),
        export_nested_spans,
    );

    receiver.wait_for_spans(2, WAIT);
    let requests = receiver.requests();
    assert!(!requests.is_empty());
    assert!(requests
        .iter()
        .all(|r| r.header("x-tenant") == Some("blue")));
}

#[test]
fn http_export_records_request_headers() {
    let receiver = Receiver::start();
    let headers = HashMap::from([("x-tenant".to_owned(), "blue".to_owned())]);

    export(http_exporter(&receiver, headers), export_nested_spans);

    receiver.wait_for_spans(2, WAIT);
    let requests = receiver.requests();
    assert!(!requests.is_empty());
    assert!(requests
        .iter()
        .all(|r| r.header("x-tenant") == Some("blue")));
    assert!(requests
        .iter()
        .all(|r| r.header("content-type") == Some("application/x-protobuf")));
}

#[test]
fn grpc_export_with_gzip_compression_is_decoded() {
    let receiver = Receiver::start();

    with_grpc_exporter(
        &receiver,
        |builder| builder.with_compression(Compression::Gzip),
        export_nested_spans,
    );

    assert_nested_spans(&receiver.wait_for_spans(2, WAIT), Transport::Grpc);
    assert_eq!(receiver.requests()[0].header("grpc-encoding"), Some("gzip"));
}

#[test]
fn span_kind_attributes_events_and_status_arrive() {
    let receiver = Receiver::start();

    export(http_exporter(&receiver, HashMap::new()), |tracer| {
        let mut span = tracer
            .span_builder("GET /users")
            .with_kind(SpanKind::Server)
            .with_attributes([
                KeyValue::new("http.request.method", "GET"),
                KeyValue::new("http.response.status_code", 500_i64),
                KeyValue::new("retried", true),
            ])
            .start(tracer);
        span.add_event("retry", vec![]);
        span.add_event("gave up", vec![]);
        span.set_status(Status::error("upstream timed out"));
        span.end();
    });

    let spans = receiver.wait_for_spans(1, WAIT);
    let [span] = spans.as_slice() else {
        panic!("expected one span, got {spans:#?}")
    };
    assert_eq!(span.kind(), ProtoSpanKind::Server);
    assert_eq!(span.attr("http.request.method"), Some(Value::from("GET")));
    assert_eq!(
        span.attr("http.response.status_code"),
        Some(Value::Int(500))
    );
    assert_eq!(span.attr("retried"), Some(Value::Bool(true)));
    assert_eq!(span.attr("absent"), None);
    assert_eq!(span.event_names(), ["retry", "gave up"]);
    assert_eq!(span.status_code(), StatusCode::Error);
    assert_eq!(span.status_message(), "upstream timed out");
}

/// `outer` with `inner` nested in it.
fn export_nested_spans(tracer: &SdkTracer) {
    tracer.in_span("outer", |_| tracer.in_span("inner", |_| {}));
}

fn assert_nested_spans(spans: &[ReceivedSpan], transport: Transport) {
    assert_eq!(spans.len(), 2, "{spans:#?}");
    let named = |name: &str| {
        spans
            .iter()
            .find(|span| span.name() == name)
            .unwrap_or_else(|| panic!("no span named {name:?} in {spans:#?}"))
    };
    let (outer, inner) = (named("outer"), named("inner"));

    assert_eq!(outer.parent_span_id(), None);
    assert_eq!(inner.parent_span_id(), Some(outer.span_id()));
    assert_eq!(inner.trace_id(), outer.trace_id());
    assert_eq!(outer.trace_id().len(), 32);
    assert_eq!(outer.span_id().len(), 16);
    for span in [outer, inner] {
        assert_eq!(span.transport, transport);
        assert_eq!(
            span.resource_attr("service.name"),
            Some(Value::from(SERVICE))
        );
        assert_eq!(span.scope_name, SCOPE);
    }
}

/// Runs `spans` with a tracer whose provider exports through `exporter`, then
/// shuts the provider down, which flushes every span.
fn export(exporter: SpanExporter, spans: impl FnOnce(&SdkTracer)) {
    let provider = SdkTracerProvider::builder()
        .with_resource(Resource::builder().with_service_name(SERVICE).build())
        .with_batch_exporter(exporter)
        .build();
    spans(&provider.tracer(SCOPE));
    provider
        .shutdown()
        .expect("the provider shuts down cleanly");
}

fn http_exporter(receiver: &Receiver, headers: HashMap<String, String>) -> SpanExporter {
    SpanExporter::builder()
        .with_http()
        .with_endpoint(format!("{}/v1/traces", receiver.http_endpoint()))
        .with_headers(headers)
        .build()
        .expect("the HTTP exporter builds")
}

/// Like [`export`], through a gRPC exporter configured by `configure`.
fn with_grpc_exporter(
    receiver: &Receiver,
    configure: impl FnOnce(GrpcExporterBuilder) -> GrpcExporterBuilder,
    spans: impl FnOnce(&SdkTracer),
) {
    // The tonic channel spawns its worker on the runtime current at build time.
    let runtime = tokio::runtime::Runtime::new().expect("a Tokio runtime for the gRPC exporter");
    let exporter = {
        let _in_runtime = runtime.enter();
        configure(
            SpanExporter::builder()
                .with_tonic()
                .with_endpoint(receiver.grpc_endpoint()),
        )
        .build()
        .expect("the gRPC exporter builds")
    };
    export(exporter, spans);
}

fn many_spans(tracer: &SdkTracer) {
    for i in 0..1_500 {
        tracer.in_span(format!("span {i}"), |_| {});
    }
}

#[test]
fn a_counting_receiver_counts_what_grpc_export_sends_and_keeps_nothing() {
    let receiver = Receiver::start_counting();
    with_grpc_exporter(&receiver, |builder| builder, many_spans);
    assert_eq!(receiver.wait_for_count(1_500, WAIT, WAIT), 1_500);
    assert!(receiver.requests().is_empty());
}

#[test]
fn a_counting_receiver_counts_gzip_grpc_export() {
    let receiver = Receiver::start_counting();
    with_grpc_exporter(
        &receiver,
        |builder| builder.with_compression(Compression::Gzip),
        many_spans,
    );
    assert_eq!(receiver.wait_for_count(1_500, WAIT, WAIT), 1_500);
}

#[test]
fn a_counting_receiver_counts_what_http_export_sends() {
    let receiver = Receiver::start_counting();
    export(http_exporter(&receiver, HashMap::new()), many_spans);
    assert_eq!(receiver.wait_for_count(1_500, WAIT, WAIT), 1_500);
    assert!(receiver.requests().is_empty());
}

#[test]
fn an_unavailable_receiver_refuses_grpc_export_until_it_accepts() {
    use traced_otlp_receiver::{Answer, Options};
    let receiver = Receiver::start_with(&Options {
        answer: Answer::Unavailable { retry_after: None },
        ..Options::default()
    });
    let no_retry = |builder: GrpcExporterBuilder| {
        builder.with_retry_policy(opentelemetry_otlp::RetryPolicy::disabled())
    };
    with_grpc_exporter(&receiver, no_retry, export_nested_spans);
    assert_eq!(
        receiver.span_count(),
        0,
        "refused with UNAVAILABLE, kept nothing"
    );
    receiver.set_answer(Answer::Accept);
    with_grpc_exporter(&receiver, no_retry, export_nested_spans);
    assert_eq!(receiver.wait_for_count(2, WAIT, WAIT), 2);
}
