//! Where finished spans go: each exporter behind a batch processor, with the
//! attribute value length limit, and the counts that let the guard report spans
//! that were not exported in one line.

pub(crate) mod otlp;

use crate::setup::env::EnvSettings;
use opentelemetry::{Array, Context, StringValue, Value};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{
    BatchConfigBuilder, BatchSpanProcessor, Span, SpanData, SpanExporter, SpanProcessor,
};
use opentelemetry_sdk::Resource;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// An exporter named by `OTEL_TRACES_EXPORTER`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExporterKind {
    /// OTLP, over gRPC or HTTP/protobuf.
    Otlp,
    /// The trace tree in the terminal.
    Console,
}

/// The span processors of the provider being built.
pub(crate) type Processors = Vec<Box<dyn SpanProcessor>>;

/// `exporter` behind a batch processor, counted and limited like every exporter.
pub(crate) fn add<E: SpanExporter + 'static>(
    processors: &mut Processors,
    exporter: E,
    env: &EnvSettings,
    delay: Duration,
    stats: &Arc<ExportStats>,
) {
    let exporter = Tally::new(exporter, stats, env.value_length_limit);
    processors.push(Box::new(Counted::new(batch(exporter, env, delay), stats)));
}

fn batch<E: SpanExporter + 'static>(
    exporter: E,
    env: &EnvSettings,
    delay: Duration,
) -> BatchSpanProcessor {
    let mut config = BatchConfigBuilder::default().with_scheduled_delay(delay);
    if let Some(size) = env.bsp_max_queue_size {
        config = config.with_max_queue_size(size);
    }
    if let Some(size) = env.bsp_max_export_batch_size {
        config = config.with_max_export_batch_size(size);
    }
    BatchSpanProcessor::builder(exporter)
        .with_batch_config(config.build())
        .build()
}

#[derive(Debug, Default)]
pub(crate) struct ExportStats {
    ended: AtomicU64,
    exported: AtomicU64,
    failing: AtomicBool,
    last_error: Mutex<Option<String>>,
}

impl ExportStats {
    pub(crate) fn counts(&self) -> (u64, u64) {
        (
            self.ended.load(Ordering::Relaxed),
            self.exported.load(Ordering::Relaxed),
        )
    }

    /// One line about the spans that were not exported, if any.
    pub(crate) fn report(&self, shutdown_error: Option<String>) -> Option<String> {
        let (ended, exported) = self.counts();
        let lost = ended.saturating_sub(exported);
        if lost == 0 {
            return None;
        }
        let cause = self
            .last_error
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
            .or(shutdown_error)
            .unwrap_or_else(|| "queue full or shutdown timed out".to_owned());
        Some(format!(
            "{lost} of {ended} finished spans were not exported (last error: {cause})"
        ))
    }
}

/// Counts the spans handed to a processor.
#[derive(Debug)]
pub(crate) struct Counted<P> {
    inner: P,
    stats: Arc<ExportStats>,
}

impl<P> Counted<P> {
    pub(crate) fn new(inner: P, stats: &Arc<ExportStats>) -> Self {
        Counted {
            inner,
            stats: Arc::clone(stats),
        }
    }
}

impl<P: SpanProcessor> SpanProcessor for Counted<P> {
    fn on_start(&self, span: &mut Span, cx: &Context) {
        self.inner.on_start(span, cx);
    }

    fn on_end(&self, span: SpanData) {
        self.stats.ended.fetch_add(1, Ordering::Relaxed);
        self.inner.on_end(span);
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}

/// Counts what an exporter delivered, warns once when it starts failing, and cuts
/// string values to the attribute value length limit.
#[derive(Debug)]
pub(crate) struct Tally<E> {
    inner: E,
    stats: Arc<ExportStats>,
    limit: Option<usize>,
}

impl<E> Tally<E> {
    pub(crate) fn new(inner: E, stats: &Arc<ExportStats>, limit: Option<usize>) -> Self {
        Tally {
            inner,
            stats: Arc::clone(stats),
            limit,
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
        let stats = Arc::clone(&self.stats);
        let export = self.inner.export(batch);
        async move {
            let result = export.await;
            match &result {
                Ok(()) => {
                    stats.exported.fetch_add(count, Ordering::Relaxed);
                    stats.failing.store(false, Ordering::Relaxed);
                }
                Err(e) => {
                    *stats
                        .last_error
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(e.to_string());
                    if !stats.failing.swap(true, Ordering::Relaxed) {
                        eprintln!(
                            "traced: exporting spans failed ({e}); the application goes on, and \
                             the spans not exported are counted and reported at shutdown"
                        );
                    }
                }
            }
            result
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
