//! Where spans start, what they link to, and what is current while they run.

use opentelemetry::Context;
use opentelemetry::trace::{
    SpanContext, SpanId, SpanKind, TraceContextExt, TraceFlags, TraceId, TraceState, Tracer,
};
use traced::traced;
use traced_sdk::testing::capture;

#[traced]
fn child() -> SpanContext {
    traced::current_span().span_context()
}

#[traced]
fn parent_fn() -> SpanContext {
    child()
}

#[test]
fn nested_calls_are_children_and_the_span_is_current_during_the_body() {
    let capture = capture();
    let seen = parent_fn();
    let spans = capture.finish();
    let (child, parent) = (spans.named("child"), spans.named("parent_fn"));
    assert!(child.is_child_of(parent));
    assert_eq!(parent.parent_span_id(), SpanId::INVALID);
    assert_eq!(seen.span_id(), child.span_id());
    assert!(
        !Context::current().has_active_span(),
        "the context is restored after the call"
    );
}

#[traced]
fn with_raw_api() {
    let tracer = opentelemetry::global::tracer("raw");
    tracer.in_span("raw child", |_| {});
}

#[test]
fn spans_started_through_the_opentelemetry_api_see_the_call_as_parent() {
    let capture = capture();
    with_raw_api();
    let spans = capture.finish();
    assert!(
        spans
            .named("raw child")
            .is_child_of(spans.named("with_raw_api"))
    );
}

#[traced(name = "GET /users/{id}", kind = server)]
fn named_server() {}

#[traced(kind = client)]
fn client() {}

#[traced(kind = producer)]
fn producer() {}

#[traced(kind = consumer)]
fn consumer() {}

#[traced(kind = internal)]
fn internal() {}

#[test]
fn name_and_kind_options_set_the_span_name_and_kind() {
    let capture = capture();
    named_server();
    client();
    producer();
    consumer();
    internal();
    let spans = capture.finish();
    assert_eq!(spans.named("GET /users/{id}").kind(), &SpanKind::Server);
    assert_eq!(spans.named("client").kind(), &SpanKind::Client);
    assert_eq!(spans.named("producer").kind(), &SpanKind::Producer);
    assert_eq!(spans.named("consumer").kind(), &SpanKind::Consumer);
    assert_eq!(spans.named("internal").kind(), &SpanKind::Internal);
}

fn remote() -> SpanContext {
    SpanContext::new(
        TraceId::from(0x1234_u128),
        SpanId::from(0x99_u64),
        TraceFlags::SAMPLED,
        true,
        TraceState::default(),
    )
}

#[traced(kind = server, parent = incoming)]
fn from_span_context(incoming: SpanContext) {
    let _ = incoming;
}

#[traced(skip(incoming), parent = incoming)]
fn from_borrowed_span_context(incoming: &SpanContext) {
    let _ = incoming;
}

#[traced(skip(cx), parent = cx)]
fn from_context(cx: &Context) {
    let _ = cx;
}

#[traced(skip(cx), parent = cx)]
#[allow(clippy::needless_pass_by_value)]
fn from_owned_context(cx: Context) {
    let _ = cx;
}

#[test]
fn parent_accepts_span_contexts_and_contexts_owned_or_borrowed() {
    let capture = capture();
    from_span_context(remote());
    from_borrowed_span_context(&remote());
    let cx = Context::new().with_remote_span_context(remote());
    from_context(&cx);
    from_owned_context(cx);
    let spans = capture.finish();
    for name in [
        "from_span_context",
        "from_borrowed_span_context",
        "from_context",
        "from_owned_context",
    ] {
        let span = spans.named(name);
        assert_eq!(span.trace_id(), TraceId::from(0x1234_u128), "{name}");
        assert_eq!(span.parent_span_id(), SpanId::from(0x99_u64), "{name}");
        assert!(span.data().parent_span_is_remote, "{name}");
    }
}

#[traced(root)]
fn new_trace() {}

#[traced]
fn calls_root() {
    new_trace();
}

#[test]
fn root_starts_a_new_trace_whatever_is_current() {
    let capture = capture();
    calls_root();
    let spans = capture.finish();
    let (root, outer) = (spans.named("new_trace"), spans.named("calls_root"));
    assert_eq!(root.parent_span_id(), SpanId::INVALID);
    assert_ne!(root.trace_id(), outer.trace_id());
}

#[traced(skip_all, links(first, &second))]
fn linked(first: SpanContext, second: SpanContext) {
    let _ = (first, second);
}

#[test]
fn links_point_at_the_given_span_contexts() {
    let capture = capture();
    let other = SpanContext::new(
        TraceId::from(5_u128),
        SpanId::from(6_u64),
        TraceFlags::SAMPLED,
        false,
        TraceState::default(),
    );
    linked(remote(), other.clone());
    let spans = capture.finish();
    let links: Vec<_> = spans
        .named("linked")
        .data()
        .links
        .iter()
        .map(|l| l.span_context.clone())
        .collect();
    assert_eq!(links, [remote(), other]);
}

#[traced]
fn on_a_thread() {}

#[traced]
fn spawns() {
    let cx = Context::current();
    std::thread::spawn(move || {
        let _attached = cx.attach();
        on_a_thread();
    })
    .join()
    .unwrap();
}

#[test]
fn a_span_carried_into_a_thread_is_the_parent_there() {
    let capture = capture();
    spawns();
    let spans = capture.finish();
    assert!(
        spans
            .named("on_a_thread")
            .is_child_of(spans.named("spawns"))
    );
}

#[traced]
fn recursive(depth: u32) -> u32 {
    if depth == 0 {
        0
    } else {
        1 + recursive(depth - 1)
    }
}

#[test]
fn recursion_nests_one_span_per_call() {
    let capture = capture();
    assert_eq!(recursive(3), 3);
    let spans = capture.finish();
    let calls: Vec<_> = spans.all_named("recursive").collect();
    assert_eq!(calls.len(), 4);
    for pair in calls.windows(2) {
        assert!(pair[0].is_child_of(pair[1]));
    }
}
