//! The metric of one `#[traced(metrics)]` function: its instruments, made once per
//! meter-provider installation with one bound attribute set per outcome, and the
//! timer a call carries.

use super::histogram::{duration_histogram, meter};
use super::{binds, enabled, epoch, naming, Naming, DURATION_BUCKETS};
use crate::clock::Stopwatch;
use crate::filter::Switch;
use crate::record::PANIC_TYPE;
use opentelemetry::metrics::{BoundCounter, BoundHistogram, Counter, Histogram};
use opentelemetry::{KeyValue, Value};
use opentelemetry_semantic_conventions::attribute::{CODE_FUNCTION_NAME, ERROR_TYPE};
use pin_project_lite::pin_project;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::task::{Context as TaskContext, Poll};

/// What a measured call site knows at compile time.
#[doc(hidden)]
#[derive(Debug)]
pub struct MetricMeta {
    /// `code.function.name`.
    pub function: &'static str,
    /// The span name: `operation` in [`Naming::GoCompatible`].
    pub name: &'static str,
    pub scope: &'static str,
    pub version: &'static str,
    /// `metrics(attrs(...))` whose values are literals: bound with the rest.
    pub attrs: &'static [(&'static str, Literal)],
    /// Measured because every function is (the `metrics-everywhere` feature):
    /// records only while [`super::set_everywhere`] says so.
    pub implicit: bool,
}

/// A literal attribute value.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub enum Literal {
    Str(&'static str),
    I64(i64),
    F64(f64),
    Bool(bool),
}

impl From<Literal> for Value {
    fn from(literal: Literal) -> Value {
        match literal {
            Literal::Str(s) => Value::from(s),
            Literal::I64(i) => Value::I64(i),
            Literal::F64(f) => Value::F64(f),
            Literal::Bool(b) => Value::Bool(b),
        }
    }
}

/// How a call ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Ok,
    Err(&'static str),
    Panic,
    Cancelled,
}

/// One measured function.
#[doc(hidden)]
#[derive(Debug)]
pub struct CallMetric {
    meta: MetricMeta,
    switch: Switch,
    /// The instruments of the current installation: read with one load, no lock.
    current: AtomicPtr<Kept>,
    /// Every `Kept` this call site made, the current one included. A reader may
    /// still hold an older one when the provider changes, so none is freed while
    /// the call site (a `static`) lives: one per meter-provider installation that
    /// recorded here, a few hundred bytes each.
    // Boxed: a reader's pointer must stay valid when the vector grows.
    #[allow(clippy::vec_box)]
    made: Mutex<Vec<Box<Kept>>>,
}

/// The instruments of one installation, and the attribute sets of each outcome,
/// each bound when the outcome first happens (a bound set is exported from then
/// on, so one bound ahead would show outcomes that never happened).
#[derive(Debug)]
struct Instruments {
    histogram: Histogram<f64>,
    counter: Option<Counter<u64>>,
    /// `code.function.name` (or `operation`) and the literal attributes.
    base: Vec<KeyValue>,
    bound: bool,
    ok: OnceLock<Recorder>,
    panic: OnceLock<Recorder>,
    cancelled: OnceLock<Recorder>,
    /// An `Err` output's: a function has one error type.
    err: OnceLock<(&'static str, Recorder)>,
}

// `current` hands `&Instruments` to every thread.
const _: fn() = || {
    fn shared<T: Send + Sync>() {}
    shared::<Instruments>();
};

/// The instruments made for one installation.
#[derive(Debug)]
struct Kept {
    epoch: u64,
    instruments: Instruments,
}

/// Records one outcome: through bound instruments, or with its attribute set.
#[derive(Debug)]
enum Recorder {
    Bound(BoundHistogram<f64>, Option<BoundCounter<u64>>),
    Unbound(Vec<KeyValue>),
}

impl Instruments {
    fn new(meta: &MetricMeta) -> Self {
        let naming = naming();
        let (name, description, key, value) = match naming {
            Naming::Semantic => (
                "function.call.duration",
                "Duration of calls to an instrumented function.",
                CODE_FUNCTION_NAME,
                meta.function,
            ),
            Naming::GoCompatible => (
                "operation.duration",
                "Duration of operations.",
                "operation",
                meta.name,
            ),
        };
        let histogram = duration_histogram(
            (meta.scope, meta.version),
            name,
            description,
            DURATION_BUCKETS,
        );
        let counter = (naming == Naming::GoCompatible).then(|| {
            meter(meta.scope, meta.version)
                .u64_counter("operations.total")
                .with_unit("{operation}")
                .with_description("Number of operations.")
                .build()
        });
        let mut base = vec![KeyValue::new(key, value)];
        base.extend(
            meta.attrs
                .iter()
                .map(|(key, value)| KeyValue::new(*key, Value::from(*value))),
        );
        Instruments {
            histogram,
            counter,
            base,
            bound: binds(),
            ok: OnceLock::new(),
            panic: OnceLock::new(),
            cancelled: OnceLock::new(),
            err: OnceLock::new(),
        }
    }

    fn recorder(&self, outcome: Outcome) -> Recorder {
        let attrs = with_outcome(&self.base, outcome, &[]);
        if self.bound {
            Recorder::Bound(
                self.histogram.bind(&attrs),
                self.counter.as_ref().map(|c| c.bind(&attrs)),
            )
        } else {
            Recorder::Unbound(attrs)
        }
    }

    fn record(&self, seconds: f64, outcome: Outcome) {
        let recorder = match outcome {
            Outcome::Ok => self.ok.get_or_init(|| self.recorder(outcome)),
            Outcome::Panic => self.panic.get_or_init(|| self.recorder(outcome)),
            Outcome::Cancelled => self.cancelled.get_or_init(|| self.recorder(outcome)),
            Outcome::Err(type_name) => {
                let (kept, recorder) = self.err.get_or_init(|| (type_name, self.recorder(outcome)));
                if *kept != type_name {
                    return self.record_with(seconds, outcome, &[]);
                }
                recorder
            }
        };
        match recorder {
            Recorder::Bound(histogram, counter) => {
                histogram.record(seconds);
                if let Some(counter) = counter {
                    counter.add(1);
                }
            }
            Recorder::Unbound(attrs) => self.record_attrs(seconds, attrs),
        }
    }

    fn record_with(&self, seconds: f64, outcome: Outcome, dynamic: &[KeyValue]) {
        self.record_attrs(seconds, &with_outcome(&self.base, outcome, dynamic));
    }

    fn record_attrs(&self, seconds: f64, attrs: &[KeyValue]) {
        self.histogram.record(seconds, attrs);
        if let Some(counter) = &self.counter {
            counter.add(1, attrs);
        }
    }
}

/// `base`, `dynamic`, and the outcome's attribute.
fn with_outcome(base: &[KeyValue], outcome: Outcome, dynamic: &[KeyValue]) -> Vec<KeyValue> {
    let mut attrs = Vec::with_capacity(base.len() + dynamic.len() + 1);
    attrs.extend_from_slice(base);
    attrs.extend_from_slice(dynamic);
    match outcome {
        Outcome::Ok => {}
        Outcome::Err(type_name) => attrs.push(KeyValue::new(ERROR_TYPE, type_name)),
        Outcome::Panic => attrs.push(KeyValue::new(ERROR_TYPE, PANIC_TYPE)),
        Outcome::Cancelled => attrs.push(KeyValue::new(crate::CANCELLED_KEY, true)),
    }
    attrs
}

impl CallMetric {
    #[must_use]
    pub const fn new(meta: MetricMeta) -> Self {
        CallMetric {
            switch: Switch::scoped(meta.function, meta.scope),
            meta,
            current: AtomicPtr::new(std::ptr::null_mut()),
            made: Mutex::new(Vec::new()),
        }
    }

    /// Starts timing a call, when a meter provider is installed and the filter
    /// lets this function record.
    #[inline]
    pub fn start(&'static self) -> Timer {
        Timer {
            started: self.records().then(|| (Stopwatch::start(), [])),
            metric: self,
        }
    }

    #[inline]
    fn records(&'static self) -> bool {
        enabled() && (!self.meta.implicit || super::everywhere()) && self.switch.is_on()
    }

    /// [`CallMetric::start`] with attributes evaluated for this call.
    #[inline]
    pub fn start_with<A: AsRef<[KeyValue]>>(&'static self, attrs: impl FnOnce() -> A) -> Timer<A> {
        Timer {
            started: self.records().then(|| (Stopwatch::start(), attrs())),
            metric: self,
        }
    }

    #[inline(never)]
    fn record(&self, seconds: f64, outcome: Outcome, dynamic: &[KeyValue]) {
        let now = epoch();
        let current = self.current.load(Ordering::Acquire);
        // SAFETY: a non-null `current` points into a box of `made`, which is never
        // dropped or moved out while `self` lives.
        if let Some(kept) = unsafe { current.as_ref() } {
            if kept.epoch == now {
                return kept.instruments.record_dynamic(seconds, outcome, dynamic);
            }
        }
        self.renew(now).record_dynamic(seconds, outcome, dynamic);
    }

    /// The instruments of installation `now`, made once.
    #[cold]
    fn renew(&self, now: u64) -> &Instruments {
        let mut made = self.made.lock().unwrap_or_else(PoisonError::into_inner);
        let kept = match made.iter().position(|k| k.epoch == now) {
            Some(i) => &*made[i],
            None => {
                made.push(Box::new(Kept {
                    epoch: now,
                    instruments: Instruments::new(&self.meta),
                }));
                &**made.last().expect("just pushed")
            }
        };
        let pointer: *const Kept = kept;
        self.current.store(pointer.cast_mut(), Ordering::Release);
        // SAFETY: as in `record`: the box outlives the guard, and `self`.
        unsafe { &(*pointer).instruments }
    }
}

impl Instruments {
    fn record_dynamic(&self, seconds: f64, outcome: Outcome, dynamic: &[KeyValue]) {
        if dynamic.is_empty() {
            self.record(seconds, outcome);
        } else {
            self.record_with(seconds, outcome, dynamic);
        }
    }
}

/// A call being timed. Dropped without [`Timer::finish`] (the call unwound), it
/// records a panic.
#[doc(hidden)]
#[derive(Debug)]
#[must_use]
pub struct Timer<A: AsRef<[KeyValue]> = [KeyValue; 0]> {
    started: Option<(Stopwatch, A)>,
    metric: &'static CallMetric,
}

impl<A: AsRef<[KeyValue]>> Timer<A> {
    /// Records the call, `Err` with `error` the error's type name.
    #[inline]
    pub fn finish(mut self, error: Option<&'static str>) {
        self.end(error.map_or(Outcome::Ok, Outcome::Err));
    }

    #[inline]
    fn end(&mut self, outcome: Outcome) {
        if let Some((watch, attrs)) = self.started.take() {
            self.metric.record(watch.seconds(), outcome, attrs.as_ref());
        }
    }
}

impl<A: AsRef<[KeyValue]>> Drop for Timer<A> {
    fn drop(&mut self) {
        if self.started.is_some() {
            self.end(Outcome::Panic);
        }
    }
}

/// The error type of an output, for the metric: `Err` of a `Result` is the error's
/// type name (picked by auto-reference over [`ViaAny`]).
#[doc(hidden)]
pub struct MeasureOutcome<'a, T: ?Sized>(pub &'a T);

#[doc(hidden)]
pub trait ViaResult {
    fn error_type(&self) -> Option<&'static str>;
}

impl<T, E> ViaResult for MeasureOutcome<'_, Result<T, E>> {
    #[inline]
    fn error_type(&self) -> Option<&'static str> {
        self.0.as_ref().err().map(|_| std::any::type_name::<E>())
    }
}

#[doc(hidden)]
pub trait ViaAny {
    fn error_type(&self) -> Option<&'static str>;
}

impl<T: ?Sized> ViaAny for &MeasureOutcome<'_, T> {
    #[inline]
    fn error_type(&self) -> Option<&'static str> {
        None
    }
}

pin_project! {
    /// A measured future: timed from its creation to its completion. Dropped
    /// before it completes, it records the call as cancelled (or as a panic, when
    /// it unwinds out of its own poll).
    #[doc(hidden)]
    #[must_use = "futures do nothing unless polled"]
    #[derive(Debug)]
    pub struct Measured<F, C, A: AsRef<[KeyValue]> = [KeyValue; 0]> {
        #[pin]
        future: F,
        timer: Timer<A>,
        classify: Option<C>,
        polling: bool,
    }

    impl<F, C, A: AsRef<[KeyValue]>> PinnedDrop for Measured<F, C, A> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if this.timer.started.is_some() && !(*this.polling && std::thread::panicking()) {
                this.timer.end(Outcome::Cancelled);
            }
        }
    }
}

impl<F, C, A: AsRef<[KeyValue]>> Measured<F, C, A>
where
    F: Future,
    C: FnOnce(&F::Output) -> Option<&'static str>,
{
    #[inline]
    pub fn new(timer: Timer<A>, future: F, classify: C) -> Self {
        Measured {
            future,
            timer,
            classify: Some(classify),
            polling: false,
        }
    }
}

impl<F, C, A: AsRef<[KeyValue]>> Future for Measured<F, C, A>
where
    F: Future,
    C: FnOnce(&F::Output) -> Option<&'static str>,
{
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, task: &mut TaskContext<'_>) -> Poll<F::Output> {
        let this = self.project();
        *this.polling = true;
        let poll = this.future.poll(task);
        *this.polling = false;
        if let Poll::Ready(output) = &poll {
            let error = this.classify.take().and_then(|classify| classify(output));
            this.timer.end(error.map_or(Outcome::Ok, Outcome::Err));
        }
        poll
    }
}
