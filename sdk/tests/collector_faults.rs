//! A collector in trouble, on loopback: export rides out what the OTLP
//! specification calls retryable (`UNAVAILABLE`, 503 with `Retry-After`, a
//! collector that restarts or comes up late) within the export timeout, counts
//! and reports what it could not deliver, and keeps shutdown within its timeout
//! when the collector never answers. Over gRPC and HTTP. (Its own test binary: it
//! installs the global provider, one test at a time.)

mod support;

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};
use traced_otlp_receiver::{free_port, Answer, Options, Receiver};
use traced_sdk::TracingGuard;

const PROTOCOLS: [&str; 2] = ["grpc", "http/protobuf"];
/// Each trace the tests make: a request and its lookup.
const SPANS_PER_REQUEST: u64 = 2;

/// One test at a time: each installs the global provider.
fn one_at_a_time() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock().unwrap_or_else(PoisonError::into_inner)
}

fn endpoint(receiver: &Receiver, protocol: &str) -> String {
    match protocol {
        "grpc" => receiver.grpc_endpoint(),
        _ => receiver.http_endpoint(),
    }
}

/// Tracing to `endpoint` over `protocol`, exporting soon, with `timeout_ms` for
/// each export (retries included) and a 2 s shutdown timeout.
fn install(endpoint: &str, protocol: &str, timeout_ms: &str) -> TracingGuard {
    let guard = traced_sdk::setup!()
        .environment(support::export::environment(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", timeout_ms),
            ("OTEL_BSP_SCHEDULE_DELAY", "20"),
            ("OTEL_TRACES_SAMPLER", "always_on"),
        ]))
        .shutdown_timeout(Duration::from_secs(2))
        .install();
    assert!(guard.warnings().is_empty(), "{:?}", guard.warnings());
    guard
}

#[traced::traced(metrics)]
fn measured() {}

#[traced::traced(record_err)]
fn failing() -> Result<(), std::fmt::Error> {
    Err(std::fmt::Error)
}

fn requests(n: u64) {
    for user in 0..n {
        let _ = support::export::request(user);
    }
}

#[test]
fn a_collector_that_is_unavailable_for_a_while_loses_nothing() {
    let _turn = one_at_a_time();
    for protocol in PROTOCOLS {
        let receiver = Receiver::start_with(&Options {
            answer: Answer::Unavailable { retry_after: None },
            ..Options::default()
        });
        let tracing = install(&endpoint(&receiver, protocol), protocol, "10000");
        requests(100);
        std::thread::sleep(Duration::from_millis(1_200));
        assert_eq!(receiver.span_count(), 0, "{protocol}: refused so far");
        receiver.set_answer(Answer::Accept);
        let report = tracing.shutdown();
        assert_eq!(report, None, "{protocol}: nothing lost");
        assert_eq!(receiver.span_count(), 100 * SPANS_PER_REQUEST, "{protocol}");
    }
}

#[test]
fn retry_after_is_honoured_and_nothing_is_lost() {
    let _turn = one_at_a_time();
    // HTTP's `Retry-After` (gRPC answers UNAVAILABLE without retry info here).
    let receiver = Receiver::start_with(&Options {
        answer: Answer::Unavailable {
            retry_after: Some(Duration::from_secs(1)),
        },
        ..Options::default()
    });
    let tracing = install(&receiver.http_endpoint(), "http/protobuf", "10000");
    requests(10);
    std::thread::sleep(Duration::from_millis(300));
    receiver.set_answer(Answer::Accept);
    let first_try_after = Instant::now();
    assert_eq!(
        receiver.wait_for_count(20, Duration::from_secs(5), Duration::from_secs(5)),
        20
    );
    // The retry waited for what the collector asked, not the 100 ms backoff.
    assert!(first_try_after.elapsed() >= Duration::from_millis(400));
    assert_eq!(tracing.shutdown(), None);
}

#[test]
fn a_collector_that_comes_up_late_gets_every_span() {
    let _turn = one_at_a_time();
    for protocol in PROTOCOLS {
        let (grpc_port, http_port) = (free_port(), free_port());
        let port = if protocol == "grpc" {
            grpc_port
        } else {
            http_port
        };
        let tracing = install(&format!("http://127.0.0.1:{port}"), protocol, "10000");
        requests(50);
        std::thread::sleep(Duration::from_millis(800));
        let receiver = Receiver::start_with(&Options {
            grpc_port,
            http_port,
            ..Options::default()
        });
        assert_eq!(tracing.shutdown(), None, "{protocol}");
        assert_eq!(receiver.span_count(), 50 * SPANS_PER_REQUEST, "{protocol}");
    }
}

#[test]
fn a_collector_that_goes_away_and_comes_back_loses_nothing_that_fit_the_queue() {
    let _turn = one_at_a_time();
    for protocol in PROTOCOLS {
        let options = Options {
            grpc_port: free_port(),
            http_port: free_port(),
            ..Options::default()
        };
        let receiver = Receiver::start_with(&options);
        let tracing = install(&endpoint(&receiver, protocol), protocol, "10000");
        requests(20);
        assert_eq!(
            receiver.wait_for_count(40, Duration::from_secs(5), Duration::from_secs(5)),
            40
        );
        drop(receiver);
        requests(30);
        std::thread::sleep(Duration::from_millis(600));
        let again = Receiver::start_with(&options);
        assert_eq!(tracing.shutdown(), None, "{protocol}");
        assert_eq!(again.span_count(), 30 * SPANS_PER_REQUEST, "{protocol}");
    }
}

#[test]
fn a_collector_that_never_answers_costs_at_most_the_shutdown_timeout() {
    let _turn = one_at_a_time();
    for protocol in PROTOCOLS {
        let receiver = Receiver::start_with(&Options {
            answer: Answer::Hang,
            ..Options::default()
        });
        let tracing = install(&endpoint(&receiver, protocol), protocol, "10000");
        let called = Instant::now();
        requests(10);
        // A metric and a log record wait for the collector too.
        measured();
        traced::logs::set_exception_signal(traced::logs::ExceptionSignal::LogsAndSpanEvents);
        let _ = failing();
        traced::logs::set_exception_signal(traced::logs::ExceptionSignal::SpanEvents);
        assert!(
            called.elapsed() < Duration::from_secs(1),
            "calls never wait for export"
        );
        std::thread::sleep(Duration::from_millis(100));
        let stopping = Instant::now();
        let report = tracing.shutdown().expect("the spans are reported lost");
        // The shutdown timeout is 2 s; twice that holds on a loaded machine.
        assert!(
            stopping.elapsed() < Duration::from_secs(4),
            "{protocol}: {:?}",
            stopping.elapsed()
        );
        assert!(
            report.starts_with("22 of 22 finished spans were not exported"),
            "{report}"
        );
    }
}

#[test]
fn a_slow_collector_gets_every_span() {
    let _turn = one_at_a_time();
    for protocol in PROTOCOLS {
        let receiver = Receiver::start_with(&Options {
            answer: Answer::Slow(Duration::from_millis(300)),
            ..Options::default()
        });
        let tracing = install(&endpoint(&receiver, protocol), protocol, "10000");
        requests(100);
        assert_eq!(
            receiver.wait_for_count(200, Duration::from_secs(10), Duration::from_secs(10)),
            200,
            "{protocol}"
        );
        assert_eq!(tracing.shutdown(), None, "{protocol}");
    }
}

#[test]
fn failures_past_the_export_timeout_are_counted_and_reported() {
    let _turn = one_at_a_time();
    for protocol in PROTOCOLS {
        let receiver = Receiver::start_with(&Options {
            answer: Answer::Unavailable { retry_after: None },
            ..Options::default()
        });
        let tracing = install(&endpoint(&receiver, protocol), protocol, "300");
        requests(10);
        std::thread::sleep(Duration::from_millis(700));
        receiver.set_answer(Answer::Accept);
        requests(5);
        let report = tracing.shutdown().expect("the refused spans are reported");
        assert!(
            report.starts_with("20 of 30 finished spans were not exported"),
            "{report}"
        );
        assert!(report.contains("exports worked again after it"), "{report}");
        assert_eq!(receiver.span_count(), 10, "{protocol}");
    }
}

/// The resident set size of this process, in bytes (Linux).
fn rss() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

#[test]
fn a_closed_port_costs_the_caller_nothing_and_memory_stays_bounded() {
    const REQUESTS: u64 = 50_000;
    let _turn = one_at_a_time();
    for protocol in PROTOCOLS {
        // Nothing listens there.
        let port = free_port();
        let endpoint = format!("http://127.0.0.1:{port}");
        let tracing = install(&endpoint, protocol, "300");
        requests(100);
        let before = rss();
        let mut worst = Duration::ZERO;
        for user in 0..REQUESTS {
            let call = Instant::now();
            let _ = support::export::request(user);
            worst = worst.max(call.elapsed());
        }
        let grown = before
            .zip(rss())
            .map(|(before, after)| after.saturating_sub(before));
        eprintln!("{protocol}: worst call {worst:?}, RSS grew by {grown:?} bytes");
        // A call takes microseconds; a bound that holds on a loaded machine.
        assert!(worst < Duration::from_millis(200), "{protocol}: {worst:?}");
        // The queue holds 2048 spans and the exports in flight 8 × 512: a few MB,
        // however many spans are made.
        if let Some(grown) = grown {
            assert!(grown < 64 << 20, "{protocol}: RSS grew by {grown} bytes");
        }
        let stopping = Instant::now();
        let report = tracing.shutdown().expect("every span is reported lost");
        assert!(
            stopping.elapsed() < Duration::from_secs(4),
            "{protocol}: {:?}",
            stopping.elapsed()
        );
        let all = (REQUESTS + 100) * SPANS_PER_REQUEST;
        assert!(
            report.starts_with(&format!("{all} of {all} finished spans were not exported")),
            "{protocol}: {report}"
        );
    }
}
