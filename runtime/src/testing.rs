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
//! let capture = traced::testing::capture();
//! add(2, 3);
//! let spans = capture.finish();
//! let span = spans.named("add");
//! assert_eq!(span.attr("a"), Some(&opentelemetry::Value::I64(2)));
//! ```

use crate::lean::{Pipeline, Shared};
use crate::sampling::Coordinated;
use opentelemetry::trace::{SpanId, SpanKind, Status, TraceId};
use opentelemetry::{Context, Value};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::SpanLimits;
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider, ShouldSample, SpanData, SpanProcessor};
use opentelemetry_sdk::Resource;
use std::sync::Arc;
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

static FINISHED: Mutex<Vec<SpanData>> = Mutex::new(Vec::new());
static TURN: Mutex<()> = Mutex::new(());
static SAMPLER: Mutex<Option<Sampler>> = Mutex::new(None);
static PROVIDER: OnceLock<(SdkTracerProvider, Arc<Pipeline>)> = OnceLock::new();

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
        crate::setup::install_w3c_propagators();
        let pipeline = Pipeline::new(
            vec![Box::new(Keep)],
            &Resource::builder().build(),
            SpanLimits::default(),
        );
        let provider = SdkTracerProvider::builder()
            .with_span_limits(SpanLimits::default())
            .with_sampler(SharedSampler)
            .with_span_processor(Shared(Arc::clone(&pipeline)))
            .build();
        (provider, pipeline)
    });
    let rule = crate::sampling::rule_of(&sampler);
    *lock(&SAMPLER) = Some(sampler);
    // Installed for every capture: a test may have installed another provider.
    let _ = crate::provider::install_sdk(provider, rule, Some(Arc::clone(pipeline)));
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

/// Finished spans, in the order they ended.
#[derive(Clone, Debug)]
pub struct Spans(pub Vec<FinishedSpan>);

impl Spans {
    /// The one span named `name`. Panics, listing the spans there are, if there is
    /// not exactly one.
    #[track_caller]
    pub fn named(&self, name: &str) -> &FinishedSpan {
        let mut found = self.0.iter().filter(|span| span.data().name == name);
        match (found.next(), found.next()) {
            (Some(span), None) => span,
            (None, _) => panic!("no span named {name:?}; finished spans: {:?}", self.names()),
            (Some(_), Some(_)) => panic!("more than one span named {name:?}: {:?}", self.names()),
        }
    }

    /// Every span named `name`.
    pub fn all_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a FinishedSpan> {
        self.0.iter().filter(move |span| span.data().name == name)
    }

    /// The span names, in the order the spans ended.
    pub fn names(&self) -> Vec<&str> {
        self.0
            .iter()
            .map(|span| span.data().name.as_ref())
            .collect()
    }

    /// How many spans finished.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no span finished.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One finished span, as an exporter receives it.
#[derive(Clone, Debug)]
pub struct FinishedSpan(pub SpanData);

impl FinishedSpan {
    /// The exported data.
    pub fn data(&self) -> &SpanData {
        &self.0
    }

    /// The span's name.
    pub fn name(&self) -> &str {
        &self.0.name
    }

    /// The span's kind.
    pub fn kind(&self) -> &SpanKind {
        &self.0.span_kind
    }

    /// The value of attribute `key`, with its OpenTelemetry type.
    pub fn attr(&self, key: &str) -> Option<&Value> {
        self.0
            .attributes
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .map(|kv| &kv.value)
    }

    /// The attribute keys, in the order they were set.
    pub fn attr_keys(&self) -> Vec<&str> {
        self.0.attributes.iter().map(|kv| kv.key.as_str()).collect()
    }

    /// The span's status.
    pub fn status(&self) -> &Status {
        &self.0.status
    }

    /// The span's id.
    pub fn span_id(&self) -> SpanId {
        self.0.span_context.span_id()
    }

    /// The span's trace id.
    pub fn trace_id(&self) -> TraceId {
        self.0.span_context.trace_id()
    }

    /// The parent span's id (`SpanId::INVALID` for a root span).
    pub fn parent_span_id(&self) -> SpanId {
        self.0.parent_span_id
    }

    /// Whether `parent` is this span's parent.
    pub fn is_child_of(&self, parent: &FinishedSpan) -> bool {
        self.parent_span_id() == parent.span_id() && self.trace_id() == parent.trace_id()
    }

    /// The names of the span's events.
    pub fn event_names(&self) -> Vec<&str> {
        self.0
            .events
            .iter()
            .map(|event| event.name.as_ref())
            .collect()
    }

    /// The value of attribute `key` of the first event named `event`.
    pub fn event_attr(&self, event: &str, key: &str) -> Option<&Value> {
        self.0
            .events
            .iter()
            .find(|e| e.name == event)?
            .attributes
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .map(|kv| &kv.value)
    }
}

#[derive(Debug)]
struct Keep;

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
        Coordinated(sampler).should_sample(
            parent_context,
            trace_id,
            name,
            span_kind,
            attributes,
            links,
        )
    }
}
