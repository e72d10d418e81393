//! `LogsLayer` in a global subscriber that lets every level through, exporting
//! over gRPC: what the export machinery logs (h2, tonic, hyper on traced-sdk's
//! threads, OpenTelemetry's own diagnostics) is not exported back, so the
//! collector gets the application's records and nothing else. (Its own test
//! binary: it installs the global subscriber.)

use std::time::Duration;
use traced_otlp_receiver::Receiver;
use tracing_subscriber::layer::SubscriberExt as _;

/// `LogsLayer`, deaf on the receiver's thread: the receiver stands for the
/// collector, another process, and what its own h2 server says is not the
/// application's.
struct NotTheCollector(traced_tracing::LogsLayer);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for NotTheCollector {
    fn on_event(&self, event: &tracing::Event<'_>, cx: tracing_subscriber::layer::Context<'_, S>) {
        if std::thread::current().name() != Some("otlp-receiver") {
            self.0.on_event(event, cx);
        }
    }
}

#[traced::traced]
fn work(round: u64) {
    tracing::info!(round, "working");
}

#[test]
fn the_pipeline_does_not_log_into_itself() {
    tracing::subscriber::set_global_default(
        tracing_subscriber::registry().with(NotTheCollector(traced_tracing::LogsLayer::new())),
    )
    .expect("the only global subscriber");
    let receiver = Receiver::start();
    let tracing = traced_sdk::setup!()
        .environment(|_| None)
        .otlp_endpoint(receiver.grpc_endpoint())
        .otlp_protocol(traced_sdk::Protocol::Grpc)
        .install();
    for round in 0..3 {
        work(round);
        tracing.flush();
        std::thread::sleep(Duration::from_millis(300));
    }
    drop(tracing);
    receiver.wait_for_logs(3, Duration::from_secs(10));
    // Anything more would have come with the exports that followed.
    std::thread::sleep(Duration::from_millis(500));
    let records = receiver.log_records();
    let mut others: Vec<_> = records
        .iter()
        .filter(|r| r.body.as_deref() != Some("working"))
        .map(|r| (r.scope_name.clone(), r.body.clone()))
        .collect();
    others.dedup_by(|a, b| a.0 == b.0);
    assert!(others.is_empty(), "{others:#?}");
    assert_eq!(records.len(), 3);
}
