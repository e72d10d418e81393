//! With the collector down, the application goes on: calls return, the queue stays
//! bounded, shutdown keeps to its timeout, and the spans not exported are counted
//! and reported once. (Its own test binary: it installs the global provider.)

mod support;

use std::time::{Duration, Instant};

fn closed_port() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

fn run_against_a_dead_collector(protocol: &str) {
    let endpoint = closed_port();
    let tracing = support::export::install(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "300"),
        ("OTEL_BSP_MAX_QUEUE_SIZE", "64"),
        ("OTEL_BSP_SCHEDULE_DELAY", "5"),
    ]);
    assert!(tracing.warnings().is_empty(), "{:?}", tracing.warnings());
    for user in 0..2_000 {
        let _ = support::export::request(user);
    }
    let (ended, exported) = tracing.counts();
    assert_eq!(ended, 4_000, "every span ended");
    assert_eq!(exported, 0);
    let started = Instant::now();
    let report = tracing.shutdown().expect("the lost spans are reported");
    // The guard's default shutdown timeout is 5 s; allow for a slow machine.
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "shutdown took {:?}",
        started.elapsed()
    );
    assert!(
        report.starts_with("4000 of 4000 finished spans were not exported"),
        "{report}"
    );
}

#[test]
fn a_dead_collector_costs_no_availability_over_grpc_or_http() {
    run_against_a_dead_collector("grpc");
    run_against_a_dead_collector("http/protobuf");
}
