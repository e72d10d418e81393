//! The guard `install` returns: it keeps tracing set up and shuts it down.

use super::live;
use crate::export::ExportStats;
use crate::native::Pipeline;
use opentelemetry_sdk::trace::SdkTracerProvider;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Keeps tracing set up; dropping it flushes the spans still queued and shuts the
/// exporters down, within the shutdown timeout in all, however many exporters are
/// stuck. Spans that could not be exported are counted and reported then, in one
/// line.
///
/// Guards may nest: the newest live guard's provider is the one installed, and
/// when it drops, the newest guard still alive gets its provider back.
#[must_use = "tracing is shut down when this guard drops: keep it for the life of the program"]
pub struct TracingGuard {
    pub(super) provider: Option<SdkTracerProvider>,
    pub(super) pipeline: Option<Arc<Pipeline>>,
    /// This guard among the live ones (see `live`).
    pub(super) live: Option<u64>,
    pub(super) stats: Arc<ExportStats>,
    /// The meter provider, shut down after the tracer provider.
    pub(super) meter: Option<crate::metrics::MeterGuard>,
    /// The logger provider, shut down after the meter provider.
    pub(super) logger: Option<crate::logs::LoggerGuard>,
    pub(super) timeout: Duration,
    pub(super) warnings: Vec<String>,
    /// Shut down in the background when the guard is done with it.
    #[cfg(feature = "otlp-grpc")]
    pub(super) runtime: Option<crate::export::otlp::GrpcRuntime>,
}

impl std::fmt::Debug for TracingGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TracingGuard")
            .field("warnings", &self.warnings)
            .finish_non_exhaustive()
    }
}

impl TracingGuard {
    /// The warnings `install` printed, one per invalid setting.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Spans finished so far, each counted once, and how many of them were
    /// exported: by every exporter, when there are several (the fewest any one
    /// delivered).
    pub fn counts(&self) -> (u64, u64) {
        self.stats.counts()
    }

    /// Exports every finished span now, waiting at most the shutdown timeout in
    /// all; an exporter still busy then goes on in the background.
    pub fn flush(&self) {
        if let Some(pipeline) = &self.pipeline {
            let _ = pipeline.flush_within(self.timeout);
        }
    }

    /// Shuts down now and returns the report line, if any span was not exported.
    /// Returns within the shutdown timeout: an exporter still busy then is left to
    /// finish in the background, and what it has not delivered is reported lost.
    pub fn shutdown(mut self) -> Option<String> {
        self.close()
    }

    fn close(&mut self) -> Option<String> {
        // The newest guard still alive gets its provider back, or call sites go
        // back to the no-provider path.
        if let Some(id) = self.live.take() {
            live::leave(id);
        }
        let provider = self.provider.take()?;
        self.pipeline = None;
        // One deadline for all three providers: each gets what is left of it.
        let deadline = std::time::Instant::now() + self.timeout;
        let left = || {
            deadline
                .saturating_duration_since(std::time::Instant::now())
                .max(Duration::from_millis(1))
        };
        let result = provider.shutdown_with_timeout(self.timeout);
        if let Some(meter) = self.meter.take() {
            let timeout = left();
            within(timeout, "metrics", move || meter.shutdown(timeout));
        }
        if let Some(logger) = self.logger.take() {
            let timeout = left();
            within(timeout, "logs", move || logger.shutdown(timeout));
        }
        // Never blocks, so it is safe inside an async context too.
        #[cfg(feature = "otlp-grpc")]
        drop(self.runtime.take());
        let report = self.stats.report(result.err().map(|e| e.to_string()));
        if let Some(line) = &report {
            eprintln!("traced: {line}");
        }
        report
    }
}

/// Runs a provider's `shutdown` on a thread of its own and waits for it at most
/// `timeout`: the SDK's periodic metric reader waits for its last export however
/// short the timeout it is given, and a collector that never answers would hold
/// the guard past its deadline. A shutdown still running then finishes in the
/// background; its failure is printed.
fn within(
    timeout: Duration,
    signal: &str,
    shutdown: impl FnOnce() -> Option<String> + Send + 'static,
) {
    let (done, wait) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name(format!("traced-shutdown-{signal}"))
        .spawn(move || {
            if let Some(failed) = shutdown() {
                eprintln!("traced: {failed}");
            }
            let _ = done.send(());
        });
    if spawned.is_ok() && wait.recv_timeout(timeout).is_err() {
        eprintln!(
            "traced: {signal}: still shutting down after {timeout:?}; left to finish in the background"
        );
    }
}

impl Drop for TracingGuard {
    fn drop(&mut self) {
        self.close();
    }
}

/// A `Write` into memory, for [`Setup::console_output`](super::Setup::console_output)
/// in tests.
#[derive(Clone, Debug, Default)]
pub struct SharedOutput(pub Arc<Mutex<Vec<u8>>>);

impl SharedOutput {
    /// What was written so far, as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(
            &self
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
        .into_owned()
    }
}

impl Write for SharedOutput {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
