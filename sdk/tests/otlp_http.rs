//! Export over OTLP/HTTP (protobuf) to a real receiver on loopback, named after
//! the package when no service name is configured. (Its own test binary.)

mod support;

use std::time::Duration;
use traced_otlp_receiver::{Receiver, Transport, Value};

#[test]
fn spans_arrive_over_http_under_the_package_name() {
    let receiver = Receiver::start();
    let endpoint = receiver.http_endpoint();
    let tracing = support::export::install(&[
        // The generic variable: `/v1/traces` is appended for HTTP.
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
        ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "tenant=t%201"),
    ]);
    assert!(tracing.warnings().is_empty(), "{:?}", tracing.warnings());
    let _ = support::export::request(3);
    assert_eq!(tracing.shutdown(), None);

    let spans = receiver.wait_for_spans(2, Duration::from_secs(10));
    assert_eq!(spans.len(), 2);
    assert!(spans.iter().all(|s| s.transport == Transport::Http));
    let request = spans.iter().find(|s| s.name() == "request").unwrap();
    assert_eq!(
        request.resource_attr("service.name"),
        Some(Value::from(env!("CARGO_PKG_NAME")))
    );
    assert_eq!(
        request.resource_attr("service.version"),
        Some(Value::from(env!("CARGO_PKG_VERSION")))
    );
    assert_eq!(receiver.requests()[0].header("tenant"), Some("t 1"));
}
