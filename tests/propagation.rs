//! The trace and baggage cross process boundaries through every carrier, and an
//! extracted context is a parent for `#[traced(parent = ...)]`.

use opentelemetry::trace::TraceContextExt;
use opentelemetry::{Context, Value};
use std::collections::HashMap;
use traced::propagation::{Extract, Inject, extract, inject};
use traced::traced;
use traced_sdk::testing::capture;

#[traced(kind = server, skip(headers), parent = extract(headers), baggage(tenant.id))]
fn handle<C: Extract>(headers: &C) -> Option<String> {
    traced::baggage::get("tenant.id")
}

#[traced(kind = client)]
fn send<C: Inject + Default>() -> C {
    let mut headers = C::default();
    inject(&mut headers);
    headers
}

/// Sends through `C`, receives from it, and checks the server span is the client
/// span's child with the baggage.
fn round_trip<C: Inject + Extract + Default>() {
    let capture = capture();
    let headers: C = traced::baggage::within([("tenant.id", "acme")], send::<C>);
    let tenant = handle(&headers);
    let spans = capture.finish();
    let (client, server) = (spans.named("send"), spans.named("handle"));
    assert!(
        server.is_child_of(client),
        "{:?}",
        std::any::type_name::<C>()
    );
    assert!(server.data().parent_span_is_remote);
    assert_eq!(tenant.as_deref(), Some("acme"), "the baggage arrived");
    assert_eq!(
        server.attr("tenant.id"),
        Some(&Value::from("acme")),
        "baggage(...) copies it onto the span"
    );
}

#[test]
fn a_hash_map_carries_the_trace_and_baggage() {
    round_trip::<HashMap<String, String>>();
}

#[test]
fn http_headers_carry_the_trace_and_baggage() {
    round_trip::<http::HeaderMap>();
}

#[test]
fn grpc_metadata_carries_the_trace_and_baggage() {
    round_trip::<tonic::metadata::MetadataMap>();
}

#[test]
fn amqp_message_headers_carry_the_trace_and_baggage() {
    round_trip::<amq_protocol_types::FieldTable>();
}

#[test]
fn the_w3c_headers_are_written() {
    let _capture = capture();
    let headers: HashMap<String, String> = traced::baggage::within([("k", "v")], send);
    let traceparent = &headers["traceparent"];
    assert!(
        traceparent.starts_with("00-") && traceparent.ends_with("-03"),
        "sampled, and a random trace id: {traceparent}"
    );
    assert_eq!(headers["baggage"], "k=v");
}

#[test]
fn nothing_to_extract_gives_the_current_context() {
    let _capture = capture();
    let cx = extract(&HashMap::<String, String>::new());
    assert!(!cx.span().span_context().is_valid());
    assert!(!Context::current().has_active_span());
}
