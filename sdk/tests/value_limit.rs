//! `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT` is applied as values are recorded, so a huge
//! argument costs what the limit allows, not its own size; without a guard, traced's
//! own bound is back. (Its own test binary: it installs the global provider.)

mod support;

use std::time::Duration;
use traced_otlp_receiver::{Receiver, Value};

#[traced::traced]
fn store(document: &str) -> usize {
    document.len()
}

#[test]
fn the_value_length_limit_is_applied_when_values_are_recorded() {
    let receiver = Receiver::start();
    let tracing = support::export::install(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &receiver.http_endpoint()),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
        ("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "16"),
        ("OTEL_TRACES_SAMPLER", "always_on"),
    ]);
    assert_eq!(traced::backend::value_length_limit(), 16);
    let document = "é".repeat(1_000_000);
    assert_eq!(store(&document), 2_000_000);
    drop(tracing);
    assert_eq!(
        traced::backend::value_length_limit(),
        traced::backend::DEFAULT_VALUE_LENGTH_LIMIT,
        "traced's own bound once no guard is left"
    );
    let spans = receiver.wait_for_spans(1, Duration::from_secs(10));
    assert_eq!(
        spans[0].attr("document"),
        Some(Value::String("é".repeat(16)))
    );
}
