//! Tracing to an OTLP receiver in this process, once per test binary, and the
//! spans of one trace as the receiver got them.
#![allow(dead_code)]

use std::sync::OnceLock;
use std::time::{Duration, Instant};
use traced::Instrument as _;
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
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let spans: Vec<ReceivedSpan> = receiver()
            .spans()
            .into_iter()
            .filter(|s| s.trace_id() == trace)
            .collect();
        if spans.len() >= n || Instant::now() > deadline {
            return spans;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The one span named `name` among `spans`.
pub fn named<'a>(spans: &'a [ReceivedSpan], name: &str) -> &'a ReceivedSpan {
    let found: Vec<&ReceivedSpan> = spans.iter().filter(|s| s.name() == name).collect();
    assert_eq!(
        found.len(),
        1,
        "one span named {name:?} among {:?}",
        spans.iter().map(ReceivedSpan::name).collect::<Vec<_>>()
    );
    found[0]
}

/// The one span of `kind` among `spans`.
pub fn of_kind(
    spans: &[ReceivedSpan],
    kind: traced_otlp_receiver::proto::tonic::trace::v1::span::SpanKind,
) -> &ReceivedSpan {
    let found: Vec<&ReceivedSpan> = spans.iter().filter(|s| s.kind() == kind).collect();
    assert_eq!(
        found.len(),
        1,
        "one {kind:?} span among {:?}",
        spans
            .iter()
            .map(|s| (s.name(), s.kind()))
            .collect::<Vec<_>>()
    );
    found[0]
}

pub fn string(value: &str) -> Option<Value> {
    Some(Value::String(value.to_owned()))
}
