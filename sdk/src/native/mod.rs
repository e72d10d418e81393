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

mod span;

use opentelemetry::trace::TraceContextExt as _;
use opentelemetry::Context;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanData, SpanLimits, SpanProcessor};
use opentelemetry_sdk::Resource;
use span::NativeSpan;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use traced::backend::{Backend, SampledSpan, SamplingRule};

/// The span processors of a provider this crate built.
#[derive(Debug)]
pub(crate) struct Pipeline {
    processors: Vec<Box<dyn SpanProcessor>>,
    pub(crate) limits: SpanLimits,
    shut: AtomicBool,
}

impl Pipeline {
    /// The pipeline over `processors`, which learn the provider's `resource` here
    /// (the provider's own call reaches [`Shared`], which cannot lend them out).
    /// `limits` must be the provider's too.
    pub(crate) fn new(
        mut processors: Vec<Box<dyn SpanProcessor>>,
        resource: &Resource,
        limits: SpanLimits,
    ) -> Arc<Self> {
        for processor in &mut processors {
            processor.set_resource(resource);
        }
        Arc::new(Pipeline {
            processors,
            limits,
            shut: AtomicBool::new(false),
        })
    }

    pub(crate) fn end(&self, data: SpanData) {
        if self.shut.load(Ordering::Relaxed) {
            return;
        }
        match self.processors.as_slice() {
            [] => {}
            [one] => one.on_end(data),
            [many @ .., last] => {
                for processor in many {
                    processor.on_end(data.clone());
                }
                last.on_end(data);
            }
        }
    }

    fn each(&self, f: impl Fn(&dyn SpanProcessor) -> OTelSdkResult) -> OTelSdkResult {
        let mut first_error = Ok(());
        for processor in &self.processors {
            let result = f(processor.as_ref());
            if first_error.is_ok() {
                first_error = result;
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
        self.0.each(|p| p.force_flush())
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        if self.0.shut.swap(true, Ordering::AcqRel) {
            return Err(OTelSdkError::AlreadyShutdown);
        }
        self.0.each(|p| p.shutdown_with_timeout(timeout))
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
