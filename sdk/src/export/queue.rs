//! The span processor every exporter sits behind: a bounded queue, and workers that
//! take a batch from it as soon as one is full (or the schedule delay passed since
//! the oldest span queued) and export it, several at once. An exporter that answers
//! slowly then costs throughput in proportion to its latency, not a stalled queue;
//! a span that does not fit the queue is dropped (and counted lost by the export
//! stats, since no exporter delivered it).
//!
//! A native span is queued compact, as it ended ([`Ended`]); the worker that takes
//! its batch makes its `SpanData`. A worker hands the emptied batch back, and the
//! next batch reuses it: queueing a span moves it, and allocates nothing.

use crate::native::{Ended, Processor, Spares};
use opentelemetry::Context;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{Span, SpanData, SpanExporter, SpanProcessor};
use opentelemetry_sdk::Resource;
use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::{Duration, Instant};

/// The queue's settings, already within their bounds.
#[derive(Clone, Copy, Debug)]
pub(crate) struct QueueSettings {
    pub(crate) max_queue: usize,
    pub(crate) max_batch: usize,
    pub(crate) delay: Duration,
    /// How many exports may be in flight at once.
    pub(crate) workers: usize,
}

/// A bounded queue of finished spans in front of `E`.
#[derive(Debug)]
pub(crate) struct QueueProcessor<E: SpanExporter + 'static> {
    shared: Arc<Shared<E>>,
    workers: Mutex<Vec<std::thread::JoinHandle<()>>>,
}

#[derive(Debug)]
struct Shared<E> {
    exporter: RwLock<E>,
    state: Mutex<State>,
    /// Wakes the workers: a batch is full, a flush or shutdown was asked.
    work: Condvar,
    /// Wakes a flush: the queue and the exports in flight are done.
    idle: Condvar,
    settings: QueueSettings,
}

#[derive(Debug, Default)]
struct State {
    /// The spans queued, in batches of at most the batch size, oldest first; each
    /// with the time its first span arrived. Only the last batch is still filled,
    /// and a worker takes a batch whole: a span is moved once on its way in, and
    /// never again while queued.
    batches: VecDeque<(Instant, Vec<Queued>)>,
    /// Emptied batches, kept to be filled again.
    spare: Vec<Vec<Queued>>,
    /// The spans in `batches`.
    queued: usize,
    in_flight: usize,
    /// Flushes asked and not yet done: export everything queued now.
    flushing: usize,
    closed: bool,
}

/// A span waiting in the queue.
#[derive(Debug)]
enum Queued {
    /// A span the SDK made, boxed: most spans are native, and a batch's slots
    /// are the size of the larger kind.
    Data(Box<SpanData>),
    /// A native span, as it ended.
    Native(Ended),
}

impl Queued {
    fn into_span_data(self, spares: &mut Spares) -> SpanData {
        match self {
            Queued::Data(data) => *data,
            Queued::Native(ended) => ended.into_span_data(spares),
        }
    }
}

/// How many emptied batches the queue keeps for reuse: one per export in flight,
/// and one being filled.
fn spares_kept(settings: &QueueSettings) -> usize {
    settings.workers.max(1) + 1
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<E: SpanExporter + 'static> QueueProcessor<E> {
    pub(crate) fn new(exporter: E, settings: QueueSettings) -> Self {
        let shared = Arc::new(Shared {
            exporter: RwLock::new(exporter),
            state: Mutex::new(State::default()),
            work: Condvar::new(),
            idle: Condvar::new(),
            settings,
        });
        let workers = (0..settings.workers.max(1))
            .filter_map(|i| {
                let shared = Arc::clone(&shared);
                std::thread::Builder::new()
                    .name(format!("traced-export-{i}"))
                    .spawn(move || shared.work())
                    .ok()
            })
            .collect();
        QueueProcessor {
            shared,
            workers: Mutex::new(workers),
        }
    }
}

impl<E: SpanExporter> Shared<E> {
    /// A worker: takes batches as they become due, until closed and empty.
    fn work(&self) {
        loop {
            let mut batch = {
                let mut state = lock(&self.state);
                loop {
                    if let Some(batch) = self.due(&mut state) {
                        break batch;
                    }
                    if state.closed && state.queued == 0 {
                        return;
                    }
                    state = match state.batches.front().map(|(oldest, _)| *oldest) {
                        Some(oldest) => {
                            let wait = (oldest + self.settings.delay)
                                .saturating_duration_since(Instant::now());
                            self.work
                                .wait_timeout(state, wait)
                                .unwrap_or_else(PoisonError::into_inner)
                                .0
                        }
                        None => self
                            .work
                            .wait(state)
                            .unwrap_or_else(PoisonError::into_inner),
                    };
                }
            };
            let mut spares = Spares::default();
            let data: Vec<SpanData> = batch
                .drain(..)
                .map(|span| span.into_span_data(&mut spares))
                .collect();
            drop(spares);
            let exporter = self.exporter.read().unwrap_or_else(PoisonError::into_inner);
            // The outcome is counted by the exporter's tally.
            let _ = futures_executor::block_on(exporter.export(data));
            drop(exporter);
            let mut state = lock(&self.state);
            if state.spare.len() < spares_kept(&self.settings) {
                state.spare.push(batch);
            }
            state.in_flight -= 1;
            if state.queued == 0 && state.in_flight == 0 {
                self.idle.notify_all();
            }
        }
    }

    /// The next batch to export, if one is due: full, or as old as the delay, or
    /// asked for by a flush or the shutdown.
    fn due(&self, state: &mut State) -> Option<Vec<Queued>> {
        let (oldest, first) = state.batches.front()?;
        let full = first.len() >= self.settings.max_batch;
        let old = oldest.elapsed() >= self.settings.delay;
        let asked = state.flushing > 0 || state.closed;
        if !(full || old || asked) {
            return None;
        }
        let (_, batch) = state.batches.pop_front()?;
        state.queued -= batch.len();
        state.in_flight += 1;
        if !state.batches.is_empty() {
            // Another worker can take the next batch at once.
            self.work.notify_one();
        }
        Some(batch)
    }

    /// Waits until everything queued now is exported, or `deadline`.
    fn drain(&self, deadline: Instant) -> OTelSdkResult {
        let mut state = lock(&self.state);
        state.flushing += 1;
        self.work.notify_all();
        while !(state.queued == 0 && state.in_flight == 0) {
            let wait = deadline.saturating_duration_since(Instant::now());
            if wait.is_zero() {
                state.flushing -= 1;
                return Err(OTelSdkError::Timeout(Duration::ZERO));
            }
            state = self
                .idle
                .wait_timeout(state, wait)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        state.flushing -= 1;
        Ok(())
    }
}

impl<E: SpanExporter + 'static> QueueProcessor<E> {
    fn queue(&self, span: Queued) {
        let settings = &self.shared.settings;
        let mut state = lock(&self.shared.state);
        if state.closed || state.queued >= settings.max_queue {
            drop(state);
            if let Queued::Native(ended) = span {
                ended.discard();
            }
            return;
        }
        state.queued += 1;
        match state.batches.back_mut() {
            Some((_, last)) if last.len() < settings.max_batch => {
                last.push(span);
                if last.len() == settings.max_batch {
                    self.shared.work.notify_one();
                }
            }
            _ => {
                let mut batch = state
                    .spare
                    .pop()
                    .unwrap_or_else(|| Vec::with_capacity(settings.max_batch));
                batch.push(span);
                let full = batch.len() == settings.max_batch;
                state.batches.push_back((Instant::now(), batch));
                if full || state.batches.len() == 1 {
                    // A worker waiting without a deadline learns the delay's start.
                    self.shared.work.notify_one();
                }
            }
        }
    }
}

impl<E: SpanExporter + 'static> Processor for QueueProcessor<E> {
    fn on_end_native(&self, span: Ended) {
        self.queue(Queued::Native(span));
    }
}

impl<E: SpanExporter + 'static> SpanProcessor for QueueProcessor<E> {
    fn on_start(&self, _: &mut Span, _: &Context) {}

    fn on_end(&self, span: SpanData) {
        self.queue(Queued::Data(Box::new(span)));
    }

    fn force_flush(&self) -> OTelSdkResult {
        // The guard bounds a flush by its own deadline; this one is a backstop.
        self.shared
            .drain(Instant::now() + Duration::from_secs(600))?;
        self.shared
            .exporter
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        let deadline = Instant::now() + timeout;
        lock(&self.shared.state).closed = true;
        self.shared.work.notify_all();
        let drained = self.shared.drain(deadline);
        let workers = std::mem::take(&mut *lock(&self.workers));
        if drained.is_ok() {
            for worker in workers {
                let _ = worker.join();
            }
        }
        let rest = deadline.saturating_duration_since(Instant::now());
        let shutdown = self
            .shared
            .exporter
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .shutdown_with_timeout(rest);
        drained.and(shutdown)
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.shared
            .exporter
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .set_resource(resource);
    }
}

impl<E: SpanExporter + 'static> Drop for QueueProcessor<E> {
    fn drop(&mut self) {
        // Workers still waiting end once the queue is empty; none is joined here.
        lock(&self.shared.state).closed = true;
        self.shared.work.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::render::tests::span;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Records the batches it gets; each export takes `latency`.
    #[derive(Debug, Default)]
    struct Slow {
        latency: Duration,
        batches: Mutex<Vec<usize>>,
        in_flight: AtomicUsize,
        most_in_flight: AtomicUsize,
    }

    #[derive(Debug)]
    struct Probe(Arc<Slow>);

    impl SpanExporter for Probe {
        fn export(
            &self,
            batch: Vec<SpanData>,
        ) -> impl std::future::Future<Output = OTelSdkResult> + Send {
            let this = &self.0;
            let now = this.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            this.most_in_flight.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(this.latency);
            lock(&this.batches).push(batch.len());
            this.in_flight.fetch_sub(1, Ordering::SeqCst);
            std::future::ready(Ok(()))
        }
    }

    fn settings(workers: usize) -> QueueSettings {
        QueueSettings {
            max_queue: 100,
            max_batch: 10,
            delay: Duration::from_secs(60),
            workers,
        }
    }

    fn spans(n: u64) -> impl Iterator<Item = SpanData> {
        (1..=n).map(|i| span(1, i, 0, "s", 0..1))
    }

    fn exported(slow: &Slow) -> usize {
        lock(&slow.batches).iter().sum()
    }

    fn wait_for(slow: &Slow, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while exported(slow) < n && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    #[test]
    fn a_full_batch_is_exported_without_waiting_for_the_delay() {
        let slow = Arc::new(Slow::default());
        let queue = QueueProcessor::new(Probe(Arc::clone(&slow)), settings(1));
        spans(25).for_each(|s| queue.on_end(s));
        wait_for(&slow, 20);
        assert_eq!(
            *lock(&slow.batches),
            [10, 10],
            "the 5 left wait for the delay"
        );
        queue.force_flush().unwrap();
        assert_eq!(exported(&slow), 25);
    }

    #[test]
    fn batches_are_exported_several_at_once() {
        let slow = Arc::new(Slow {
            latency: Duration::from_millis(100),
            ..Slow::default()
        });
        let queue = QueueProcessor::new(Probe(Arc::clone(&slow)), settings(4));
        spans(40).for_each(|s| queue.on_end(s));
        queue.force_flush().unwrap();
        assert_eq!(exported(&slow), 40);
        assert_eq!(slow.most_in_flight.load(Ordering::SeqCst), 4);
    }

    #[test]
    fn spans_beyond_the_queue_are_dropped() {
        let slow = Arc::new(Slow {
            latency: Duration::from_millis(200),
            ..Slow::default()
        });
        let queue = QueueProcessor::new(Probe(Arc::clone(&slow)), settings(1));
        spans(300).for_each(|s| queue.on_end(s));
        queue.force_flush().unwrap();
        let exported = exported(&slow);
        // The queue's 100, and the batch a worker took before it filled.
        assert!((100..=110).contains(&exported), "{exported}");
    }

    #[test]
    fn shutdown_keeps_to_its_timeout_with_a_stuck_exporter() {
        let slow = Arc::new(Slow {
            latency: Duration::from_secs(3),
            ..Slow::default()
        });
        let queue = QueueProcessor::new(Probe(Arc::clone(&slow)), settings(1));
        spans(30).for_each(|s| queue.on_end(s));
        let started = Instant::now();
        assert!(queue
            .shutdown_with_timeout(Duration::from_millis(200))
            .is_err());
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn spans_after_shutdown_are_not_queued() {
        let slow = Arc::new(Slow::default());
        let queue = QueueProcessor::new(Probe(Arc::clone(&slow)), settings(1));
        queue.shutdown_with_timeout(Duration::from_secs(1)).unwrap();
        spans(5).for_each(|s| queue.on_end(s));
        assert_eq!(exported(&slow), 0);
        assert_eq!(lock(&queue.shared.state).queued, 0);
    }
}
