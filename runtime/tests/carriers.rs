//! Carriers hand over every value of a repeated header, and find a header
//! whatever the case of its name. (Its own test binary: it installs `traced`'s
//! propagators globally.)

use amq_protocol_types::{AMQPValue, FieldArray, FieldTable, LongString, ShortString};
use std::collections::HashMap;
use traced::otel::propagation::TextMapCompositePropagator;
use traced::otel::trace::TraceContextExt;
use traced::propagation::{extract, BaggagePropagator, Extract, TraceContextPropagator};

const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

fn install_propagators() {
    traced::otel::global::set_text_map_propagator(TextMapCompositePropagator::new(vec![
        Box::new(TraceContextPropagator::new()),
        Box::new(BaggagePropagator::new()),
    ]));
}

/// The `tracestate` forwarded for the context extracted from `carrier`, if any.
fn forwarded_tracestate(carrier: &impl Extract) -> Option<String> {
    install_propagators();
    let mut out = HashMap::new();
    traced::propagation::inject_context(&extract(carrier), &mut out);
    out.remove("tracestate")
}

fn amqp(entries: &[(&str, AMQPValue)]) -> FieldTable {
    let mut table = FieldTable::default();
    for (key, value) in entries {
        table.insert(ShortString::from(*key), value.clone());
    }
    table
}

fn long(value: &str) -> AMQPValue {
    AMQPValue::LongString(LongString::from(value))
}

#[test]
fn a_hash_map_finds_a_header_whatever_the_case_of_its_name() {
    let headers = HashMap::from([("TraceParent".to_owned(), TRACEPARENT.to_owned())]);
    assert_eq!(Extract::get(&headers, "traceparent"), Some(TRACEPARENT));
    assert_eq!(Extract::get(&headers, "TRACEPARENT"), Some(TRACEPARENT));
    install_propagators();
    assert!(extract(&headers).span().span_context().is_valid());
}

#[test]
fn a_hash_map_prefers_the_exact_name() {
    let headers = HashMap::from([
        ("Baggage".to_owned(), "a=1".to_owned()),
        ("baggage".to_owned(), "b=2".to_owned()),
    ]);
    assert_eq!(Extract::get(&headers, "baggage"), Some("b=2"));
}

#[test]
fn a_hash_map_hands_its_one_value_to_get_all() {
    let headers = HashMap::from([("tracestate".to_owned(), "a=1".to_owned())]);
    assert_eq!(Extract::get_all(&headers, "TraceState"), Some(vec!["a=1"]));
    assert_eq!(Extract::get_all(&headers, "baggage"), None);
}

#[test]
fn a_carrier_with_only_get_hands_its_value_to_get_all() {
    struct One;
    impl Extract for One {
        fn get(&self, key: &str) -> Option<&str> {
            (key == "tracestate").then_some("a=1")
        }
        fn keys(&self) -> Vec<&str> {
            vec!["tracestate"]
        }
    }
    assert_eq!(One.get_all("tracestate"), Some(vec!["a=1"]));
    assert_eq!(One.get_all("baggage"), None);
}

#[test]
fn http_headers_hand_over_every_value_of_a_repeated_header() {
    let mut headers = http::HeaderMap::new();
    headers.append("tracestate", "a=1".parse().unwrap());
    headers.append("TraceState", "b=2".parse().unwrap());
    assert_eq!(
        Extract::get_all(&headers, "tracestate"),
        Some(vec!["a=1", "b=2"])
    );
    assert_eq!(Extract::get_all(&headers, "baggage"), None);
}

#[test]
fn http_headers_combine_repeated_tracestate_lines() {
    let mut headers = http::HeaderMap::new();
    headers.append("traceparent", TRACEPARENT.parse().unwrap());
    headers.append("tracestate", "a=1".parse().unwrap());
    headers.append("tracestate", "b=2".parse().unwrap());
    assert_eq!(forwarded_tracestate(&headers).as_deref(), Some("a=1,b=2"));
}

#[test]
fn http_headers_with_a_repeated_traceparent_give_no_parent() {
    let mut headers = http::HeaderMap::new();
    headers.append("traceparent", TRACEPARENT.parse().unwrap());
    headers.append("traceparent", TRACEPARENT.parse().unwrap());
    install_propagators();
    assert!(!extract(&headers).span().span_context().is_valid());
}

#[test]
fn an_http_value_that_is_not_utf8_reads_as_the_replacement_character() {
    let mut headers = http::HeaderMap::new();
    headers.append("tracestate", "a=1".parse().unwrap());
    headers.append(
        "tracestate",
        http::HeaderValue::from_bytes(b"b=\xff").unwrap(),
    );
    assert_eq!(
        Extract::get_all(&headers, "tracestate"),
        Some(vec!["a=1", "\u{fffd}"])
    );
}

#[test]
fn grpc_metadata_hands_over_every_value_of_a_repeated_header() {
    let mut metadata = tonic::metadata::MetadataMap::new();
    metadata.append("tracestate", "a=1".parse().unwrap());
    metadata.append("tracestate", "b=2".parse().unwrap());
    assert_eq!(
        Extract::get_all(&metadata, "TraceState"),
        Some(vec!["a=1", "b=2"])
    );
    assert_eq!(Extract::get_all(&metadata, "baggage"), None);
}

#[test]
fn amqp_headers_find_a_header_whatever_the_case_of_its_name() {
    let headers = amqp(&[("TraceParent", long(TRACEPARENT))]);
    assert_eq!(Extract::get(&headers, "traceparent"), Some(TRACEPARENT));
    assert_eq!(
        Extract::get_all(&headers, "traceparent"),
        Some(vec![TRACEPARENT])
    );
}

#[test]
fn an_amqp_array_of_strings_is_a_repeated_header() {
    let lines = FieldArray::from(vec![
        long("a=1"),
        AMQPValue::ShortString(ShortString::from("b=2")),
        AMQPValue::Boolean(true),
    ]);
    let headers = amqp(&[
        ("traceparent", long(TRACEPARENT)),
        ("tracestate", AMQPValue::FieldArray(lines)),
    ]);
    assert_eq!(
        Extract::get_all(&headers, "tracestate"),
        Some(vec!["a=1", "b=2"])
    );
    assert_eq!(Extract::get(&headers, "tracestate"), Some("a=1"));
    assert_eq!(forwarded_tracestate(&headers).as_deref(), Some("a=1,b=2"));
}

#[test]
fn an_amqp_value_that_is_not_utf8_reads_as_the_replacement_character() {
    let headers = amqp(&[(
        "tracestate",
        AMQPValue::LongString(LongString::from(b"a=\xff".to_vec())),
    )]);
    assert_eq!(Extract::get(&headers, "tracestate"), Some("\u{fffd}"));
}
