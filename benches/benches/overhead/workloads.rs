//! The measured function, written every way the issue compares. Every variant runs
//! the same tiny [`body`]; only the instrumentation around it differs.

use opentelemetry::global;
use opentelemetry::trace::{
    FutureExt as _, Span as _, SpanContext, SpanId, Status, TraceContextExt as _, TraceFlags,
    TraceId, TraceState, Tracer as _,
};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::trace::SdkTracer;
use std::future::Future;
use std::hint::black_box;
use std::sync::OnceLock;
use std::task::{Poll, Waker};
use traced::traced;

/// The error of the `Err` path.
#[derive(Debug)]
pub struct WorkError(u64);

impl std::fmt::Display for WorkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "work {} failed", self.0)
    }
}

impl std::error::Error for WorkError {}

/// The one real await point of every async variant: pending at the first poll
/// (waking its task), ready at the second, as an await on I/O or a channel is.
#[derive(Default)]
pub struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();

    #[inline(always)]
    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// What every variant computes: `c` chooses the `Ok` or the `Err` path.
#[inline(always)]
fn body(a: u64, b: &str, c: bool) -> Result<u64, WorkError> {
    if c {
        Ok(a.wrapping_mul(31) ^ b.len() as u64)
    } else {
        Err(WorkError(a))
    }
}

// --- plain -------------------------------------------------------------------

#[inline(never)]
pub fn plain(a: u64, b: &str, c: bool) -> Result<u64, WorkError> {
    body(a, b, c)
}

#[inline(never)]
pub async fn plain_async(a: u64, b: &str, c: bool) -> Result<u64, WorkError> {
    YieldOnce::default().await;
    body(a, b, c)
}

// --- #[traced] ---------------------------------------------------------------

#[traced]
#[inline(never)]
pub fn traced_work(a: u64, b: &str, c: bool) -> Result<u64, WorkError> {
    body(a, b, c)
}

#[traced(record_err)]
#[inline(never)]
pub fn traced_work_err(a: u64, b: &str, c: bool) -> Result<u64, WorkError> {
    body(a, b, c)
}

#[traced]
#[inline(never)]
pub async fn traced_work_async(a: u64, b: &str, c: bool) -> Result<u64, WorkError> {
    YieldOnce::default().await;
    body(a, b, c)
}

#[traced(record_err)]
#[inline(never)]
pub async fn traced_work_err_async(a: u64, b: &str, c: bool) -> Result<u64, WorkError> {
    YieldOnce::default().await;
    body(a, b, c)
}

// --- OpenTelemetry by hand ---------------------------------------------------

const SCOPE: &str = "traced-benches";

/// The attributes, as the Go seed sets them (unconditionally): the same six
/// `#[traced]` records, the three arguments and where the function is.
fn attributes(a: u64, b: &str, c: bool) -> [KeyValue; 6] {
    #[allow(clippy::cast_possible_wrap)]
    let a = a as i64;
    [
        KeyValue::new("a", a),
        KeyValue::new("b", b.to_owned()),
        KeyValue::new("c", c),
        KeyValue::new("code.function.name", "overhead::workloads::work"),
        KeyValue::new("code.file.path", file!()),
        KeyValue::new("code.line.number", i64::from(line!())),
    ]
}

/// As the Go seed writes it: the global tracer, `start`, attributes,
/// `record_error` and `set_status` on error, `end`.
#[inline(never)]
pub fn by_hand(a: u64, b: &str, c: bool) -> Result<u64, WorkError> {
    let tracer = global::tracer(SCOPE);
    let mut span = tracer.start("by_hand");
    span.set_attributes(attributes(a, b, c));
    let out = body(a, b, c);
    if let Err(e) = &out {
        span.record_error(e);
        span.set_status(Status::error(e.to_string()));
    }
    span.end();
    out
}

/// The same, with the span made current while the body runs.
#[inline(never)]
pub fn by_hand_current(a: u64, b: &str, c: bool) -> Result<u64, WorkError> {
    let tracer = global::tracer(SCOPE);
    let mut span = tracer.start("by_hand_current");
    span.set_attributes(attributes(a, b, c));
    let cx = Context::current_with_span(span);
    let _current = cx.clone().attach();
    let out = body(a, b, c);
    let span = cx.span();
    if let Err(e) = &out {
        span.record_error(e);
        span.set_status(Status::error(e.to_string()));
    }
    span.end();
    out
}

/// The async version: the span's context is current while the future is polled.
#[inline(never)]
pub async fn by_hand_async(a: u64, b: &str, c: bool) -> Result<u64, WorkError> {
    let tracer = global::tracer(SCOPE);
    let mut span = tracer.start("by_hand_async");
    span.set_attributes(attributes(a, b, c));
    let cx = Context::current_with_span(span);
    let out = async {
        YieldOnce::default().await;
        body(a, b, c)
    }
    .with_context(cx.clone())
    .await;
    let span = cx.span();
    if let Err(e) = &out {
        span.record_error(e);
        span.set_status(Status::error(e.to_string()));
    }
    span.end();
    out
}

/// SDK tracers held for the whole run: what OpenTelemetry costs without the global
/// provider's lock, boxes and dynamic dispatch.
pub static HELD_SAMPLED: OnceLock<SdkTracer> = OnceLock::new();
pub static HELD_UNSAMPLED: OnceLock<SdkTracer> = OnceLock::new();

#[inline(always)]
fn held(
    tracer: &SdkTracer,
    name: &'static str,
    a: u64,
    b: &str,
    c: bool,
) -> Result<u64, WorkError> {
    let mut span = tracer.start(name);
    if span.is_recording() {
        span.set_attributes(attributes(a, b, c));
    }
    let cx = Context::current_with_span(span);
    let _current = cx.clone().attach();
    let out = body(a, b, c);
    let span = cx.span();
    if let Err(e) = &out {
        span.record_error(e);
        span.set_status(Status::error(e.to_string()));
    }
    span.end();
    out
}

#[inline(never)]
pub fn held_sampled(a: u64, b: &str, c: bool) -> Result<u64, WorkError> {
    held(HELD_SAMPLED.get().expect("set up"), "held", a, b, c)
}

#[inline(never)]
pub fn held_unsampled(a: u64, b: &str, c: bool) -> Result<u64, WorkError> {
    held(HELD_UNSAMPLED.get().expect("set up"), "held", a, b, c)
}

// --- peers -------------------------------------------------------------------

#[tracing::instrument]
#[inline(never)]
pub fn tracing_work(a: u64, b: &str, c: bool) -> Result<u64, WorkError> {
    body(a, b, c)
}

/// fastrace records the same three arguments, as properties (its data model:
/// strings, formatted when the span is sampled).
#[fastrace::trace(short_name = true, properties = { "a": "{a}", "b": "{b}", "c": "{c}" })]
#[inline(never)]
pub fn fastrace_work(a: u64, b: &str, c: bool) -> Result<u64, WorkError> {
    body(a, b, c)
}

// --- driving them ------------------------------------------------------------

/// Runs `f` inside a trace that an upstream service decided not to sample: the
/// context of an incoming request whose `traceparent` has the sampled flag clear.
/// Most calls of an unsampled trace are like this; only its first span is a root.
#[inline(always)]
pub fn in_unsampled_trace(f: impl FnOnce()) {
    let parent = SpanContext::new(
        TraceId::from(0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736),
        SpanId::from(0x00f0_67aa_0ba9_02b7),
        TraceFlags::default(),
        true,
        TraceState::NONE,
    );
    let _request = Context::new().with_remote_span_context(parent).attach();
    f();
}

const WHO: &str = "user-42";

/// `calls` calls of `f`, on the `Ok` path or the `Err` path. Never inlined, and
/// named so: `--instructions` counts what runs inside it (callgrind's
/// `--toggle-collect=overhead::workloads::repeat*`).
#[inline(never)]
pub fn repeat<R>(calls: u64, ok: bool, f: impl Fn(u64, &'static str, bool) -> R) {
    for i in 0..calls {
        black_box(f(black_box(i), black_box(WHO), black_box(ok)));
    }
}

/// The same for an async function, each future polled to completion.
#[inline(never)]
pub fn repeat_async<F: Future>(calls: u64, ok: bool, f: impl Fn(u64, &'static str, bool) -> F) {
    for i in 0..calls {
        black_box(block_on(f(black_box(i), black_box(WHO), black_box(ok))));
    }
}

/// The smallest executor: polls with a waker that does nothing until ready.
#[inline(always)]
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}
