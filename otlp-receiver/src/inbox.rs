use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::answer::Answering;
use crate::Received;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;

/// The export requests received so far, shared by both servers and the
/// [`Receiver`](crate::Receiver) handle. A counting inbox keeps no request, only
/// the number of spans.
#[derive(Default)]
pub(crate) struct Inbox {
    counting: bool,
    requests: Mutex<Vec<Received>>,
    arrived: Condvar,
    spans: AtomicU64,
    /// The metrics export requests received, in arrival order.
    metrics: Mutex<Vec<ExportMetricsServiceRequest>>,
    metrics_arrived: Condvar,
    /// The logs export requests received, in arrival order.
    logs: Mutex<Vec<ExportLogsServiceRequest>>,
    logs_arrived: Condvar,
    /// How requests are answered.
    pub(crate) answering: Answering,
}

impl Inbox {
    pub(crate) fn counting() -> Self {
        Inbox {
            counting: true,
            ..Inbox::default()
        }
    }

    /// Whether requests are only counted, not kept.
    pub(crate) fn is_counting(&self) -> bool {
        self.counting
    }

    pub(crate) fn record(&self, received: Received) {
        self.spans
            .fetch_add(received.spans_len() as u64, Ordering::Relaxed);
        self.lock().push(received);
        self.arrived.notify_all();
    }

    /// Counts the spans of a request that is not kept.
    pub(crate) fn count(&self, spans: u64) {
        self.spans.fetch_add(spans, Ordering::Relaxed);
    }

    pub(crate) fn span_count(&self) -> u64 {
        self.spans.load(Ordering::Relaxed)
    }

    pub(crate) fn record_metrics(&self, request: ExportMetricsServiceRequest) {
        self.metrics
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(request);
        self.metrics_arrived.notify_all();
    }

    /// Blocks until `done` holds for the metrics requests so far, or `timeout`
    /// passes; those requests.
    pub(crate) fn wait_for_metrics(
        &self,
        timeout: Duration,
        done: impl Fn(&[ExportMetricsServiceRequest]) -> bool,
    ) -> Vec<ExportMetricsServiceRequest> {
        let held = self.metrics.lock().unwrap_or_else(PoisonError::into_inner);
        let (requests, _) = self
            .metrics_arrived
            .wait_timeout_while(held, timeout, |requests| !done(requests))
            .unwrap_or_else(PoisonError::into_inner);
        requests.clone()
    }

    pub(crate) fn record_logs(&self, request: ExportLogsServiceRequest) {
        self.logs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(request);
        self.logs_arrived.notify_all();
    }

    /// Blocks until `done` holds for the logs requests so far, or `timeout`
    /// passes; those requests.
    pub(crate) fn wait_for_logs(
        &self,
        timeout: Duration,
        done: impl Fn(&[ExportLogsServiceRequest]) -> bool,
    ) -> Vec<ExportLogsServiceRequest> {
        let held = self.logs.lock().unwrap_or_else(PoisonError::into_inner);
        let (requests, _) = self
            .logs_arrived
            .wait_timeout_while(held, timeout, |requests| !done(requests))
            .unwrap_or_else(PoisonError::into_inner);
        requests.clone()
    }

    pub(crate) fn requests(&self) -> Vec<Received> {
        self.lock().clone()
    }

    /// Blocks until `done` holds for the requests so far, or `timeout` passes.
    pub(crate) fn wait_until(
        &self,
        timeout: Duration,
        done: impl Fn(&[Received]) -> bool,
    ) -> Vec<Received> {
        let (requests, _) = self
            .arrived
            .wait_timeout_while(self.lock(), timeout, |requests| !done(requests))
            .unwrap_or_else(PoisonError::into_inner);
        requests.clone()
    }

    /// Waits until `n` spans were counted, or `timeout` passes, or no span arrived
    /// for `quiet`; the count then.
    pub(crate) fn wait_for_count(&self, n: u64, timeout: Duration, quiet: Duration) -> u64 {
        let deadline = Instant::now() + timeout;
        let (mut last, mut since) = (self.span_count(), Instant::now());
        loop {
            let now = self.span_count();
            if now >= n || Instant::now() >= deadline {
                return now;
            }
            if now != last {
                (last, since) = (now, Instant::now());
            } else if since.elapsed() >= quiet {
                return now;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    // Nothing panics while holding the lock; were it to, the Vec would still
    // be whole, so poisoning must not turn a read into a panic.
    fn lock(&self) -> MutexGuard<'_, Vec<Received>> {
        self.requests.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
