//! The one hook through which an SDK crate (`traced-sdk`) plugs its fast path into
//! `traced`. Not for applications or libraries: they use `traced-sdk`'s setup, or
//! any tracer provider through [`crate::set_tracer_provider`].
//!
//! An SDK installs a tracer provider together with a [`Backend`] and the
//! [`SamplingRule`] that provider samples by. From then on, `traced` decides
//! sampling itself at every start: an unsampled span never reaches the SDK (it is
//! a context that carries the decision), and a sampled one is handed to
//! [`Backend::start`] with everything it needs, ids included. Spans started
//! through the plain OpenTelemetry API still go to the provider, which must sample
//! by the same rule and end its spans where the backend ends its own.
//!
//! ```
//! use std::sync::Arc;
//! use traced::backend::{Backend, SampledSpan, SamplingRule};
//! use traced::otel::trace::{noop::NoopTracerProvider, TraceContextExt};
//! use traced::otel::Context;
//!
//! /// Records nothing; a real backend puts its own span type in the context.
//! #[derive(Debug)]
//! struct Carrier;
//!
//! impl Backend for Carrier {
//!     fn start(&self, base: &Context, span: SampledSpan<'_>) -> Context {
//!         base.with_remote_span_context(span.context)
//!     }
//! }
//!
//! let installed = traced::backend::install(
//!     NoopTracerProvider::new(),
//!     SamplingRule::ParentBased(1.0),
//!     Arc::new(Carrier),
//! );
//! traced::backend::uninstall(installed);
//! ```

pub use crate::start::{Attributes, SamplingRule};

use crate::provider;
use opentelemetry::trace::{Link, SpanContext, SpanKind, TracerProvider};
use opentelemetry::Context;
use std::borrow::Cow;
use std::panic::PanicHookInfo;
use std::sync::Arc;
use std::time::SystemTime;

/// Builds the spans `traced` decided to sample.
pub trait Backend: Send + Sync + std::fmt::Debug + 'static {
    /// Starts `span` and returns `base` with it as the active span. The span must
    /// end when `traced` calls `end_with_timestamp` on it (the guard that owns it
    /// does, once); its identity is `span.context`.
    fn start(&self, base: &Context, span: SampledSpan<'_>) -> Context;
}

/// A span `traced` decided to sample, with everything known at its start.
pub struct SampledSpan<'a> {
    /// The new span's identity: trace id (the parent's, or a fresh one), a fresh
    /// span id, the sampled flag, the parent's trace state.
    pub context: SpanContext,
    /// The parent's identity; invalid for a root.
    pub parent: &'a SpanContext,
    /// The instrumentation scope: name and version.
    pub scope: (&'static str, Option<&'static str>),
    /// The span's name.
    pub name: Cow<'static, str>,
    /// The span's kind.
    pub kind: SpanKind,
    /// When the span started, by [`now`].
    pub start_time: SystemTime,
    /// Writes the span's attributes into the list it is given, after those it
    /// holds, in the order the call site wrote them; not limited by count (their
    /// values are within the value length limit). Call it once: a backend that
    /// keeps its lists for reuse writes straight into the span's own.
    pub attributes: &'a mut dyn FnMut(&mut Attributes),
    /// Links to other spans, valid ones only; not yet limited.
    pub links: Vec<Link>,
}

impl std::fmt::Debug for SampledSpan<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SampledSpan")
            .field("context", &self.context)
            .field("parent", self.parent)
            .field("scope", &self.scope)
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("start_time", &self.start_time)
            .field("links", &self.links)
            .finish_non_exhaustive()
    }
}

/// A failure `traced` offers whole to a span of its backend: an error returned
/// under `record_err`, a panic, [`crate::SpanHandle::record_error`]. See
/// [`take_failure`].
#[derive(Clone, Copy, Debug)]
pub struct Failure<'a> {
    /// `error.type`, and the exception's `exception.type`.
    pub type_name: &'static str,
    /// The status description, and the exception's `exception.message` (left out
    /// when empty); within the value length limit.
    pub message: &'a str,
    /// When the exception happened, if it is recorded as the span's `exception`
    /// event; `None` when exceptions go to logs only (`traced` emits the log
    /// record itself).
    pub exception_at: Option<SystemTime>,
}

/// For a backend's span, in its `set_status`: `traced` fails a span by calling
/// `set_status(Status::Unset)` on it, which every other span ignores, with a
/// failure on offer. This hands the failure to `take` and returns true, or
/// returns false when none is on offer.
///
/// A span that takes it records, within its limits:
/// - the attribute `error.type` = `type_name`;
/// - status Error described by `message`, unless its status is Error or Ok already;
/// - when `exception_at` is given, an `exception` event at that time, with
///   `exception.type` and `exception.message`.
///
/// A span that does not take it is failed through the OpenTelemetry API instead.
/// The offer saves the copies and lists the API needs: the message is formatted
/// into a buffer the thread keeps, and the span keeps what it needs in its own
/// record.
pub fn take_failure(take: impl FnOnce(Failure<'_>)) -> bool {
    crate::record::take_failure(take)
}

/// A backend installed by [`install`]; give it to [`uninstall`].
#[derive(Debug)]
#[must_use = "keep it to uninstall the backend"]
pub struct Installed {
    epoch: u64,
}

/// Installs `provider` as the global tracer provider, with `backend` building the
/// spans `traced` samples by `rule`. Call sites pick both up at their next call.
pub fn install<P, T, S>(provider: P, rule: SamplingRule, backend: Arc<dyn Backend>) -> Installed
where
    S: opentelemetry::trace::Span + Send + Sync + 'static,
    T: opentelemetry::trace::Tracer<Span = S> + Send + Sync + 'static,
    P: TracerProvider<Tracer = T> + Send + Sync + 'static,
{
    Installed {
        epoch: provider::install(provider, Some((rule, backend))),
    }
}

/// Uninstalls what [`install`] installed, unless another provider was installed
/// since: the global provider becomes a no-op one, and call sites go back to one
/// atomic load.
pub fn uninstall(installed: Installed) {
    provider::uninstall(installed.epoch);
}

/// The clock of span timestamps: the one `traced` stamps spans and events with.
#[must_use]
pub fn now() -> SystemTime {
    crate::clock::now()
}

pub use crate::record::{ARRAY_VALUE_MAX_LEN, DEFAULT_VALUE_LENGTH_LIMIT};

/// Sets the value length limit, in characters, that values are cut to when they
/// are recorded: arguments, `attrs`, `ret` values, attributes set through
/// `traced`, error and panic descriptions. `None` restores the default,
/// [`DEFAULT_VALUE_LENGTH_LIMIT`]. An SDK sets it from its configuration
/// (`OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`); it holds for the whole process, from
/// the next value recorded on, until it is set again.
///
/// A longer string keeps its first `limit` characters, with nothing added, as the
/// OpenTelemetry specification asks, and only they are copied; each string in an
/// array is cut the same way. Arrays keep at most their first
/// [`ARRAY_VALUE_MAX_LEN`] elements, and `Debug` output at most
/// [`crate::DEBUG_VALUE_MAX_LEN`] bytes, whatever the limit.
///
/// ```
/// use traced::ToValue;
/// use traced::otel::Value;
///
/// traced::backend::set_value_length_limit(Some(4));
/// assert_eq!(traced::backend::value_length_limit(), 4);
/// assert_eq!("héllo wörld".to_value(), Some(Value::from("héll")));
///
/// traced::backend::set_value_length_limit(None);
/// assert_eq!(
///     traced::backend::value_length_limit(),
///     traced::backend::DEFAULT_VALUE_LENGTH_LIMIT
/// );
/// ```
pub fn set_value_length_limit(limit: Option<usize>) {
    crate::record::set_value_length_limit(limit);
}

/// The value length limit in force, in characters; see [`set_value_length_limit`].
#[must_use]
pub fn value_length_limit() -> usize {
    crate::record::value_length_limit()
}

/// The part of a panic hook that lets a span ended by this panic carry its message
/// and location. A panic hook installed by the application calls it. It never
/// panics, even in a thread-local destructor: once this thread's thread-locals are
/// destroyed, the message is not kept.
pub fn remember_panic(info: &PanicHookInfo<'_>) {
    crate::record::remember_panic(info);
}
