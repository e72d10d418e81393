//! `#[instrument]` and `#[traced]` spans in one trace, each way round, with
//! tracing-opentelemetry installed (its context activation on, as by default):
//! sync, async across an `.await`, and spawned.

use traced::traced;
use traced_sdk::testing::{capture, Spans};
use tracing::Instrument as _;
use tracing_subscriber::layer::SubscriberExt as _;

fn subscriber() -> impl tracing::Subscriber + Send + Sync {
    tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(opentelemetry::global::tracer("nesting")))
}

#[traced]
fn traced_leaf() {}

#[tracing::instrument]
fn instrumented_calls_traced() {
    traced_leaf();
}

#[tracing::instrument]
fn instrumented_leaf() {}

#[traced]
fn traced_calls_instrumented() {
    instrumented_leaf();
}

#[traced]
async fn traced_leaf_async() {
    tokio::task::yield_now().await;
}

#[tracing::instrument]
async fn instrumented_calls_traced_async() {
    tokio::task::yield_now().await;
    traced_leaf_async().await;
}

#[tracing::instrument]
async fn instrumented_leaf_async() {
    tokio::task::yield_now().await;
}

#[traced]
async fn traced_calls_instrumented_async() {
    tokio::task::yield_now().await;
    instrumented_leaf_async().await;
}

#[traced]
async fn traced_spawns_instrumented() {
    // The task carries the context current now (traced's), so the tracing span
    // started in it has the traced span for parent.
    traced::context::spawn(instrumented_leaf_async())
        .await
        .unwrap();
}

#[tracing::instrument]
async fn instrumented_spawns_traced() {
    // A tracing span carried into a task by `.instrument(...)`: entered at each
    // poll, it makes its OpenTelemetry context current there.
    tokio::spawn(traced_leaf_async().instrument(tracing::Span::current()))
        .await
        .unwrap();
}

/// A span named `child` is a child of the one named `parent`, in its trace.
fn parent_and_child(spans: &Spans, parent: &str, child: &str) {
    let p = spans.named(parent);
    let found = spans
        .all_named(child)
        .any(|c| c.is_child_of(p) && c.trace_id() == p.trace_id());
    assert!(found, "no {child} under {parent}: {:?}", spans.names());
}

#[test]
fn sync_both_ways() {
    let capture = capture();
    tracing::subscriber::with_default(subscriber(), || {
        instrumented_calls_traced();
        traced_calls_instrumented();
    });
    let spans = capture.finish();
    parent_and_child(&spans, "instrumented_calls_traced", "traced_leaf");
    parent_and_child(&spans, "traced_calls_instrumented", "instrumented_leaf");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_and_spawned_both_ways() {
    let capture = capture();
    // Spawned tasks run on the runtime's threads: the subscriber is global.
    tracing::subscriber::set_global_default(subscriber()).expect("the only global subscriber");
    instrumented_calls_traced_async().await;
    traced_calls_instrumented_async().await;
    traced_spawns_instrumented().await;
    instrumented_spawns_traced().await;
    let spans = capture.finish();
    parent_and_child(
        &spans,
        "instrumented_calls_traced_async",
        "traced_leaf_async",
    );
    parent_and_child(
        &spans,
        "traced_calls_instrumented_async",
        "instrumented_leaf_async",
    );
    parent_and_child(
        &spans,
        "traced_spawns_instrumented",
        "instrumented_leaf_async",
    );
    parent_and_child(&spans, "instrumented_spawns_traced", "traced_leaf_async");
}

#[traced(kind = server, skip(headers), parent = traced::propagation::extract(headers))]
fn handle_remote(headers: &std::collections::HashMap<String, String>) {
    let _ = headers;
}

#[test]
fn a_remote_parent_wins_under_an_entered_tracing_span() {
    let capture = capture();
    let mut headers = std::collections::HashMap::new();
    headers.insert(
        "traceparent".to_owned(),
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".to_owned(),
    );
    traced_sdk::install_w3c_propagators();
    tracing::subscriber::with_default(subscriber(), || {
        let _entered = tracing::info_span!("request loop").entered();
        handle_remote(&headers);
    });
    let spans = capture.finish();
    let span = spans.named("handle_remote");
    assert_eq!(
        span.trace_id().to_string(),
        "0af7651916cd43dd8448eb211c80319c"
    );
    assert_eq!(span.parent_span_id().to_string(), "b7ad6b7169203331");
    assert_ne!(span.trace_id(), spans.named("request loop").trace_id());
}
