//! The shutdown timeout is a total: `flush()`, `shutdown()` and drop return
//! within it however many exporters are stuck, also inside an async runtime, and
//! what the stuck exporters did not deliver is counted once per span. (Its own
//! test binary: it installs the global provider, one setup after another.)

use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use std::time::{Duration, Instant};
use traced_sdk::TracingGuard;

/// An exporter whose export never returns.
#[derive(Debug)]
struct Stuck;

impl SpanExporter for Stuck {
    async fn export(&self, _batch: Vec<SpanData>) -> OTelSdkResult {
        loop {
            std::thread::park();
        }
    }
}

#[traced::traced]
fn work() {}

const TIMEOUT: Duration = Duration::from_millis(200);

fn three_stuck_exporters() -> TracingGuard {
    traced_sdk::setup!()
        .environment(|_| None)
        .exporter(Stuck)
        .exporter(Stuck)
        .exporter(Stuck)
        .shutdown_timeout(TIMEOUT)
        .install()
}

/// Runs `f` and asserts it took less than twice the timeout.
fn within_twice_the_timeout<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let result = f();
    let took = started.elapsed();
    assert!(took < 2 * TIMEOUT, "{what} took {took:?}");
    result
}

/// The tests here install the global provider one after another, never together.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[test]
fn flush_and_shutdown_keep_to_one_timeout_for_three_stuck_exporters() {
    let _serial = serial();
    let tracing = three_stuck_exporters();
    work();
    within_twice_the_timeout("flush", || tracing.flush());
    let report = within_twice_the_timeout("shutdown", || tracing.shutdown());
    let report = report.expect("the span is reported lost");
    assert!(
        report.starts_with("1 of 1 finished spans were not exported (Stuck lost 1, "),
        "counted once per span, not once per exporter: {report}"
    );
}

#[test]
fn dropping_the_guard_keeps_to_the_timeout_inside_either_runtime() {
    let _serial = serial();
    let current = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let multi = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    for runtime in [&current, &multi] {
        runtime.block_on(async {
            let tracing = three_stuck_exporters();
            work();
            within_twice_the_timeout("flush", || tracing.flush());
            within_twice_the_timeout("drop", || drop(tracing));
        });
    }
}
