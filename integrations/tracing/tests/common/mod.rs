//! The functions both nesting tests call: `#[instrument]` and `#[traced]`, each
//! calling the other, sync, async and spawned.
#![allow(dead_code)]

use traced::traced;
use traced_sdk::testing::Spans;
use tracing::Instrument as _;

#[traced]
pub fn traced_leaf() {}

#[tracing::instrument]
pub fn instrumented_calls_traced() {
    traced_leaf();
}

#[tracing::instrument]
pub fn instrumented_leaf() {}

#[traced]
pub fn traced_calls_instrumented() {
    instrumented_leaf();
}

#[traced]
pub async fn traced_leaf_async() {
    tokio::task::yield_now().await;
}

#[tracing::instrument]
pub async fn instrumented_calls_traced_async() {
    tokio::task::yield_now().await;
    traced_leaf_async().await;
}

#[tracing::instrument]
pub async fn instrumented_leaf_async() {
    tokio::task::yield_now().await;
}

#[traced]
pub async fn traced_calls_instrumented_async() {
    tokio::task::yield_now().await;
    instrumented_leaf_async().await;
}

#[traced]
pub async fn traced_spawns_instrumented() {
    // The task carries the context current now (traced's), so the tracing span
    // started in it has the traced span for parent.
    traced::context::spawn(instrumented_leaf_async())
        .await
        .unwrap();
}

#[tracing::instrument]
pub async fn instrumented_spawns_traced() {
    // A tracing span carried into a task by `.instrument(...)`: entered at each
    // poll, it makes its OpenTelemetry context current there.
    tokio::spawn(traced_leaf_async().instrument(tracing::Span::current()))
        .await
        .unwrap();
}

/// A span named `child` is a child of the one named `parent`, in its trace.
pub fn parent_and_child(spans: &Spans, parent: &str, child: &str) {
    let p = spans.named(parent);
    let found = spans
        .all_named(child)
        .any(|c| c.is_child_of(p) && c.trace_id() == p.trace_id());
    assert!(found, "no {child} under {parent}: {:?}", spans.names());
}

/// Both ways round, synchronously.
pub fn sync_matrix() {
    instrumented_calls_traced();
    traced_calls_instrumented();
}

/// Each pair [`sync_matrix`] made is parent and child.
pub fn assert_sync_matrix(spans: &Spans) {
    parent_and_child(spans, "instrumented_calls_traced", "traced_leaf");
    parent_and_child(spans, "traced_calls_instrumented", "instrumented_leaf");
}

/// Both ways round, across an `.await` and into spawned tasks.
pub async fn async_matrix() {
    instrumented_calls_traced_async().await;
    traced_calls_instrumented_async().await;
    traced_spawns_instrumented().await;
    instrumented_spawns_traced().await;
}

/// Each pair [`async_matrix`] made is parent and child.
pub fn assert_async_matrix(spans: &Spans) {
    let pairs = [
        ("instrumented_calls_traced_async", "traced_leaf_async"),
        ("traced_calls_instrumented_async", "instrumented_leaf_async"),
        ("traced_spawns_instrumented", "instrumented_leaf_async"),
        ("instrumented_spawns_traced", "traced_leaf_async"),
    ];
    for (parent, child) in pairs {
        parent_and_child(spans, parent, child);
    }
}
