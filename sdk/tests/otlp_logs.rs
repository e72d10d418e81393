//! Exceptions as log records (`OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN`) over OTLP
//! (HTTP and gRPC) to a real receiver on loopback, the console's log lines, and
//! the warnings about bad settings. (Its own test binary: it installs the global
//! providers.)

mod support;

use std::time::Duration;
use traced::traced;
use traced_otlp_receiver::Receiver;
use traced_sdk::{ExporterKind, Setup, SharedOutput};

/// One test at a time: each installs the global providers.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[derive(Debug)]
struct Declined;

impl std::fmt::Display for Declined {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("card declined")
    }
}

#[traced(record_err)]
fn pay(cents: u64) -> Result<u64, Declined> {
    if cents > 100 {
        Err(Declined)
    } else {
        Ok(cents)
    }
}

#[traced]
fn crash() {
    panic!("ledger corrupt");
}

/// Pays once too much and panics once, exported as `vars` say, and returns what
/// the receiver got: the spans and the log records.
fn export_to(
    receiver: &Receiver,
    vars: &[(&str, &str)],
) -> (
    Vec<traced_otlp_receiver::ReceivedSpan>,
    Vec<traced_otlp_receiver::ReceivedLog>,
) {
    let tracing = Setup::new("payments", "1.0.0")
        .environment(support::export::environment(vars))
        .install();
    assert!(tracing.warnings().is_empty(), "{:?}", tracing.warnings());
    let _ = pay(500);
    let _ = std::panic::catch_unwind(crash);
    drop(tracing);
    let spans = receiver.wait_for_spans(2, Duration::from_secs(10));
    (spans, receiver.log_records())
}

#[test]
fn with_logs_exceptions_are_log_records_of_their_span_over_http_and_grpc() {
    let _serial = serial();
    for grpc in [false, true] {
        let receiver = Receiver::start();
        let endpoint = if grpc {
            receiver.grpc_endpoint()
        } else {
            receiver.http_endpoint()
        };
        let protocol = if grpc { "grpc" } else { "http/protobuf" };
        let (spans, logs) = export_to(
            &receiver,
            &[
                ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
                ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
                ("OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN", "logs"),
            ],
        );
        let pay = spans
            .iter()
            .find(|s| s.name() == "pay")
            .expect("pay's span");
        let crash = spans
            .iter()
            .find(|s| s.name() == "crash")
            .expect("crash's span");
        assert!(
            pay.span.events.is_empty() && crash.span.events.is_empty(),
            "no span events with logs"
        );
        assert_eq!(logs.len(), 2, "{logs:?}");
        let declined = logs
            .iter()
            .find(|l| l.span_id == pay.span_id())
            .expect("pay's exception");
        assert_eq!(declined.trace_id, pay.trace_id());
        assert_eq!(declined.event_name, "exception");
        assert_eq!(declined.severity_number, 13);
        assert_eq!(declined.severity_text, "WARN");
        assert_eq!(declined.flags & 1, 1, "sampled");
        assert_eq!(declined.scope_name, "traced");
        let text = |log: &traced_otlp_receiver::ReceivedLog, key: &str| {
            log.attr(key).map(|v| format!("{v:?}")).unwrap_or_default()
        };
        assert!(text(declined, "exception.type").contains("otlp_logs::Declined"));
        assert!(text(declined, "exception.message").contains("card declined"));
        assert!(declined
            .resource_attr("service.name")
            .is_some_and(|v| format!("{v:?}").contains("payments")));
        let panicked = logs
            .iter()
            .find(|l| l.span_id == crash.span_id())
            .expect("crash's exception");
        assert_eq!(panicked.severity_number, 17, "a panic is ERROR");
        assert!(text(panicked, "exception.type").contains("panic"));
        assert!(text(panicked, "exception.message").contains("ledger corrupt"));
    }
}

#[test]
fn with_logs_dup_both_and_by_default_span_events_only() {
    let _serial = serial();
    let receiver = Receiver::start();
    let endpoint = receiver.http_endpoint();
    let (spans, logs) = export_to(
        &receiver,
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
            ("OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN", "logs/dup"),
        ],
    );
    assert!(spans.iter().all(|s| s.span.events.len() == 1), "{spans:?}");
    assert_eq!(logs.len(), 2);

    let receiver = Receiver::start();
    let endpoint = receiver.http_endpoint();
    let (spans, logs) = export_to(&receiver, &[("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)]);
    assert!(spans.iter().all(|s| s.span.events.len() == 1), "{spans:?}");
    assert!(logs.is_empty(), "{logs:?}");
}

#[test]
fn the_console_prints_a_line_per_record_with_its_ids() {
    let _serial = serial();
    let output = SharedOutput::default();
    let tracing = Setup::new("payments", "1.0.0")
        .environment(support::export::environment(&[]))
        .exporters(&[ExporterKind::Console])
        .metrics_exporters(&[])
        .logs_exporters(&[ExporterKind::Console])
        .exception_signal(traced::logs::ExceptionSignal::Logs)
        .console_output(output.clone())
        .install();
    let _ = pay(500);
    drop(tracing);
    let text = output.text();
    let line = text
        .lines()
        .find(|l| l.starts_with("log WARN exception"))
        .unwrap_or_else(|| panic!("no log line in {text}"));
    assert!(
        line.contains("exception.message=\"card declined\""),
        "{line}"
    );
    let trace = text
        .lines()
        .find_map(|l| l.strip_prefix("trace "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no trace header in {text}"));
    assert!(line.contains(&format!("trace={trace}")), "{line}");
}

#[test]
fn bad_log_settings_get_one_warning_each() {
    let _serial = serial();
    let tracing = Setup::new("payments", "1.0.0")
        .environment(support::export::environment(&[
            ("OTEL_LOGS_EXPORTER", "syslog"),
            ("OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN", "logs,spans"),
            ("OTEL_TRACES_EXPORTER", "none"),
        ]))
        .install();
    let warnings = tracing.warnings().to_vec();
    drop(tracing);
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(
        warnings[0].contains("OTEL_LOGS_EXPORTER=\"syslog\""),
        "{warnings:?}"
    );
    assert!(
        warnings[1].contains("\"spans\" is not known"),
        "{warnings:?}"
    );

    // Logs asked for with no logs exporter: said once.
    let tracing = Setup::new("payments", "1.0.0")
        .environment(support::export::environment(&[
            ("OTEL_LOGS_EXPORTER", "none"),
            ("OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN", "logs"),
            ("OTEL_TRACES_EXPORTER", "none"),
        ]))
        .install();
    let warnings = tracing.warnings().to_vec();
    drop(tracing);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("no logs exporter"), "{warnings:?}");
}
