//! The native span pipeline: the backend this crate plugs into `traced` (see
//! `traced::backend`).
//!
//! When `traced` has decided that a call is sampled, the backend builds the span
//! ([`NativeSpan`]) and, when it ends, hands standard `SpanData` to the provider's
//! span processors: the same processors, batch queues and exporters as every span
//! the SDK makes, so any OpenTelemetry exporter still works. What it leaves out is
//! the SDK tracer's work that a decided span does not need: the sampler call, the
//! builder, a second copy of the span's data, the tracer handle each SDK span keeps,
//! and two system clock reads (`traced` stamps spans with its own clock).
//!
//! The provider is built with one processor, [`Shared`], over a [`Pipeline`] that
//! both kinds of span end into. This crate makes every processor of the pipeline,
//! and none of them does anything when a span starts, so native spans skip
//! `on_start` without anyone noticing.
//!
//! A native span ends compact ([`Ended`]): its processors ([`Processor`]) queue it
//! as it is, and its `SpanData` is made on the export worker, so the thread that
//! ran the span allocates nothing to end it.

mod span;

pub(crate) use span::{Ended, Spares};

use crate::export::ExportStats;
use opentelemetry::trace::TraceContextExt as _;
use opentelemetry::Context;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanData, SpanLimits, SpanProcessor};
use opentelemetry_sdk::Resource;
use span::NativeSpan;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};
use traced::backend::{Backend, SampledSpan, SamplingRule};

/// How long a flush through the provider (not the guard) waits in all: the SDK's
/// own flush timeout.
const PROVIDER_FLUSH_TIMEOUT: Duration = Duration::from_secs(5);

/// A span processor of this crate's, which also takes native spans as they end.
pub(crate) trait Processor: SpanProcessor {
    /// A native span ended: queue it, or make its data now.
    fn on_end_native(&self, span: Ended);
}

/// The span processors of a provider this crate built.
#[derive(Debug)]
pub(crate) struct Pipeline {
    processors: Vec<Arc<dyn Processor>>,
    pub(crate) limits: SpanLimits,
    shut: AtomicBool,
    /// Counts every span that ends, once, whatever the number of processors.
    stats: Option<Arc<ExportStats>>,
}

impl Pipeline {
    /// The pipeline over `processors`, which learn the provider's `resource` here
    /// (the provider's own call reaches [`Shared`], which cannot lend them out).
    /// `limits` must be the provider's too.
    #[cfg(feature = "testing")]
    pub(crate) fn new(
        processors: Vec<Box<dyn Processor>>,
        resource: &Resource,
        limits: SpanLimits,
    ) -> Arc<Self> {
        Self::build(processors, resource, limits, None)
    }

    /// [`Pipeline::new`], counting each span that ends into `stats`, also one that
    /// ends after shutdown began (it is lost, and the report says so).
    pub(crate) fn counted(
        processors: Vec<Box<dyn Processor>>,
        resource: &Resource,
        limits: SpanLimits,
        stats: &Arc<ExportStats>,
    ) -> Arc<Self> {
        let stats = (!processors.is_empty()).then(|| Arc::clone(stats));
        Self::build(processors, resource, limits, stats)
    }

    fn build(
        processors: Vec<Box<dyn Processor>>,
        resource: &Resource,
        limits: SpanLimits,
        stats: Option<Arc<ExportStats>>,
    ) -> Arc<Self> {
        let processors = processors
            .into_iter()
            .map(|mut processor| {
                processor.set_resource(resource);
                Arc::from(processor)
            })
            .collect();
        Arc::new(Pipeline {
            processors,
            limits,
            shut: AtomicBool::new(false),
            stats,
        })
    }

    pub(crate) fn end(&self, data: SpanData) {
        self.deliver(data, |processor, data| processor.on_end(data));
    }

    /// [`Pipeline::end`], for a native span.
    pub(crate) fn end_native(&self, span: Ended) {
        self.deliver(span, |processor, span| processor.on_end_native(span));
    }

    /// Counts `span` as ended and hands it to every processor with `on_end`
    /// (a copy to each but the last), unless the pipeline is shut down.
    #[inline]
    fn deliver<T: Clone>(&self, span: T, on_end: impl Fn(&dyn Processor, T)) {
        if let Some(stats) = &self.stats {
            stats.span_ended();
        }
        if self.shut.load(Ordering::Relaxed) {
            return;
        }
        match self.processors.as_slice() {
            [] => {}
            [one] => on_end(&**one, span),
            [many @ .., last] => {
                for processor in many {
                    on_end(&**processor, span.clone());
                }
                on_end(&**last, span);
            }
        }
    }

    /// Exports what every processor holds, waiting at most `timeout` in all.
    pub(crate) fn flush_within(&self, timeout: Duration) -> OTelSdkResult {
        self.each_within(timeout, |p, _| p.force_flush())
    }

    /// Shuts every processor down, waiting at most `timeout` in all; spans that
    /// end from now on are dropped (and counted).
    pub(crate) fn shutdown_within(&self, timeout: Duration) -> OTelSdkResult {
        if self.shut.swap(true, Ordering::AcqRel) {
            return Err(OTelSdkError::AlreadyShutdown);
        }
        self.each_within(timeout, |p, left| p.shutdown_with_timeout(left))
    }

    /// Runs `f` on every processor at once, each on a thread of its own, and waits
    /// for them until `timeout` has passed: one deadline for all, however many
    /// are stuck. A processor still busy then finishes in the background (its
    /// spans not delivered by then count as lost). `f` gets the time left.
    fn each_within(
        &self,
        timeout: Duration,
        f: fn(&dyn Processor, Duration) -> OTelSdkResult,
    ) -> OTelSdkResult {
        let deadline = Instant::now().checked_add(timeout);
        let left = || deadline.map_or(timeout, |d| d.saturating_duration_since(Instant::now()));
        let (done, results) = mpsc::channel();
        let mut first_error = Ok(());
        let mut pending = 0_usize;
        for processor in &self.processors {
            let processor = Arc::clone(processor);
            let done = done.clone();
            let time_left = left();
            let spawned = std::thread::Builder::new()
                .name("traced-shutdown".into())
                .spawn(move || {
                    let _ = done.send(f(&*processor, time_left));
                });
            match spawned {
                Ok(_) => pending += 1,
                Err(e) => {
                    if first_error.is_ok() {
                        first_error = Err(OTelSdkError::InternalFailure(e.to_string()));
                    }
                }
            }
        }
        drop(done);
        while pending > 0 {
            match results.recv_timeout(left()) {
                Ok(result) => {
                    pending -= 1;
                    if first_error.is_ok() {
                        first_error = result;
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => return Err(OTelSdkError::Timeout(timeout)),
                // A processor panicked: nothing more to wait for.
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        first_error
    }
}

/// The one processor of a provider this crate built: spans the SDK makes (by hand,
/// through the OpenTelemetry API) reach the same pipeline as native ones.
#[derive(Debug)]
pub(crate) struct Shared(pub(crate) Arc<Pipeline>);

impl SpanProcessor for Shared {
    fn on_start(&self, span: &mut opentelemetry_sdk::trace::Span, cx: &Context) {
        for processor in &self.0.processors {
            processor.on_start(span, cx);
        }
    }

    fn on_end(&self, span: SpanData) {
        self.0.end(span);
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.0.flush_within(PROVIDER_FLUSH_TIMEOUT)
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.0.shutdown_within(timeout)
    }
}

/// The backend over a pipeline: builds the spans `traced` decided to sample.
#[derive(Debug)]
struct Native(Arc<Pipeline>);

impl Backend for Native {
    fn start(&self, base: &Context, span: SampledSpan<'_>) -> Context {
        base.with_span(NativeSpan::start(&self.0, span))
    }
}

/// Installs `provider`, whose one processor is [`Shared`] over `pipeline` and which
/// samples by `rule` (or by a sampler `traced` cannot apply, for `None`), as the
/// global provider. With a rule, `traced` decides sampling and builds sampled spans
/// into `pipeline` itself.
pub(crate) fn install(
    provider: &SdkTracerProvider,
    rule: Option<SamplingRule>,
    pipeline: &Arc<Pipeline>,
) -> Option<traced::backend::Installed> {
    match rule {
        Some(rule) => Some(traced::backend::install(
            provider.clone(),
            rule,
            Arc::new(Native(Arc::clone(pipeline))),
        )),
        None => {
            traced::set_tracer_provider(provider.clone());
            None
        }
    }
}

/// The provider over `pipeline`, with `sampler`.
pub(crate) fn provider(
    pipeline: &Arc<Pipeline>,
    resource: Resource,
    sampler: impl opentelemetry_sdk::trace::ShouldSample + 'static,
) -> SdkTracerProvider {
    SdkTracerProvider::builder()
        .with_span_limits(pipeline.limits)
        .with_resource(resource)
        .with_sampler(sampler)
        .with_span_processor(Shared(Arc::clone(pipeline)))
        .build()
}
