//! Where finished spans go: each exporter behind an export queue, with the
//! attribute value length limit, and the counts that let the guard report spans
//! that were not exported in one line.

#[cfg(feature = "otlp-grpc")]
mod grpc;
#[cfg(feature = "otlp-http")]
mod http;
#[cfg(any(feature = "otlp-grpc", feature = "otlp-http"))]
pub(crate) mod logs;
#[cfg(any(feature = "otlp-grpc", feature = "otlp-http"))]
pub(crate) mod metrics;
pub(crate) mod otlp;
#[cfg(any(feature = "otlp-grpc", feature = "otlp-http"))]
mod protobuf;
mod queue;
#[cfg(any(feature = "otlp-grpc", feature = "otlp-http"))]
mod request;
#[cfg(any(feature = "otlp-grpc", feature = "otlp-http"))]
mod retry;

use crate::setup::env::{EnvSettings, DEFAULT_BATCH_SIZE, DEFAULT_QUEUE_SIZE, MIN_DELAY};
use opentelemetry::{Array, StringValue, Value};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use opentelemetry_sdk::Resource;
use queue::{QueueProcessor, QueueSettings};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// An exporter named by `OTEL_TRACES_EXPORTER`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExporterKind {
    /// OTLP, over gRPC or HTTP/protobuf.
    Otlp,
    /// The trace tree in the terminal.
    Console,
}

/// `kinds` with each kind once, in the order first named; `source` (a variable or
/// a setting) is named in the warning about each repeat.
pub(crate) fn once_each(
    kinds: &[ExporterKind],
    source: &str,
    warn: &mut dyn FnMut(String),
) -> Vec<ExporterKind> {
    let mut once = Vec::with_capacity(kinds.len());
    for kind in kinds {
        if once.contains(kind) {
            warn(format!(
                "{source} names {kind:?} more than once; it is used once"
            ));
        } else {
            once.push(*kind);
        }
    }
    once
}

/// The span processors of the provider being built.
pub(crate) type Processors = Vec<Box<dyn crate::native::Processor>>;

/// `exporter` behind an export queue, counted and limited like every exporter.
pub(crate) fn add<E: SpanExporter + 'static>(
    processors: &mut Processors,
    exporter: E,
    env: &EnvSettings,
    delay: Duration,
    stats: &Arc<ExportStats>,
) {
    let name = std::any::type_name::<E>();
    let name = name.rsplit("::").next().unwrap_or(name);
    let exporter = Tally::new(exporter, name, stats, env.value_length_limit);
    processors.push(Box::new(batch(exporter, env, delay)));
}

/// [`add`], for an exporter that delivers spans later than its `export` returns
/// (the console draws a trace once it is whole): it counts what it delivered
/// itself, through the handle returned.
pub(crate) fn add_counting_itself<E: SpanExporter + 'static>(
    processors: &mut Processors,
    name: &str,
    exporter: E,
    env: &EnvSettings,
    delay: Duration,
    stats: &Arc<ExportStats>,
) -> Deliveries {
    let mut exporter = Tally::new(exporter, name, stats, env.value_length_limit);
    exporter.counts_itself = true;
    let deliveries = Deliveries(Arc::clone(&exporter.delivered));
    processors.push(Box::new(batch(exporter, env, delay)));
    deliveries
}

/// How an exporter added with [`add_counting_itself`] counts the spans it delivered.
#[derive(Debug, Clone)]
pub(crate) struct Deliveries(pub(crate) Arc<Delivered>);

impl Deliveries {
    pub(crate) fn delivered(&self, spans: usize) {
        self.0.spans.fetch_add(spans as u64, Ordering::Relaxed);
    }
}

/// [`add`], for the OTLP exporter (named `otlp` in the loss report): it counts
/// what each export request delivered itself, since a batch may go as several.
#[cfg(any(feature = "otlp-grpc", feature = "otlp-http"))]
pub(crate) fn add_otlp<T: request::Transport>(
    processors: &mut Processors,
    exporter: request::OtlpExporter<T>,
    env: &EnvSettings,
    delay: Duration,
    stats: &Arc<ExportStats>,
) {
    let mut exporter = Tally::new(exporter, "otlp", stats, env.value_length_limit);
    exporter.counts_itself = true;
    exporter.inner.deliveries = Some(Deliveries(Arc::clone(&exporter.delivered)));
    processors.push(Box::new(batch(exporter, env, delay)));
}

/// The queue and workers `exporter` sits behind, with the settings read once by
/// traced (the sizes and the delay are within bounds already: see `setup::env`).
fn batch<E: SpanExporter + 'static>(
    exporter: E,
    env: &EnvSettings,
    delay: Duration,
) -> QueueProcessor<E> {
    let max_queue = env.bsp_max_queue_size.unwrap_or(DEFAULT_QUEUE_SIZE);
    QueueProcessor::new(
        exporter,
        QueueSettings {
            max_queue,
            max_batch: env
                .bsp_max_export_batch_size
                .unwrap_or(DEFAULT_BATCH_SIZE)
                .min(max_queue),
            delay: delay.max(MIN_DELAY),
            workers: EXPORTS_IN_FLIGHT,
        },
    )
}

/// How many export requests of one exporter may be in flight at once.
const EXPORTS_IN_FLIGHT: usize = 8;

/// What every exporter of one setup did with the spans that ended: counted once
/// per span, and per exporter for what each delivered.
#[derive(Debug, Default)]
pub(crate) struct ExportStats {
    ended: AtomicU64,
    exporters: Mutex<Vec<Arc<Delivered>>>,
    last_error: Mutex<Option<LastError>>,
}

/// The latest failed export, of any exporter.
#[derive(Debug)]
struct LastError {
    message: String,
    at: Instant,
    /// An export of the same exporter succeeded since.
    recovered: bool,
}

/// The spans one exporter delivered, and whether its exports fail now.
#[derive(Debug)]
pub(crate) struct Delivered {
    pub(crate) name: Mutex<String>,
    pub(crate) spans: AtomicU64,
    pub(crate) failing: AtomicBool,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl ExportStats {
    /// A span ended into the pipeline (also after shutdown started: it is lost).
    pub(crate) fn span_ended(&self) {
        self.ended.fetch_add(1, Ordering::Relaxed);
    }

    /// Names the exporter added last, for the loss report.
    pub(crate) fn name_last(&self, name: &str) {
        if let Some(last) = lock(&self.exporters).last() {
            *lock(&last.name) = name.to_owned();
        }
    }

    /// Spans ended, and spans exported: the fewest any exporter delivered (a span
    /// counts as exported when every exporter delivered it).
    pub(crate) fn counts(&self) -> (u64, u64) {
        let ended = self.ended.load(Ordering::Relaxed);
        let exported = lock(&self.exporters)
            .iter()
            .map(|e| e.spans.load(Ordering::Relaxed))
            .min()
            .unwrap_or(ended);
        (ended, exported.min(ended))
    }

    /// One line about the spans that were not exported, if any.
    pub(crate) fn report(&self, shutdown_error: Option<String>) -> Option<String> {
        let (ended, exported) = self.counts();
        let lost = ended.saturating_sub(exported);
        if lost == 0 {
            return None;
        }
        let cause = lock(&self.last_error)
            .as_ref()
            .map(|last| {
                if last.recovered {
                    format!(
                        "{}, {:.1} s before shutdown; exports worked again after it",
                        last.message,
                        last.at.elapsed().as_secs_f64()
                    )
                } else {
                    last.message.clone()
                }
            })
            .or(shutdown_error)
            .unwrap_or_else(|| "queue full or shutdown timed out".to_owned());
        let exporters = lock(&self.exporters);
        let each = if exporters.len() > 1 {
            let each: Vec<String> = exporters
                .iter()
                .map(|e| {
                    let delivered = e.spans.load(Ordering::Relaxed).min(ended);
                    format!("{} lost {}", lock(&e.name), ended - delivered)
                })
                .collect();
            format!("{}; ", each.join(", "))
        } else {
            String::new()
        };
        Some(format!(
            "{lost} of {ended} finished spans were not exported ({each}last error: {cause})"
        ))
    }
}

/// Counts what an exporter delivered, warns once when it starts failing, and cuts
/// string values to the attribute value length limit.
#[derive(Debug)]
pub(crate) struct Tally<E> {
    inner: E,
    stats: Arc<ExportStats>,
    delivered: Arc<Delivered>,
    limit: Option<usize>,
    /// The exporter counts what it delivered itself ([`Deliveries`]).
    counts_itself: bool,
}

impl<E> Tally<E> {
    fn new(inner: E, name: &str, stats: &Arc<ExportStats>, limit: Option<usize>) -> Self {
        let delivered = Arc::new(Delivered {
            name: Mutex::new(name.to_owned()),
            spans: AtomicU64::new(0),
            failing: AtomicBool::new(false),
        });
        lock(&stats.exporters).push(Arc::clone(&delivered));
        Tally {
            inner,
            stats: Arc::clone(stats),
            delivered,
            limit,
            counts_itself: false,
        }
    }
}

impl<E> Tally<E> {
    /// Counts what one export request delivered, and says once when exports start
    /// failing and once when they work again.
    fn delivered(&self, count: u64, outcome: &OTelSdkResult) {
        let (stats, delivered) = (&self.stats, &self.delivered);
        match outcome {
            Ok(()) => {
                if !self.counts_itself {
                    delivered.spans.fetch_add(count, Ordering::Relaxed);
                }
                if delivered.failing.swap(false, Ordering::Relaxed) {
                    if let Some(last) = lock(&stats.last_error).as_mut() {
                        last.recovered = true;
                    }
                    eprintln!(
                        "traced: exporting spans to {} works again; the spans lost \
                         meanwhile are reported at shutdown",
                        lock(&delivered.name)
                    );
                }
            }
            Err(e) => {
                *lock(&stats.last_error) = Some(LastError {
                    message: e.to_string(),
                    at: Instant::now(),
                    recovered: false,
                });
                if !delivered.failing.swap(true, Ordering::Relaxed) {
                    eprintln!(
                        "traced: exporting spans to {} failed ({e}); the application goes \
                         on, and the spans not exported are counted and reported at shutdown",
                        lock(&delivered.name)
                    );
                }
            }
        }
    }
}

impl<E: SpanExporter> SpanExporter for Tally<E> {
    fn export(
        &self,
        mut batch: Vec<SpanData>,
    ) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        if let Some(limit) = self.limit {
            batch.iter_mut().for_each(|span| limit_span(span, limit));
        }
        let count = batch.len() as u64;
        async move {
            let outcome = self.inner.export(batch).await;
            self.delivered(count, &outcome);
            outcome
        }
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}

/// `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`, which the SDK does not apply: strings (also
/// in arrays) of span, event and link attributes are cut to `limit` characters.
fn limit_span(span: &mut SpanData, limit: usize) {
    let values = span
        .attributes
        .iter_mut()
        .chain(
            span.events
                .events
                .iter_mut()
                .flat_map(|e| e.attributes.iter_mut()),
        )
        .chain(
            span.links
                .links
                .iter_mut()
                .flat_map(|l| l.attributes.iter_mut()),
        )
        .map(|kv| &mut kv.value);
    for value in values {
        match value {
            Value::String(s) => cut(s, limit),
            Value::Array(Array::String(items)) => items.iter_mut().for_each(|s| cut(s, limit)),
            _ => {}
        }
    }
}

fn cut(value: &mut StringValue, limit: usize) {
    // No more characters than bytes.
    if value.as_str().len() <= limit {
        return;
    }
    if let Some((at, _)) = value.as_str().char_indices().nth(limit) {
        *value = StringValue::from(value.as_str()[..at].to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_cut_to_the_limit_in_characters() {
        let mut value = StringValue::from("héllo wörld");
        cut(&mut value, 4);
        assert_eq!(value.as_str(), "héll");
        let mut short = StringValue::from("ok");
        cut(&mut short, 4);
        assert_eq!(short.as_str(), "ok");
        let mut items = [StringValue::from("abcdef")];
        items.iter_mut().for_each(|s| cut(s, 3));
        assert_eq!(items[0].as_str(), "abc");
    }
}
