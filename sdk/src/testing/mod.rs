//! Capturing finished spans in memory, to assert on them in tests.
//!
//! [`capture`] installs (once per process) an OpenTelemetry SDK tracer provider
//! that keeps every finished span, and returns a [`Capture`]. Captures are taken one
//! at a time: a second `capture()` waits until the first is dropped, so tests that
//! run in parallel threads do not see each other's spans.
//!
//! ```
//! #[traced::traced]
//! fn add(a: i64, b: i64) -> i64 { a + b }
//!
//! let capture = traced_sdk::testing::capture();
//! add(2, 3);
//! let spans = capture.finish();
//! let span = spans.named("add");
//! assert_eq!(span.attr("a"), Some(&traced::otel::Value::I64(2)));
//! ```

mod logs;
mod metrics;
mod spans;

pub use crate::metrics::{MetricPoint, PointValue};
pub use logs::{logs, CapturedLog, LogCapture};
pub use metrics::{metrics, metrics_with, MetricCapture};
pub use spans::{FinishedSpan, Spans};

use crate::native::{self, Pipeline};
use opentelemetry::trace::{SpanKind, TraceId};
use opentelemetry::Context;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{Sampler, ShouldSample, SpanData, SpanLimits, SpanProcessor};
use opentelemetry_sdk::Resource;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

static FINISHED: Mutex<Vec<SpanData>> = Mutex::new(Vec::new());
static TURN: Mutex<()> = Mutex::new(());
static SAMPLER: Mutex<Option<Sampler>> = Mutex::new(None);
static PROVIDER: OnceLock<(opentelemetry_sdk::trace::SdkTracerProvider, Arc<Pipeline>)> =
    OnceLock::new();

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Starts capturing finished spans, sampling every span.
pub fn capture() -> Capture {
    capture_with(Sampler::AlwaysOn)
}

/// Starts capturing finished spans, sampling with `sampler`.
pub fn capture_with(sampler: Sampler) -> Capture {
    let turn = lock(&TURN);
    let (provider, pipeline) = PROVIDER.get_or_init(|| {
        crate::install_panic_hook();
        crate::install_w3c_propagators();
        let resource = Resource::builder().build();
        let pipeline = Pipeline::new(vec![Box::new(Keep)], &resource, SpanLimits::default());
        let provider = native::provider(&pipeline, resource, SharedSampler);
        (provider, pipeline)
    });
    let rule = crate::sampling::rule_of(&sampler);
    *lock(&SAMPLER) = Some(sampler);
    // Installed for every capture: a test may have installed another provider. A
    // backend installed here stays until another provider replaces it.
    let _installed = native::install(provider, rule, pipeline);
    lock(&FINISHED).clear();
    Capture { _turn: turn }
}

/// Finished spans are kept while this lives; see [`capture`].
#[must_use = "spans are captured only while the capture is alive"]
#[derive(Debug)]
pub struct Capture {
    _turn: MutexGuard<'static, ()>,
}

impl Capture {
    /// The spans finished so far, in the order they ended.
    pub fn spans(&self) -> Spans {
        Spans(lock(&FINISHED).iter().cloned().map(FinishedSpan).collect())
    }

    /// Ends the capture and returns every span finished during it.
    pub fn finish(self) -> Spans {
        Spans(
            std::mem::take(&mut *lock(&FINISHED))
                .into_iter()
                .map(FinishedSpan)
                .collect(),
        )
    }
}

#[derive(Debug)]
struct Keep;

impl native::Processor for Keep {
    fn on_end_native(&self, span: native::Ended) {
        self.on_end(span.into_span_data(&mut native::Spares::default()));
    }
}

impl SpanProcessor for Keep {
    fn on_start(&self, _span: &mut opentelemetry_sdk::trace::Span, _cx: &Context) {}

    fn on_end(&self, span: SpanData) {
        lock(&FINISHED).push(span);
    }

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }
}

/// Samples with whatever sampler the current capture asked for.
#[derive(Clone, Debug)]
struct SharedSampler;

impl ShouldSample for SharedSampler {
    fn should_sample(
        &self,
        parent_context: Option<&Context>,
        trace_id: TraceId,
        name: &str,
        span_kind: &SpanKind,
        attributes: &[opentelemetry::KeyValue],
        links: &[opentelemetry::trace::Link],
    ) -> opentelemetry_sdk::trace::SamplingResult {
        let sampler = lock(&SAMPLER).clone().unwrap_or(Sampler::AlwaysOn);
        sampler.should_sample(parent_context, trace_id, name, span_kind, attributes, links)
    }
}
