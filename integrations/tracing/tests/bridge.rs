//! `SpansLayer`, the light bridge, without tracing-opentelemetry: `#[instrument]`
//! and `#[traced]` spans nest in one trace each way round (sync, async, spawned),
//! fields become attributes, and events land on the bridged spans.

mod common;

use common::*;
use opentelemetry::Value;
use traced_sdk::testing::capture;
use tracing_subscriber::layer::SubscriberExt as _;

fn subscriber() -> impl tracing::Subscriber + Send + Sync {
    tracing_subscriber::registry()
        .with(traced_tracing::SpansLayer::new())
        .with(traced_tracing::EventsLayer::new())
}

#[tracing::instrument(fields(later))]
fn with_fields(order: u64, who: &str) {
    tracing::Span::current().record("later", 5_i64);
    tracing::info!("inside");
}

#[test]
fn sync_both_ways_with_fields_and_events() {
    let capture = capture();
    tracing::subscriber::with_default(subscriber(), || {
        sync_matrix();
        with_fields(3, "ada");
        let root = tracing::info_span!(parent: None, "a root");
        root.in_scope(traced_leaf);
    });
    let spans = capture.finish();
    assert_sync_matrix(&spans);
    let fields = spans.named("with_fields");
    assert_eq!(fields.attr("order"), Some(&Value::I64(3)));
    assert_eq!(fields.attr("who"), Some(&Value::from("ada")));
    assert_eq!(fields.attr("later"), Some(&Value::I64(5)));
    assert_eq!(fields.attr("code.file.path"), Some(&Value::from(file!())));
    assert_eq!(fields.event_names(), ["inside"]);
    let root = spans.named("a root");
    assert_eq!(root.parent_span_id(), opentelemetry::trace::SpanId::INVALID);
    parent_and_child(&spans, "a root", "traced_leaf");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_and_spawned_both_ways() {
    let capture = capture();
    tracing::subscriber::set_global_default(subscriber()).expect("the only global subscriber");
    async_matrix().await;
    let spans = capture.finish();
    assert_async_matrix(&spans);
}
