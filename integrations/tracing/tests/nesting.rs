//! `#[instrument]` and `#[traced]` spans in one trace, each way round, with
//! tracing-opentelemetry installed (its context activation on, as by default):
//! sync, async across an `.await`, and spawned.

mod common;

use common::*;
use traced::traced;
use traced_sdk::testing::capture;
use tracing_subscriber::layer::SubscriberExt as _;

fn subscriber() -> impl tracing::Subscriber + Send + Sync {
    tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(opentelemetry::global::tracer("nesting")))
}

#[test]
fn sync_both_ways() {
    let capture = capture();
    tracing::subscriber::with_default(subscriber(), sync_matrix);
    let spans = capture.finish();
    assert_sync_matrix(&spans);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_and_spawned_both_ways() {
    let capture = capture();
    // Spawned tasks run on the runtime's threads: the subscriber is global.
    tracing::subscriber::set_global_default(subscriber()).expect("the only global subscriber");
    async_matrix().await;
    let spans = capture.finish();
    assert_async_matrix(&spans);
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
