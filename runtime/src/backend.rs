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

pub use crate::start::SamplingRule;

use crate::provider;
use opentelemetry::trace::{Link, SpanContext, SpanKind, TracerProvider};
use opentelemetry::{Context, KeyValue};
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
#[derive(Debug)]
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
    /// The span's attributes, in the order they were written; not yet limited.
    pub attributes: Vec<KeyValue>,
    /// Links to other spans, valid ones only; not yet limited.
    pub links: Vec<Link>,
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

/// The part of a panic hook that lets a span ended by this panic carry its message
/// and location. A panic hook installed by the application calls it.
pub fn remember_panic(info: &PanicHookInfo<'_>) {
    crate::record::remember_panic(info);
}
