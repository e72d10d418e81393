//! Spans started by hand, and the handle on the current span.

use futures_executor::block_on;
use opentelemetry::trace::{SpanKind, Status};
use opentelemetry::{KeyValue, Value};
use traced::{Instrument, traced};
use traced_sdk::testing::capture;

#[traced]
fn inner() {}

#[test]
fn an_entered_guard_is_current_and_ends_its_span_when_dropped() {
    let capture = capture();
    let guard = traced::span("manual")
        .kind(SpanKind::Client)
        .attr("n", 3_u8)
        .enter();
    inner();
    assert!(capture.spans().names() == ["inner"], "still open");
    drop(guard);
    let spans = capture.finish();
    let manual = spans.named("manual");
    assert_eq!(manual.kind(), &SpanKind::Client);
    assert_eq!(manual.attr("n"), Some(&Value::I64(3)));
    assert_eq!(
        manual.attr("code.file.path"),
        Some(&Value::String("tests/manual_spans.rs".into()))
    );
    assert!(spans.named("inner").is_child_of(manual));
    assert_eq!(manual.data().instrumentation_scope.name(), "traced");
}

#[test]
fn in_span_runs_a_closure_inside_a_span() {
    let capture = capture();
    let out = traced::in_span("closure", |span| {
        span.set_attribute("inside", true);
        inner();
        5
    });
    assert_eq!(out, 5);
    let spans = capture.finish();
    assert_eq!(
        spans.named("closure").attr("inside"),
        Some(&Value::Bool(true))
    );
    assert!(spans.named("inner").is_child_of(spans.named("closure")));
}

#[test]
fn a_started_span_moves_to_another_thread_and_ends_there() {
    let capture = capture();
    let span = traced::span("moved").start();
    std::thread::spawn(move || span.in_span(inner))
        .join()
        .unwrap();
    let spans = capture.finish();
    assert!(spans.named("inner").is_child_of(spans.named("moved")));
}

#[test]
fn parent_root_and_links_on_the_builder() {
    let capture = capture();
    let first = traced::span("first").start();
    let outer = traced::span("outer").enter();
    let child = traced::span("child").parent(&first).link(&first).start();
    let root = traced::span("root").root().start();
    let (first_id, child_parent) = (
        first.span_context().span_id(),
        child.span_context().trace_id(),
    );
    drop((child, root, outer, first));
    let spans = capture.finish();
    assert_eq!(spans.named("child").parent_span_id(), first_id);
    assert_eq!(spans.named("child").trace_id(), child_parent);
    assert_eq!(spans.named("child").data().links.len(), 1);
    assert_ne!(
        spans.named("root").trace_id(),
        spans.named("outer").trace_id()
    );
}

#[test]
fn instrument_traces_a_future_until_it_completes() {
    let capture = capture();
    let value = block_on(
        async {
            traced::current_span().set_attribute("polled", true);
            7
        }
        .in_span(traced::span("future")),
    );
    assert_eq!(value, 7);
    let spans = capture.finish();
    assert_eq!(
        spans.named("future").attr("polled"),
        Some(&Value::Bool(true))
    );
}

#[derive(Debug)]
struct Timeout;
impl std::fmt::Display for Timeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("timed out")
    }
}
impl std::error::Error for Timeout {}

#[traced]
fn uses_the_current_span() {
    let span = traced::current_span();
    assert!(span.is_recording());
    span.set_attribute("user.id", 42_u64);
    span.set_attribute("skipped", None::<u8>);
    span.add_event("cache miss", vec![KeyValue::new("key", "u42")]);
    span.record_error(&Timeout);
    span.update_name("renamed");
}

#[test]
fn the_current_span_handle_adds_attributes_events_and_errors() {
    let capture = capture();
    uses_the_current_span();
    let spans = capture.finish();
    let span = spans.named("renamed");
    assert_eq!(span.attr("user.id"), Some(&Value::I64(42)));
    assert_eq!(span.attr("skipped"), None);
    assert_eq!(span.event_names(), ["cache miss", "exception"]);
    assert_eq!(span.status(), &Status::error("timed out"));
    assert_eq!(
        span.attr("error.type"),
        Some(&Value::String("manual_spans::Timeout".into()))
    );
}

#[test]
fn the_current_span_handle_does_nothing_outside_a_span() {
    let capture = capture();
    let span = traced::current_span();
    assert!(!span.is_recording());
    span.set_attribute("x", 1);
    span.record_error(&Timeout);
    assert!(capture.finish().is_empty());
}

#[test]
fn a_name_made_at_start_replaces_the_builders() {
    let capture = capture();
    let route = "/users/{id}";
    let span = traced::span("GET").start_with_name_and_attributes(
        || format!("GET {route}").into(),
        |attributes| attributes.push(KeyValue::new("http.route", route)),
    );
    drop(span);
    let spans = capture.finish();
    assert_eq!(spans.names(), ["GET /users/{id}"]);
    assert_eq!(
        spans.named("GET /users/{id}").attr("http.route"),
        Some(&Value::String(route.into()))
    );
}
