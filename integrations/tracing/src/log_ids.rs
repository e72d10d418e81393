//! `log` records that carry their trace.

use log::{Log, Metadata, Record};

/// A `log` logger that writes the current OpenTelemetry span's ids before each
/// message it hands to `inner` (`trace_id=… span_id=… `), for applications and
/// libraries that log through the `log` crate (with `env_logger`, say). A record
/// with no span current goes through as it was.
///
/// ```
/// # struct Quiet;
/// # impl log::Log for Quiet {
/// #     fn enabled(&self, _: &log::Metadata<'_>) -> bool { true }
/// #     fn log(&self, _: &log::Record<'_>) {}
/// #     fn flush(&self) {}
/// # }
/// let logger = traced_tracing::LogWithTraceIds::new(Quiet);
/// log::set_max_level(log::LevelFilter::Info);
/// let _ = log::set_boxed_logger(Box::new(logger));
/// ```
#[derive(Debug)]
pub struct LogWithTraceIds<L> {
    inner: L,
}

impl<L: Log> LogWithTraceIds<L> {
    /// `inner`, with the ids.
    pub fn new(inner: L) -> Self {
        LogWithTraceIds { inner }
    }
}

impl<L: Log> Log for LogWithTraceIds<L> {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        self.inner.enabled(metadata)
    }

    fn log(&self, record: &Record<'_>) {
        let Some((trace_id, span_id)) = crate::ids::current_ids() else {
            return self.inner.log(record);
        };
        self.inner.log(
            &Record::builder()
                .metadata(record.metadata().clone())
                .args(format_args!(
                    "trace_id={trace_id} span_id={span_id} {}",
                    record.args()
                ))
                .module_path(record.module_path())
                .file(record.file())
                .line(record.line())
                .build(),
        );
    }

    fn flush(&self) {
        self.inner.flush();
    }
}
