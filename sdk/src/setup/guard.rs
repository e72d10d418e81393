//! The guard `install` returns: it keeps tracing set up and shuts it down.

use crate::export::ExportStats;
use opentelemetry_sdk::trace::SdkTracerProvider;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use traced::backend::Installed;

/// Keeps tracing set up; dropping it flushes the spans still queued and shuts the
/// exporters down, within the shutdown timeout. Spans that could not be exported
/// are counted and reported then, in one line.
#[must_use = "tracing is shut down when this guard drops: keep it for the life of the program"]
pub struct TracingGuard {
    pub(super) provider: Option<SdkTracerProvider>,
    /// The backend installed with the provider, to uninstall.
    pub(super) installed: Option<Installed>,
    pub(super) stats: Arc<ExportStats>,
    pub(super) timeout: Duration,
    pub(super) warnings: Vec<String>,
    #[cfg(feature = "otlp-grpc")]
    pub(super) runtime: Option<tokio::runtime::Runtime>,
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

    /// Spans finished so far, and how many of them were exported.
    pub fn counts(&self) -> (u64, u64) {
        self.stats.counts()
    }

    /// Exports every finished span now, waiting at most the shutdown timeout.
    pub fn flush(&self) {
        if let Some(provider) = &self.provider {
            let _ = provider.force_flush();
        }
    }

    /// Shuts down now and returns the report line, if any span was not exported.
    pub fn shutdown(mut self) -> Option<String> {
        self.close()
    }

    fn close(&mut self) -> Option<String> {
        let provider = self.provider.take()?;
        // Call sites go back to the no-provider path, unless a provider installed
        // since has taken the place of this one.
        if let Some(installed) = self.installed.take() {
            traced::backend::uninstall(installed);
        }
        let result = provider.shutdown_with_timeout(self.timeout);
        #[cfg(feature = "otlp-grpc")]
        if let Some(runtime) = self.runtime.take() {
            // Never blocks, so it is safe inside an async context too.
            runtime.shutdown_background();
        }
        let report = self.stats.report(result.err().map(|e| e.to_string()));
        if let Some(line) = &report {
            eprintln!("traced: {line}");
        }
        report
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
