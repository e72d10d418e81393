//! An exporter for the benches' traced and SDK pipelines: it counts the spans it
//! gets and discards them, so that a row's figure is the pipeline's cost alone.

use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Counts the spans it gets and discards them; clones share the count.
#[derive(Debug, Clone, Default)]
pub struct Counting(Arc<AtomicU64>);

impl Counting {
    /// The spans exported so far, by this exporter and its clones.
    #[must_use]
    pub fn count(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

impl SpanExporter for Counting {
    fn export(&self, batch: Vec<SpanData>) -> impl Future<Output = OTelSdkResult> + Send {
        self.0.fetch_add(batch.len() as u64, Ordering::Relaxed);
        std::future::ready(Ok(()))
    }
}
