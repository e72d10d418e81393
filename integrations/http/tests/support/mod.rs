//! Tracing to an OTLP receiver in this process, once per test binary, and the
//! spans of one trace as the receiver got them. traced-tonic's tests and the
//! workspace's `tests/microservices.rs` use this file too (`#[path]`).
#![allow(dead_code)]

use std::sync::OnceLock;
use std::time::Duration;
use traced::Instrument as _;
pub use traced_otlp_receiver::proto::tonic::trace::v1::span::SpanKind;
pub use traced_otlp_receiver::{ReceivedSpan, Receiver, Value};
use traced_sdk::{ExporterKind, Protocol, SamplerKind};

/// The receiver every span of this test binary is exported to (over OTLP/HTTP,
/// soon after each span ends).
pub fn receiver() -> &'static Receiver {
    static RECEIVER: OnceLock<Receiver> = OnceLock::new();
    RECEIVER.get_or_init(|| {
        let receiver = Receiver::start();
        let guard = traced_sdk::setup!()
            .environment(|name| (name == "OTEL_BSP_SCHEDULE_DELAY").then(|| "20".to_owned()))
            .exporters(&[ExporterKind::Otlp])
            .otlp_endpoint(format!("{}/v1/traces", receiver.http_endpoint()))
            .otlp_protocol(Protocol::HttpProtobuf)
            .sampler(SamplerKind::AlwaysOn)
            .install();
        assert!(guard.warnings().is_empty(), "{:?}", guard.warnings());
        // Tracing stays on for the whole binary.
        std::mem::forget(guard);
        receiver
    })
}

/// Runs `work` under a root span of its own and returns what it returned, with
/// the id of its trace.
pub async fn in_trace<F: std::future::Future>(work: F) -> (F::Output, String) {
    receiver();
    let root = traced::span("test case").start();
    let trace = root.span_context().trace_id().to_string();
    (work.in_span(root).await, trace)
}

/// The spans of trace `trace`, once `n` of them arrived (or after 10 s).
pub fn spans_of(trace: &str, n: usize) -> Vec<ReceivedSpan> {
    receiver().wait_for_trace(trace, n, Duration::from_secs(10))
}

/// [`spans_of`], from async code: the wait runs off the runtime's thread.
pub async fn trace_spans(trace: String, n: usize) -> Vec<ReceivedSpan> {
    tokio::task::spawn_blocking(move || spans_of(&trace, n))
        .await
        .expect("the wait for spans")
}

/// The one span among `spans` that `is` picks (`what` describes it).
pub fn one<'a>(
    spans: &'a [ReceivedSpan],
    what: &str,
    is: impl Fn(&ReceivedSpan) -> bool,
) -> &'a ReceivedSpan {
    let found: Vec<&ReceivedSpan> = spans.iter().filter(|s| is(s)).collect();
    assert_eq!(
        found.len(),
        1,
        "one {what} among {:?}",
        spans
            .iter()
            .map(|s| (s.name(), s.kind()))
            .collect::<Vec<_>>()
    );
    found[0]
}

/// The one span named `name` among `spans`.
pub fn named<'a>(spans: &'a [ReceivedSpan], name: &str) -> &'a ReceivedSpan {
    one(spans, &format!("span named {name:?}"), |s| s.name() == name)
}

/// The one span of `kind` among `spans`.
pub fn of_kind(spans: &[ReceivedSpan], kind: SpanKind) -> &ReceivedSpan {
    one(spans, &format!("{kind:?} span"), |s| s.kind() == kind)
}

pub fn string(value: &str) -> Option<Value> {
    Some(Value::String(value.to_owned()))
}
