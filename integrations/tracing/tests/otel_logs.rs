//! `LogsLayer`: `tracing` events as log records carrying the current span's ids,
//! in memory and on a real OTLP receiver. (Its own test binary: it installs the
//! global providers.)

use std::time::Duration;
use traced::logs::ExceptionSignal;
use traced::traced;
use traced_otlp_receiver::Receiver;
use traced_sdk::testing::{capture, logs};
use tracing_subscriber::layer::SubscriberExt as _;

static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[traced]
fn checkout(order: u64) {
    tracing::info!(order, total = 12.5, express = true, "checking out");
}

#[tracing::instrument]
fn instrumented(order: u64) {
    tracing::warn!(order, "slow path");
}

#[test]
fn events_are_records_of_the_current_span_with_typed_fields() {
    let _serial = serial();
    let subscriber = tracing_subscriber::registry().with(traced_tracing::LogsLayer::new());
    let spans = capture();
    let records = logs(ExceptionSignal::SpanEvents);
    tracing::subscriber::with_default(subscriber, || {
        checkout(7);
        tracing::error!(code = 3_u64, "outside any span");
    });
    let records = records.finish();
    let spans = spans.finish();
    let span = spans.named("checkout");
    assert_eq!(records.len(), 2, "{records:?}");
    let inside = &records[0];
    assert_eq!(inside.body_text(), Some("checking out"));
    assert_eq!(inside.severity, Some(opentelemetry::logs::Severity::Info));
    assert_eq!(inside.severity_text, Some("INFO"));
    assert_eq!(inside.scope, module_path!(), "the target is the scope");
    assert_eq!(inside.trace_id, Some(span.trace_id()));
    assert_eq!(inside.span_id, Some(span.span_id()));
    use opentelemetry::logs::AnyValue;
    assert_eq!(inside.attr("order"), Some(&AnyValue::Int(7)));
    assert_eq!(inside.attr("total"), Some(&AnyValue::Double(12.5)));
    assert_eq!(inside.attr("express"), Some(&AnyValue::Boolean(true)));
    assert!(inside
        .str_attr("code.file.path")
        .is_some_and(|f| f.ends_with("otel_logs.rs")));
    assert!(matches!(
        inside.attr("code.line.number"),
        Some(AnyValue::Int(_))
    ));
    assert!(inside.attr("message").is_none(), "the message is the body");
    let outside = &records[1];
    assert_eq!(outside.severity, Some(opentelemetry::logs::Severity::Error));
    assert_eq!(outside.trace_id, None, "no span, no ids");
    assert_eq!(outside.attr("code"), Some(&AnyValue::Int(3)));
}

#[test]
fn an_instrument_span_gives_its_ids_with_either_bridge() {
    let _serial = serial();
    for bridge in ["tracing-opentelemetry", "SpansLayer"] {
        let spans = capture();
        let records = logs(ExceptionSignal::SpanEvents);
        let logs_layer = traced_tracing::LogsLayer::new();
        if bridge == "SpansLayer" {
            let subscriber = tracing_subscriber::registry()
                .with(traced_tracing::SpansLayer::new())
                .with(logs_layer);
            tracing::subscriber::with_default(subscriber, || instrumented(8));
        } else {
            let subscriber = tracing_subscriber::registry()
                .with(
                    tracing_opentelemetry::layer()
                        .with_tracer(opentelemetry::global::tracer("otel_logs")),
                )
                .with(logs_layer);
            tracing::subscriber::with_default(subscriber, || instrumented(8));
        }
        let records = records.finish();
        let spans = spans.finish();
        let span = spans.named("instrumented");
        assert_eq!(records.len(), 1, "{bridge}: {records:?}");
        assert_eq!(records[0].span_id, Some(span.span_id()), "{bridge}");
        assert_eq!(records[0].trace_id, Some(span.trace_id()), "{bridge}");
    }
}

#[test]
fn records_reach_the_collector_with_their_span_over_http_and_grpc() {
    let _serial = serial();
    for grpc in [false, true] {
        let receiver = Receiver::start();
        let (endpoint, protocol) = if grpc {
            (receiver.grpc_endpoint(), traced_sdk::Protocol::Grpc)
        } else {
            (
                format!("{}/v1/traces", receiver.http_endpoint()),
                traced_sdk::Protocol::HttpProtobuf,
            )
        };
        let tracing = traced_sdk::setup!()
            .environment(|_| None)
            .otlp_endpoint(endpoint)
            .otlp_protocol(protocol)
            .install();
        let subscriber = tracing_subscriber::registry().with(traced_tracing::LogsLayer::new());
        tracing::subscriber::with_default(subscriber, || checkout(9));
        drop(tracing);
        let spans = receiver.wait_for_spans(1, Duration::from_secs(10));
        let records = receiver.wait_for_logs(1, Duration::from_secs(10));
        assert_eq!(records.len(), 1, "{records:?}");
        let record = &records[0];
        assert_eq!(record.trace_id, spans[0].trace_id());
        assert_eq!(record.span_id, spans[0].span_id());
        assert_eq!(record.body.as_deref(), Some("checking out"));
        assert_eq!(record.severity_number, 9);
        assert_eq!(record.scope_name, module_path!());
        assert!(record.time_unix_nano > 0);
    }
}
