//! Export over OTLP/gRPC to a real receiver on loopback: what arrives is what
//! happened. (Its own test binary: it installs the global provider.)

mod support;

use std::time::Duration;
use traced_otlp_receiver::proto::tonic::trace::v1::{span::SpanKind, status::StatusCode};
use traced_otlp_receiver::{Receiver, Transport, Value};

#[test]
fn spans_arrive_over_grpc_with_links_status_events_and_resource() {
    let receiver = Receiver::start();
    let endpoint = receiver.grpc_endpoint();
    let tracing = support::export::install(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_HEADERS", "api-key=s3cret"),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
        ("OTEL_SERVICE_NAME", "orders"),
        (
            "OTEL_RESOURCE_ATTRIBUTES",
            "service.name=ignored,deployment.environment.name=test",
        ),
    ]);
    assert!(tracing.warnings().is_empty(), "{:?}", tracing.warnings());
    let _ = support::export::request(7);
    assert_eq!(tracing.shutdown(), None, "no span lost");

    let spans = receiver.wait_for_spans(2, Duration::from_secs(10));
    let request = spans
        .iter()
        .find(|s| s.name() == "request")
        .expect("request arrived");
    let lookup = spans
        .iter()
        .find(|s| s.name() == "lookup")
        .expect("lookup arrived");
    assert_eq!(request.transport, Transport::Grpc);
    assert_eq!(lookup.trace_id(), request.trace_id());
    assert_eq!(lookup.parent_span_id(), Some(request.span_id()));
    assert_eq!(request.parent_span_id(), None);
    assert_eq!(request.kind(), SpanKind::Server);
    assert_eq!(lookup.kind(), SpanKind::Internal);
    assert_eq!(request.attr("user_id"), Some(Value::Int(7)));
    assert_eq!(lookup.status_code(), StatusCode::Error);
    assert_eq!(lookup.status_message(), "user 7 not found");
    assert_eq!(lookup.event_names(), ["exception"]);
    assert_eq!(
        request.resource_attr("service.name"),
        Some(Value::from("orders")),
        "OTEL_SERVICE_NAME wins"
    );
    assert_eq!(
        request.resource_attr("service.version"),
        Some(Value::from(env!("CARGO_PKG_VERSION")))
    );
    assert_eq!(
        request.resource_attr("deployment.environment.name"),
        Some(Value::from("test"))
    );
    assert_eq!(request.scope_name, env!("CARGO_PKG_NAME"));
    let sent = &receiver.requests()[0];
    assert_eq!(sent.header("api-key"), Some("s3cret"));
    assert_eq!(sent.header("grpc-encoding"), Some("gzip"));
}
