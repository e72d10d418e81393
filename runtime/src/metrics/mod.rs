//! Metrics: durations measured by `#[traced(metrics)]` and by the integrations,
//! recorded into OpenTelemetry histograms whether or not the call's span is
//! sampled.
//!
//! Measurements go to the meter provider installed with [`set_meter_provider`]
//! (`traced-sdk`'s setup installs one). A provider installed only through
//! `opentelemetry::global::set_meter_provider` is not seen: the OpenTelemetry API
//! cannot tell a recording meter provider from its default no-op one, and with
//! nothing installed a measured call costs one load and a branch.
//!
//! # The instruments of `#[traced(metrics)]`
//!
//! | naming | instrument | kind | unit | attributes |
//! |---|---|---|---|---|
//! | [`Naming::Semantic`] (default) | `function.call.duration` | histogram | `s` | `code.function.name`, `error.type` on failure, the `metrics(attrs(...))` |
//! | [`Naming::GoCompatible`] | `operation.duration` | histogram | `s` | `operation` (the span name), `error.type` on failure, the `metrics(attrs(...))` |
//! | [`Naming::GoCompatible`] | `operations.total` | counter | `{operation}` | the same |
//!
//! With the `metrics-everywhere` feature and [`set_everywhere`]`(true)`, every
//! `#[traced]` function records as if it had `metrics`.
//!
//! Both histograms have the buckets the semantic conventions advise for
//! durations, [`DURATION_BUCKETS`]. A call that returns `Err` has
//! `error.type` = the error's type name (what `record_err` sets on the span), a
//! call that panics `error.type` = `panic`; an `async` call dropped before it
//! completed has `traced.cancelled` = `true`.

mod call;
mod histogram;

pub use crate::clock::Stopwatch;
pub use histogram::{DurationHistogram, Measurement};

#[doc(hidden)]
pub use call::{
    CallMetric, Literal, MeasureOutcome, Measured, MetricMeta, Timer, ViaAny, ViaResult,
};

use opentelemetry::metrics::MeterProvider;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::{Mutex, PoisonError};

/// The buckets, in seconds, the semantic conventions advise for durations
/// (`http.server.request.duration` and the others).
pub const DURATION_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

/// The buckets, in seconds, the semantic conventions advise for
/// `db.client.operation.duration`.
pub const DB_DURATION_BUCKETS: &[f64] = &[0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0];

/// How `#[traced(metrics)]` names its instruments.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Naming {
    /// `function.call.duration` with `code.function.name`, by the semantic
    /// conventions' naming rules.
    #[default]
    Semantic,
    /// `operation.duration` and an `operations.total` counter with `operation` =
    /// the span name: the names of the hand-written Go instrumentation many
    /// dashboards were built on.
    GoCompatible,
}

const OFF: u8 = 0;
const UNBOUND: u8 = 1;
const BOUND: u8 = 2;

static STATE: AtomicU8 = AtomicU8::new(OFF);
static EVERYWHERE: AtomicBool = AtomicBool::new(false);
static NAMING: AtomicU8 = AtomicU8::new(0);
static EPOCH: AtomicU64 = AtomicU64::new(1);
static INSTALL: Mutex<()> = Mutex::new(());

/// Whether a meter provider is installed: one load. Integrations ask it before
/// they read a clock for a metric.
#[inline]
#[must_use]
pub fn enabled() -> bool {
    STATE.load(Ordering::Relaxed) != OFF
}

#[inline]
pub(crate) fn epoch() -> u64 {
    EPOCH.load(Ordering::Acquire)
}

/// Whether the provider installed binds attribute sets (see [`install`]).
pub(crate) fn binds() -> bool {
    STATE.load(Ordering::Relaxed) == BOUND
}

pub(crate) fn naming() -> Naming {
    if NAMING.load(Ordering::Relaxed) == 1 {
        Naming::GoCompatible
    } else {
        Naming::Semantic
    }
}

/// Whether this build measures every `#[traced]` function: `traced`'s
/// `metrics-everywhere` feature, which an application enables for its whole
/// dependency graph.
pub const EVERYWHERE_BUILT: bool = cfg!(feature = "metrics-everywhere");

/// Makes every `#[traced]` function record its metric, as with `metrics`, from
/// its next call on (`false`: only those with `metrics`). Takes effect only in a
/// build with the `metrics-everywhere` feature ([`EVERYWHERE_BUILT`]): without
/// it, a function without `metrics` has no timer to start.
pub fn set_everywhere(on: bool) {
    EVERYWHERE.store(on, Ordering::Relaxed);
}

#[inline]
pub(crate) fn everywhere() -> bool {
    EVERYWHERE.load(Ordering::Relaxed)
}

/// Installs `provider` as the global meter provider, and makes every measured call
/// site and integration record into it from its next call on.
///
/// ```
/// use traced::otel::metrics::noop::NoopMeterProvider;
///
/// traced::metrics::set_meter_provider(NoopMeterProvider::new());
/// ```
pub fn set_meter_provider<P: MeterProvider + Send + Sync + 'static>(provider: P) {
    install(provider, Naming::Semantic, false);
}

/// [`set_meter_provider`] with the naming of `#[traced(metrics)]`'s instruments,
/// and whether the provider's SDK binds attribute sets: `opentelemetry_sdk`
/// built with its `experimental_metrics_bound_instruments` feature does (as
/// `traced-sdk` builds it), and then a call records with no attribute look-up.
/// Say `true` only then: an SDK without the feature drops what bound
/// instruments record. Returns the installation, for [`uninstall`].
pub fn install<P: MeterProvider + Send + Sync + 'static>(
    provider: P,
    naming: Naming,
    bound_instruments: bool,
) -> u64 {
    let _serial = INSTALL.lock().unwrap_or_else(PoisonError::into_inner);
    opentelemetry::global::set_meter_provider(provider);
    NAMING.store(u8::from(naming == Naming::GoCompatible), Ordering::Relaxed);
    STATE.store(
        if bound_instruments { BOUND } else { UNBOUND },
        Ordering::Relaxed,
    );
    EPOCH.fetch_add(1, Ordering::AcqRel) + 1
}

/// Stops recording into the provider of installation `at`, when it is still the
/// installed one, and puts the no-op provider in its place.
pub fn uninstall(at: u64) {
    let _serial = INSTALL.lock().unwrap_or_else(PoisonError::into_inner);
    if epoch() == at {
        STATE.store(OFF, Ordering::Relaxed);
        opentelemetry::global::set_meter_provider(
            opentelemetry::metrics::noop::NoopMeterProvider::new(),
        );
        EPOCH.fetch_add(1, Ordering::AcqRel);
    }
}
