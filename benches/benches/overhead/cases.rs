//! The configurations measured: which function runs, on which path, in which
//! telemetry setup, and what it is compared with.
//!
//! A case's id reads `tool/shape/path/setup` (`traced/sync/ok/sampled`): the shape
//! and path choose its table and its plain reference (`plain/sync/ok`).

use crate::telemetry::Global;
use crate::workloads::{self, repeat, repeat_async};
use traced_benches::measure::Case;

/// What a case needs around its calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Env {
    /// Whatever the global provider is: the case does not use it.
    Any,
    Provider(Global),
    /// Inside `tracing::dispatcher::with_default` with tracing-opentelemetry.
    TracingOtel,
    /// Under a fastrace root span made the local parent.
    FastraceRoot,
    /// The unsampled provider of `traced_sdk::Setup`, installed for the case.
    TracedSetup,
    /// The sampled provider of `traced_sdk::Setup`, into the counting exporter.
    TracedSetupSampled,
    /// The same, with the filter switching the workloads' call sites off.
    SwitchedOff,
}

/// A case and how to run it.
pub struct Spec {
    pub case: Case,
    pub env: Env,
    /// Makes `calls` calls on the `Ok` path (`true`) or the `Err` path.
    pub run: fn(u64, bool),
    pub ok: bool,
}

/// Calls per batch at most, for cases whose spans wait in a queue until the flush
/// that follows the case (fastrace keeps at most 10 240 spans under one local parent).
pub const SPAN_BATCH: u64 = 8000;

const NONE: Env = Env::Provider(Global::NoProvider);
const OFF: Env = Env::Provider(Global::Unsampled);
const ON: Env = Env::Provider(Global::Sampled);

fn case(id: &'static str, label: &'static str, env: Env, run: fn(u64, bool)) -> Spec {
    let parts: Vec<&str> = id.split('/').collect();
    let (section, plain) = match (parts[1], parts[2]) {
        ("sync", "ok") => ("sync, `Ok` path", "plain/sync/ok"),
        ("sync", "err") => ("sync, `Err` path (`record_err`)", "plain/sync/err"),
        ("async", "ok") => ("async, `Ok` path", "plain/async/ok"),
        ("async", "err") => ("async, `Err` path (`record_err`)", "plain/async/err"),
        _ => panic!("case id {id} is not tool/shape/path/setup"),
    };
    Spec {
        case: Case {
            id,
            label,
            section,
            plain: (plain != id).then_some(plain),
            by_hand: None,
            exports: None,
            max_batch: u64::MAX,
        },
        env,
        run,
        ok: parts[2] == "ok",
    }
}

impl Spec {
    /// The hand-written OpenTelemetry case this one is compared with.
    fn hand(mut self, by_hand: &'static str) -> Spec {
        self.case.by_hand = Some(by_hand);
        self
    }

    /// The span name under which this case's calls reach the exporter.
    fn exports(mut self, span_name: &'static str) -> Spec {
        self.case.exports = Some(span_name);
        self.case.max_batch = SPAN_BATCH;
        self
    }
}

macro_rules! sync {
    ($f:path) => {
        |n, ok| repeat(n, ok, $f)
    };
}

/// The same, inside a trace an upstream service did not sample.
macro_rules! child {
    ($repeat:ident, $f:path) => {
        |n, ok| workloads::in_unsampled_trace(|| $repeat(n, ok, $f))
    };
}

macro_rules! poll {
    ($f:path) => {
        |n, ok| repeat_async(n, ok, $f)
    };
}

/// Every case, in table order.
#[allow(clippy::too_many_lines)]
pub fn all() -> Vec<Spec> {
    use workloads::{
        by_hand, by_hand_async, by_hand_current, fastrace_work, held_sampled, held_unsampled,
        plain, plain_async, traced_work, traced_work_async, traced_work_err, traced_work_err_async,
        tracing_work,
    };
    vec![
        // sync, Ok
        case("plain/sync/ok", "plain", Env::Any, sync!(plain)),
        case(
            "traced/sync/ok/none",
            "#[traced], no provider",
            NONE,
            sync!(traced_work),
        ),
        case(
            "traced/sync/ok/switched-off",
            "#[traced], switched off by the filter (traced's Setup, sampling on)",
            Env::SwitchedOff,
            sync!(traced_work),
        ),
        case(
            "traced/sync/ok/unsampled",
            "#[traced], unsampled",
            OFF,
            sync!(traced_work),
        )
        .hand("by-hand-current/sync/ok/unsampled"),
        case(
            "traced/sync/ok/setup-unsampled",
            "#[traced], unsampled, traced's Setup",
            Env::TracedSetup,
            sync!(traced_work),
        )
        .hand("by-hand-current/sync/ok/unsampled"),
        case(
            "traced/sync/ok/setup-unsampled-child",
            "#[traced], unsampled, traced's Setup, inside an unsampled trace",
            Env::TracedSetup,
            child!(repeat, traced_work),
        )
        .hand("by-hand-current/sync/ok/unsampled-child"),
        case(
            "traced/sync/ok/sampled",
            "#[traced], sampled",
            ON,
            sync!(traced_work),
        )
        .hand("by-hand-current/sync/ok/sampled")
        .exports("traced_work"),
        case(
            "traced/sync/ok/setup-sampled",
            "#[traced], sampled, traced's Setup",
            Env::TracedSetupSampled,
            sync!(traced_work),
        )
        .hand("by-hand-current/sync/ok/sampled")
        .exports("traced_work"),
        case(
            "by-hand/sync/ok/unsampled",
            "OTel by hand (Go seed), unsampled",
            OFF,
            sync!(by_hand),
        ),
        case(
            "by-hand/sync/ok/sampled",
            "OTel by hand (Go seed), sampled",
            ON,
            sync!(by_hand),
        )
        .exports("by_hand"),
        case(
            "by-hand-current/sync/ok/unsampled",
            "OTel by hand, span current, unsampled",
            OFF,
            sync!(by_hand_current),
        ),
        case(
            "by-hand-current/sync/ok/unsampled-child",
            "OTel by hand, span current, unsampled, inside an unsampled trace",
            OFF,
            child!(repeat, by_hand_current),
        ),
        case(
            "by-hand-current/sync/ok/sampled",
            "OTel by hand, span current, sampled",
            ON,
            sync!(by_hand_current),
        )
        .exports("by_hand_current"),
        case(
            "held/sync/ok/unsampled",
            "OTel, SDK tracer held, span current, unsampled (floor)",
            OFF,
            sync!(held_unsampled),
        )
        .hand("by-hand-current/sync/ok/unsampled"),
        case(
            "held/sync/ok/sampled",
            "OTel, SDK tracer held, span current, sampled (floor)",
            ON,
            sync!(held_sampled),
        )
        .hand("by-hand-current/sync/ok/sampled")
        .exports("held"),
        case(
            "tracing/sync/ok/none",
            "tracing #[instrument], no subscriber",
            Env::Any,
            sync!(tracing_work),
        ),
        case(
            "tracing/sync/ok/otel",
            "tracing #[instrument] → tracing-opentelemetry → SDK",
            Env::TracingOtel,
            sync!(tracing_work),
        )
        .hand("by-hand-current/sync/ok/sampled")
        .exports("tracing_work"),
        case(
            "fastrace/sync/ok/no-root",
            "fastrace #[trace], no root (disabled)",
            Env::Any,
            sync!(fastrace_work),
        ),
        case(
            "fastrace/sync/ok/root",
            "fastrace #[trace] under an open root",
            Env::FastraceRoot,
            sync!(fastrace_work),
        )
        .hand("by-hand-current/sync/ok/sampled")
        .exports("fastrace_work"),
        // sync, Err
        case("plain/sync/err", "plain", Env::Any, sync!(plain)),
        case(
            "traced/sync/err/none",
            "#[traced(record_err)], no provider",
            NONE,
            sync!(traced_work_err),
        ),
        case(
            "traced/sync/err/unsampled",
            "#[traced(record_err)], unsampled",
            OFF,
            sync!(traced_work_err),
        )
        .hand("by-hand-current/sync/err/unsampled"),
        case(
            "traced/sync/err/sampled",
            "#[traced(record_err)], sampled",
            ON,
            sync!(traced_work_err),
        )
        .hand("by-hand-current/sync/err/sampled")
        .exports("traced_work_err"),
        case(
            "traced/sync/err/setup-sampled",
            "#[traced(record_err)], sampled, traced's Setup",
            Env::TracedSetupSampled,
            sync!(traced_work_err),
        )
        .hand("by-hand-current/sync/err/sampled")
        .exports("traced_work_err"),
        case(
            "by-hand/sync/err/unsampled",
            "OTel by hand (Go seed), unsampled",
            OFF,
            sync!(by_hand),
        ),
        case(
            "by-hand/sync/err/sampled",
            "OTel by hand (Go seed), sampled",
            ON,
            sync!(by_hand),
        )
        .exports("by_hand"),
        case(
            "by-hand-current/sync/err/unsampled",
            "OTel by hand, span current, unsampled",
            OFF,
            sync!(by_hand_current),
        ),
        case(
            "by-hand-current/sync/err/sampled",
            "OTel by hand, span current, sampled",
            ON,
            sync!(by_hand_current),
        )
        .exports("by_hand_current"),
        // async, Ok
        case("plain/async/ok", "plain", Env::Any, poll!(plain_async)),
        case(
            "traced/async/ok/none",
            "#[traced], no provider",
            NONE,
            poll!(traced_work_async),
        ),
        case(
            "traced/async/ok/switched-off",
            "#[traced], switched off by the filter (traced's Setup, sampling on)",
            Env::SwitchedOff,
            poll!(traced_work_async),
        ),
        case(
            "traced/async/ok/unsampled",
            "#[traced], unsampled",
            OFF,
            poll!(traced_work_async),
        )
        .hand("by-hand/async/ok/unsampled"),
        case(
            "traced/async/ok/setup-unsampled",
            "#[traced], unsampled, traced's Setup",
            Env::TracedSetup,
            poll!(traced_work_async),
        )
        .hand("by-hand/async/ok/unsampled"),
        case(
            "traced/async/ok/setup-unsampled-child",
            "#[traced], unsampled, traced's Setup, inside an unsampled trace",
            Env::TracedSetup,
            child!(repeat_async, traced_work_async),
        )
        .hand("by-hand/async/ok/unsampled-child"),
        case(
            "traced/async/ok/sampled",
            "#[traced], sampled",
            ON,
            poll!(traced_work_async),
        )
        .hand("by-hand/async/ok/sampled")
        .exports("traced_work_async"),
        case(
            "traced/async/ok/setup-sampled",
            "#[traced], sampled, traced's Setup",
            Env::TracedSetupSampled,
            poll!(traced_work_async),
        )
        .hand("by-hand/async/ok/sampled")
        .exports("traced_work_async"),
        case(
            "by-hand/async/ok/unsampled",
            "OTel by hand, `with_context`, unsampled",
            OFF,
            poll!(by_hand_async),
        ),
        case(
            "by-hand/async/ok/unsampled-child",
            "OTel by hand, `with_context`, unsampled, inside an unsampled trace",
            OFF,
            child!(repeat_async, by_hand_async),
        ),
        case(
            "by-hand/async/ok/sampled",
            "OTel by hand, `with_context`, sampled",
            ON,
            poll!(by_hand_async),
        )
        .exports("by_hand_async"),
        // async, Err
        case("plain/async/err", "plain", Env::Any, poll!(plain_async)),
        case(
            "traced/async/err/none",
            "#[traced(record_err)], no provider",
            NONE,
            poll!(traced_work_err_async),
        ),
        case(
            "traced/async/err/unsampled",
            "#[traced(record_err)], unsampled",
            OFF,
            poll!(traced_work_err_async),
        )
        .hand("by-hand/async/err/unsampled"),
        case(
            "traced/async/err/sampled",
            "#[traced(record_err)], sampled",
            ON,
            poll!(traced_work_err_async),
        )
        .hand("by-hand/async/err/sampled")
        .exports("traced_work_err_async"),
        case(
            "by-hand/async/err/unsampled",
            "OTel by hand, `with_context`, unsampled",
            OFF,
            poll!(by_hand_async),
        ),
        case(
            "by-hand/async/err/sampled",
            "OTel by hand, `with_context`, sampled",
            ON,
            poll!(by_hand_async),
        )
        .exports("by_hand_async"),
    ]
}

/// What each configuration does exactly, for the report.
pub const DESCRIPTION: &str = r#"
Every variant is `#[inline(never)]` and runs the same body, `if c { Ok(a.wrapping_mul(31) ^ b.len() as u64) } else { Err(WorkError(a)) }`,
with `a`, `b` (`"user-42"`), `c` and the result passed through `std::hint::black_box`. The `Ok` sections call with `c = true`,
the `Err` sections with `c = false`. Source: `benches/benches/overhead/workloads.rs`.

- **plain**: no instrumentation; the `Err` and async sections have their own plain row, and ratios use the plain row of their section.
- **`#[traced]`, no provider**: the global provider is a no-op one installed with `traced::set_tracer_provider`; the first call
  notices and the rest cost an atomic load. **unsampled**: an SDK provider with `Sampler::AlwaysOff` (its batch processor
  and counting exporter must receive nothing). **sampled**: an SDK provider with `Sampler::AlwaysOn` and a
  `BatchSpanProcessor` (its defaults: queue of 2048 spans, batches of 512, delay; the `--large-queue` table sizes the queue
  so that nothing is dropped) into an exporter that
  counts the spans it receives and discards them. Providers are switched between configurations with
  `traced::set_tracer_provider`. `#[traced]` records `a`, `b`, `c` and `code.function.name`, `code.file.path`,
  `code.line.number`, and makes the span current while the body runs (the future is polled).
  **unsampled, traced's Setup**: the provider `traced_sdk::Setup` builds with `SamplerKind::AlwaysOff` (console exporter
  writing nowhere), installed anew for each round of the case: with a provider it built, `traced` decides sampling itself,
  before the SDK. **sampled, traced's Setup**: `Setup` with `SamplerKind::AlwaysOn` and the same counting exporter given
  with `Setup::exporter` (behind traced-sdk's queue, at its default of 2048 spans unless the table says otherwise): `traced` decides sampling and builds
  each span on `traced-sdk`'s native pipeline, handing standard `SpanData` to that processor when it ends (`sdk/src/native/`).
- **inside an unsampled trace**: the calls run under the context of an incoming request whose `traceparent` has the
  sampled flag clear (a remote parent, not sampled, made current once per batch): the calls of a trace that was not
  sampled upstream, or below the first span of one sampled out here. The other unsampled rows are roots: the one
  call per trace that draws a new trace id.
- **`record_err`**: on `Err`, status Error described by `Display`, `error.type`, and an `exception` event.
- **async**: every `async fn` (plain, `#[traced]`, by hand) awaits one real pending point before its body: a future that
  wakes its task and returns `Pending` at its first poll, `Ready` at its second, as an await on I/O does. Each call is polled
  to completion (twice) by a loop with `std::task::Waker::noop()`: no runtime.
- **OTel by hand (Go seed)**: as the seed writes it: `global::tracer(..)` on every call, `tracer.start(..)`,
  `set_attributes` with the same six attributes `#[traced]` records (`a`, `b` copied into a `String`, `c`, and
  `code.function.name`, `code.file.path`, `code.line.number` as static strings and an integer), set whether or not the span
  records, on `Err` `record_error` and `set_status(Status::error(..))`, then `span.end()`. No `error.type`.
  **span current**: the same, with `Context::current_with_span(span)` attached while the body runs.
  **async, `with_context`**: the same around `async { body }.with_context(cx)`.
- **OTel, SDK tracer held (floor)**: an `SdkTracer` obtained once, no global provider, no boxing; attributes only if the span
  records; span current. Not a peer: what OpenTelemetry's SDK costs through its API, close to the floor for standard OTel spans.
- **tracing `#[instrument]`**: records `a`, `b`, `c`. *No subscriber*: none was ever set as the global default (the interest
  cache is rebuilt after each tracing-opentelemetry round). *tracing-opentelemetry*: inside
  `tracing::dispatcher::with_default` with `Registry` + `tracing_opentelemetry::layer()` (default settings: code location,
  thread ids, inactivity tracking, context activation) over a tracer of the same sampled SDK provider.
- **fastrace `#[trace]`** (feature `enable`), recording the same three arguments as properties
  (`properties = { "a": "{a}", "b": "{b}", "c": "{c}" }`: its data model is strings). *No root (disabled)*: no local parent span, so the
  call records nothing. *Under an open root*: each batch runs under `Span::root(..)` made the local parent (the root's
  cost is in the time, spread over the batch), with a reporter that counts and discards the spans (roots not counted),
  default `Config`.
- After each configuration's batches, whatever it queued is flushed (`force_flush`, `fastrace::flush`), outside the timed
  batches but inside the CPU time.
"#;
