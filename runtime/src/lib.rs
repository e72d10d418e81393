// The README is the crate's documentation (`runtime/README.md` links to the
// workspace's, so that the published crate holds it). Its examples need
// `traced-sdk` too, so they run as doctests there (`traced_sdk::ReadmeDoctests`).
#![cfg_attr(not(doctest), doc = include_str!("../README.md"))]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

pub mod backend;
pub mod baggage;
mod callsite;
mod clock;
pub mod context;
pub mod filter;
pub mod logs;
pub mod metrics;
pub mod propagation;
mod provider;
mod record;
mod span;
mod start;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

/// The OpenTelemetry API this crate is built on (`opentelemetry` with its `trace`
/// feature), re-exported so that `SpanKind`, `Status`, `Context` and the rest come
/// in the matching version.
pub use opentelemetry as otel;

pub use provider::set_tracer_provider;

/// Whether spans may be recorded: false while no tracer provider is installed (once
/// a span start has found none), true otherwise. One atomic load. Integrations ask
/// it first, so that a service with tracing off does no tracing work at all: no
/// header read, no name formatted.
///
/// ```
/// if traced::enabled() {
///     // ... work that only tracing needs ...
/// }
/// ```
#[inline]
#[must_use]
pub fn enabled() -> bool {
    provider::state() != provider::OFF
}
pub use record::{ArrayElement, ToValue, DEBUG_VALUE_MAX_LEN, PANIC_TYPE};
pub use span::{
    current_server_span, current_span, in_span, span, Entered, Instrument, Span, SpanBuilder,
    SpanGuard, SpanHandle, Traced,
};
pub use start::{IntoParent, LinkTarget};

/// Instruments a function, a method, or every method of an `impl` block.
///
/// Every option is described under [the attribute](crate#the-attribute) in the
/// crate's documentation; in short:
///
/// | option | effect |
/// |---|---|
/// | `name = "..."` | span name (default: the function's name; `Type::method` in a `#[traced] impl`) |
/// | `kind = internal \| server \| client \| producer \| consumer` | span kind |
/// | `attrs(key = expr, ...)` | extra attributes, evaluated on entry when the span records |
/// | `baggage(key, ...)` | baggage entries copied onto the span as attributes |
/// | `skip(a, b)`, `skip_all` | arguments left out |
/// | `record_err`, `record_err(Debug)` | an `Err` return fails the span |
/// | `ret` | records the returned value (the `Ok` value with `record_err`) as `return.value` |
/// | `parent = expr`, `root`, `links(expr, ...)` | where the span starts and what it links to |
/// | `metrics`, `metrics(attrs(key = expr, ...))` | every call's duration into a histogram, sampled or not (see [`metrics`]) |
/// | `crate = path` | where this crate is, for code that re-exports it |
/// | `off` | on a method of a `#[traced] impl`: leave it uninstrumented |
pub use traced_macros::traced;

/// The attribute `#[traced(ret)]` records the returned value under.
pub const RETURN_KEY: &str = "return.value";

/// The attribute a span gets when its future is dropped before completing.
pub const CANCELLED_KEY: &str = "traced.cancelled";
