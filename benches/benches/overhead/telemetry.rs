//! Where spans go: SDK providers with batch processors into a counting exporter, a
//! tracing subscriber over the same SDK, and a counting fastrace reporter.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry::trace::noop::NoopTracerProvider;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{
    BatchConfigBuilder, BatchSpanProcessor, Sampler, SdkTracerProvider, SpanData, SpanExporter,
};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use tracing_subscriber::layer::SubscriberExt as _;

/// Spans received, by span name.
#[derive(Debug, Default)]
pub struct Arrivals(Mutex<HashMap<Cow<'static, str>, u64>>);

impl Arrivals {
    fn count<'a>(&self, names: impl Iterator<Item = &'a Cow<'static, str>>) {
        let mut counts = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        for name in names {
            match counts.get_mut(name) {
                Some(n) => *n += 1,
                None => {
                    counts.insert(name.clone(), 1);
                }
            }
        }
    }

    /// The spans that arrived under `name` so far.
    pub fn of(&self, name: &str) -> u64 {
        let counts = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        counts.get(name).copied().unwrap_or(0)
    }
}

/// An exporter that discards spans after counting them.
#[derive(Debug, Clone)]
struct CountingExporter(Arc<Arrivals>);

impl SpanExporter for CountingExporter {
    fn export(&self, batch: Vec<SpanData>) -> impl Future<Output = OTelSdkResult> + Send {
        self.0.count(batch.iter().map(|span| &span.name));
        std::future::ready(Ok(()))
    }
}

/// A fastrace reporter that discards spans after counting them (not the roots the
/// bench opens around its batches).
struct CountingReporter(Arc<Arrivals>);

pub const FASTRACE_ROOT: &str = "fastrace_root";

impl fastrace::collector::Reporter for CountingReporter {
    fn report(&mut self, spans: Vec<fastrace::collector::SpanRecord>) {
        self.0.count(
            spans
                .iter()
                .map(|s| &s.name)
                .filter(|name| *name != FASTRACE_ROOT),
        );
    }
}

/// Which tracer provider is the global one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Global {
    /// A no-op provider: `#[traced]` call sites then switch themselves off.
    NoProvider,
    Unsampled,
    Sampled,
}

/// The provider `traced_sdk::Setup` installs, sampling nothing: `traced` then
/// decides sampling before the SDK. Its console exporter writes nowhere (and gets
/// nothing, as nothing is sampled).
pub fn traced_setup_unsampled() -> traced_sdk::TracingGuard {
    use traced_sdk::{ExporterKind, SamplerKind, Setup};
    Setup::new("traced-benches", "0.1.0")
        .environment(|_| None)
        .sampler(SamplerKind::AlwaysOff)
        .exporters(&[ExporterKind::Console])
        .console_output(std::io::sink())
        .install()
}

/// The provider `traced_sdk::Setup` installs, sampling everything into the
/// counting exporter: `traced` decides sampling before the SDK and hands the
/// attributes over in the builder. Its queue is its default (2048 spans) unless
/// `queue` is given.
pub fn traced_setup_sampled(
    arrivals: Arc<Arrivals>,
    queue: Option<usize>,
) -> traced_sdk::TracingGuard {
    use traced_sdk::{SamplerKind, Setup};
    let queue = queue.map(|q| q.to_string());
    Setup::new("traced-benches", "0.1.0")
        .environment(move |name| {
            (name == "OTEL_BSP_MAX_QUEUE_SIZE")
                .then(|| queue.clone())
                .flatten()
        })
        .sampler(SamplerKind::AlwaysOn)
        .exporter(CountingExporter(arrivals))
        .install()
}

/// The providers and where their spans arrive.
#[derive(Debug)]
pub struct Telemetry {
    pub sampled: SdkTracerProvider,
    pub unsampled: SdkTracerProvider,
    pub arrivals: Arc<Arrivals>,
    /// The batch queues' size; `None`: the SDK's default (2048 spans).
    pub queue: Option<usize>,
    global: Option<Global>,
}

impl Telemetry {
    /// Providers whose batch queues hold `queue` spans (their default without
    /// one), flushed after every case, and fastrace's reporter.
    pub fn new(queue: Option<usize>) -> Telemetry {
        let arrivals = Arc::new(Arrivals::default());
        let provider = |sampler| {
            let mut config = BatchConfigBuilder::default();
            if let Some(queue) = queue {
                config = config.with_max_queue_size(queue);
            }
            let config = config.build();
            let processor = BatchSpanProcessor::builder(CountingExporter(arrivals.clone()))
                .with_batch_config(config)
                .build();
            SdkTracerProvider::builder()
                .with_sampler(sampler)
                .with_span_processor(processor)
                .build()
        };
        let telemetry = Telemetry {
            sampled: provider(Sampler::AlwaysOn),
            unsampled: provider(Sampler::AlwaysOff),
            arrivals: arrivals.clone(),
            queue,
            global: None,
        };
        fastrace::set_reporter(
            CountingReporter(arrivals),
            fastrace::collector::Config::default(),
        );
        telemetry
    }

    /// Makes `want` the global provider, through `traced::set_tracer_provider` so that
    /// `#[traced]` call sites notice.
    pub fn install(&mut self, want: Global) {
        if self.global == Some(want) {
            return;
        }
        match want {
            Global::NoProvider => traced::set_tracer_provider(NoopTracerProvider::new()),
            Global::Unsampled => traced::set_tracer_provider(self.unsampled.clone()),
            Global::Sampled => traced::set_tracer_provider(self.sampled.clone()),
        }
        self.global = Some(want);
    }

    /// Forgets which provider is global, after someone else installed one.
    pub fn forget(&mut self) {
        self.global = None;
    }

    /// A tracing subscriber that sends spans through tracing-opentelemetry into the
    /// sampled SDK provider, with the layer's default settings.
    pub fn tracing_dispatch(&self) -> tracing::Dispatch {
        let tracer = self.sampled.tracer("tracing-opentelemetry");
        tracing::Dispatch::new(
            tracing_subscriber::registry().with(tracing_opentelemetry::layer().with_tracer(tracer)),
        )
    }

    /// Exports the spans the sampled provider has queued.
    pub fn flush_sampled(&self) {
        self.sampled
            .force_flush()
            .expect("flush the sampled provider");
    }

    /// Exports everything queued anywhere.
    pub fn flush(&self) {
        self.flush_sampled();
        self.unsampled
            .force_flush()
            .expect("flush the unsampled provider");
        fastrace::flush();
    }

    pub fn shutdown(&self) {
        self.flush();
        let _ = self.sampled.shutdown();
        let _ = self.unsampled.shutdown();
    }
}
