//! No export request is larger than its bound: a big batch goes as several
//! requests, and a span too big for one alone goes without its attributes, so one
//! oversized span cannot make a collector refuse a whole batch. (Its own test
//! binary: it installs the global provider.)

mod support;

use prost::Message as _;
use std::time::Duration;
use traced_otlp_receiver::Receiver;

const BOUND: usize = 256 * 1024;

#[traced::traced]
fn upload(blob: &str) -> usize {
    blob.len()
}

#[test]
fn no_export_request_is_larger_than_its_bound() {
    let receiver = Receiver::start();
    let tracing = traced_sdk::setup!()
        .environment(support::export::environment(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &receiver.http_endpoint()),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
            ("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "1000000"),
            ("OTEL_TRACES_SAMPLER", "always_on"),
            // One batch for all the spans below.
            ("OTEL_BSP_SCHEDULE_DELAY", "60000"),
        ]))
        .max_export_request_size(BOUND)
        .install();
    assert!(tracing.warnings().is_empty(), "{:?}", tracing.warnings());
    for _ in 0..10 {
        upload(&"x".repeat(100_000));
    }
    upload(&"y".repeat(600_000));
    assert_eq!(tracing.shutdown(), None, "every span exported");

    let spans = receiver.wait_for_spans(11, Duration::from_secs(10));
    assert_eq!(spans.len(), 11);
    let requests = receiver.requests();
    assert!(requests.len() >= 4, "{} requests", requests.len());
    for received in &requests {
        let size = received.request.encoded_len();
        assert!(size <= BOUND, "a request of {size} bytes");
    }
    let stripped: Vec<_> = spans
        .iter()
        .filter(|span| span.attr("blob").is_none())
        .collect();
    assert_eq!(
        stripped.len(),
        1,
        "the 600 KB span went without its attributes"
    );
    assert!(stripped[0].span.dropped_attributes_count >= 1);
}
