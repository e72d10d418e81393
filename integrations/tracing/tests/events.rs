//! `tracing` events as events of the current OpenTelemetry span, alone and
//! beside tracing-opentelemetry, asserted on the finished spans.

use opentelemetry::trace::Status;
use opentelemetry::Value;
use opentelemetry_sdk::trace::Sampler;
use traced::traced;
use traced_sdk::testing::{capture, capture_with};
use traced_tracing::EventsLayer;
use tracing_subscriber::layer::SubscriberExt as _;

#[derive(Debug)]
struct Refused;

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("refused by the bank")
    }
}

impl std::error::Error for Refused {}

#[traced]
fn charge(cents: u64) {
    tracing::info!(cents, big = u64::MAX, ratio = 0.5, fresh = true, who = "ada", list = ?[1, 2], "charging");
    let _inner = tracing::info_span!("inner").entered();
    tracing::warn!(attempt = 2_i64, "retrying");
}

#[traced]
fn fail() {
    let error = Refused;
    tracing::error!(error = &error as &dyn std::error::Error, "payment failed");
}

#[test]
fn events_inside_and_outside_tracing_spans_land_on_the_traced_span_with_typed_fields() {
    let capture = capture();
    let subscriber = tracing_subscriber::registry().with(EventsLayer::new());
    tracing::subscriber::with_default(subscriber, || charge(250));
    let spans = capture.finish();
    let span = spans.named("charge");
    assert_eq!(span.event_names(), ["charging", "retrying"]);
    let attr = |key| span.event_attr("charging", key);
    assert_eq!(attr("cents"), Some(&Value::I64(250)));
    assert_eq!(attr("big"), Some(&Value::from(u64::MAX.to_string())));
    assert_eq!(attr("ratio"), Some(&Value::F64(0.5)));
    assert_eq!(attr("fresh"), Some(&Value::Bool(true)));
    assert_eq!(attr("who"), Some(&Value::from("ada")));
    assert_eq!(attr("list"), Some(&Value::from("[1, 2]")));
    assert_eq!(attr("level"), Some(&Value::from("INFO")));
    assert_eq!(attr("target"), Some(&Value::from("events")));
    assert_eq!(attr("code.file.path"), Some(&Value::from(file!())));
    assert!(matches!(attr("code.line.number"), Some(Value::I64(n)) if *n > 0));
    assert_eq!(
        span.event_attr("retrying", "level"),
        Some(&Value::from("WARN"))
    );
    assert_eq!(span.event_attr("retrying", "attempt"), Some(&Value::I64(2)));
}

#[test]
fn an_error_event_fails_the_span_only_when_asked() {
    for fails in [false, true] {
        let capture = capture();
        let layer = if fails {
            EventsLayer::new().errors_fail_span()
        } else {
            EventsLayer::new()
        };
        tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), fail);
        let spans = capture.finish();
        let span = spans.named("fail");
        assert_eq!(
            span.event_attr("payment failed", "exception.message"),
            Some(&Value::from("refused by the bank"))
        );
        let expected = if fails {
            Status::error("refused by the bank")
        } else {
            Status::Unset
        };
        assert_eq!(span.status(), &expected);
    }
}

#[test]
fn beside_tracing_opentelemetry_no_event_is_recorded_twice() {
    let capture = capture();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(opentelemetry::global::tracer("events")))
        .with(EventsLayer::new().beside_tracing_opentelemetry());
    tracing::subscriber::with_default(subscriber, || charge(7));
    let spans = capture.finish();
    // Outside any tracing span: ours, on the traced span.
    assert_eq!(spans.named("charge").event_names(), ["charging"]);
    // Inside one: tracing-opentelemetry's, on its span, under the traced one.
    let inner = spans.named("inner");
    assert!(inner.is_child_of(spans.named("charge")));
    assert_eq!(inner.event_names(), ["retrying"]);
}

#[test]
fn an_unsampled_span_gets_nothing_and_nothing_breaks() {
    let capture = capture_with(Sampler::AlwaysOff);
    let subscriber = tracing_subscriber::registry().with(EventsLayer::new());
    tracing::subscriber::with_default(subscriber, || {
        charge(1);
        // No span current at all.
        tracing::info!("outside everything");
    });
    assert!(capture.finish().is_empty());
}
