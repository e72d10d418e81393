//! How a failed export is retried, over both OTLP transports (`export::http`,
//! `export::grpc`): the failures the OTLP specification calls retryable (gRPC
//! `UNAVAILABLE` and the like, `RESOURCE_EXHAUSTED` with retry info; HTTP 429, 502,
//! 503, 504, or no answer) are tried again after 100 ms, doubling up to 2 s between
//! tries, with up to 100 ms of jitter, and after at least what `Retry-After` or gRPC
//! retry info asks; until the export timeout (`OTEL_EXPORTER_OTLP_TIMEOUT`, 10 s)
//! has passed since the first try. A collector that restarts within it loses
//! nothing: the spans ending meanwhile wait in the queue, and what overflows it is
//! dropped and counted.

use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const FIRST_WAIT: Duration = Duration::from_millis(100);
const LONGEST_WAIT: Duration = Duration::from_secs(2);
const JITTER_MS: u64 = 100;
/// The longest wait a collector may ask for.
const LONGEST_ASKED: Duration = Duration::from_secs(60);

/// A try that failed: why, and whether (and after how long at least) to retry.
pub(crate) struct Failed {
    pub(crate) why: String,
    /// `None`: not retryable.
    pub(crate) retry_after: Option<Duration>,
}

/// Runs `attempt` (given the time left before the timeout) until it succeeds, fails
/// for good, or the next wait would reach past `timeout` since the first try.
pub(crate) fn within(
    timeout: Duration,
    mut attempt: impl FnMut(Duration) -> Result<(), Failed>,
) -> OTelSdkResult {
    let deadline = Instant::now() + timeout;
    let mut wait = FIRST_WAIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let failed = match attempt(left.max(Duration::from_millis(1))) {
            Ok(()) => return Ok(()),
            Err(failed) => failed,
        };
        let Some(asked) = failed.retry_after else {
            return Err(OTelSdkError::InternalFailure(failed.why));
        };
        let pause = (wait + jitter()).max(asked.min(LONGEST_ASKED));
        if pause >= deadline.saturating_duration_since(Instant::now()) {
            return Err(OTelSdkError::InternalFailure(format!(
                "{}; gave up after the export timeout ({} ms)",
                failed.why,
                timeout.as_millis()
            )));
        }
        std::thread::sleep(pause);
        wait = (wait * 2).min(LONGEST_WAIT);
    }
}

fn jitter() -> Duration {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::from(d.subsec_nanos()));
    Duration::from_millis(nanos % (JITTER_MS + 1))
}
