//! A duration histogram kept per meter-provider installation: what the
//! integrations record `http.server.request.duration` and the others into.

use super::{enabled, epoch};
use opentelemetry::metrics::Histogram;
use opentelemetry::{InstrumentationScope, KeyValue};
use std::sync::{PoisonError, RwLock};

/// A histogram of durations in seconds, made from the installed meter provider
/// when first recorded into, and again after the provider changes. Meant for a
/// `static`.
///
/// ```
/// use traced::metrics::{DurationHistogram, Stopwatch};
/// use traced::otel::KeyValue;
///
/// static DURATION: DurationHistogram = DurationHistogram::new(
///     "my.operation.duration",
///     "Duration of my operations.",
///     traced::metrics::DURATION_BUCKETS,
///     (env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION")),
/// );
///
/// if traced::metrics::enabled() {
///     let watch = Stopwatch::start();
///     // ... the operation ...
///     DURATION.record(watch.seconds(), &[KeyValue::new("my.outcome", "ok")]);
/// }
/// ```
#[derive(Debug)]
pub struct DurationHistogram {
    name: &'static str,
    description: &'static str,
    buckets: &'static [f64],
    scope: (&'static str, &'static str),
    kept: RwLock<Option<(u64, Histogram<f64>)>>,
}

impl DurationHistogram {
    /// The histogram `name` (unit `s`) with explicit `buckets`, in the meter of
    /// the instrumentation scope `(name, version)`.
    #[must_use]
    pub const fn new(
        name: &'static str,
        description: &'static str,
        buckets: &'static [f64],
        scope: (&'static str, &'static str),
    ) -> Self {
        DurationHistogram {
            name,
            description,
            buckets,
            scope,
            kept: RwLock::new(None),
        }
    }

    /// The instrument's name.
    #[must_use]
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Records `seconds` with `attributes`, when a meter provider is installed.
    pub fn record(&self, seconds: f64, attributes: &[KeyValue]) {
        if !enabled() {
            return;
        }
        let now = epoch();
        {
            let kept = self.kept.read().unwrap_or_else(PoisonError::into_inner);
            if let Some((at, histogram)) = kept.as_ref() {
                if *at == now {
                    histogram.record(seconds, attributes);
                    return;
                }
            }
        }
        let histogram = duration_histogram(self.scope, self.name, self.description, self.buckets);
        histogram.record(seconds, attributes);
        *self.kept.write().unwrap_or_else(PoisonError::into_inner) = Some((now, histogram));
    }
}

/// A new duration histogram from the global meter provider.
pub(crate) fn duration_histogram(
    (scope, version): (&'static str, &'static str),
    name: &'static str,
    description: &'static str,
    buckets: &[f64],
) -> Histogram<f64> {
    meter(scope, version)
        .f64_histogram(name)
        .with_unit("s")
        .with_description(description)
        .with_boundaries(buckets.to_vec())
        .build()
}

pub(crate) fn meter(scope: &'static str, version: &'static str) -> opentelemetry::metrics::Meter {
    opentelemetry::global::meter_with_scope(
        InstrumentationScope::builder(scope)
            .with_version(version)
            .build(),
    )
}

/// One measurement under way: its duration, recorded into a
/// [`DurationHistogram`] with the attributes gathered meanwhile when it is
/// finished or dropped. What the integrations time requests, calls and queries
/// with.
///
/// ```
/// use traced::metrics::{DurationHistogram, Measurement};
/// use traced::otel::KeyValue;
///
/// static DURATION: DurationHistogram = DurationHistogram::new(
///     "my.operation.duration",
///     "Duration of my operations.",
///     traced::metrics::DURATION_BUCKETS,
///     ("my-crate", "1.0.0"),
/// );
///
/// // `None` when no meter provider is installed: nothing is timed.
/// let mut measurement = Measurement::start(&DURATION, 2);
/// // ... the operation ...
/// if let Some(m) = &mut measurement {
///     m.add(KeyValue::new("my.outcome", "ok"));
/// }
/// drop(measurement); // recorded
/// ```
#[derive(Debug)]
pub struct Measurement {
    watch: crate::clock::Stopwatch,
    histogram: &'static DurationHistogram,
    attributes: Vec<KeyValue>,
}

impl Measurement {
    /// Starts timing, with room for `attributes` attributes, when a meter
    /// provider is installed.
    #[must_use]
    pub fn start(histogram: &'static DurationHistogram, attributes: usize) -> Option<Self> {
        enabled().then(|| Measurement {
            watch: crate::clock::Stopwatch::start(),
            histogram,
            attributes: Vec::with_capacity(attributes),
        })
    }

    /// Adds an attribute, or replaces the one with the same key.
    pub fn add(&mut self, attribute: KeyValue) {
        match self.attributes.iter_mut().find(|a| a.key == attribute.key) {
            Some(kept) => *kept = attribute,
            None => self.attributes.push(attribute),
        }
    }

    /// Whether the attribute `key` was added.
    #[must_use]
    pub fn has(&self, key: &str) -> bool {
        self.attributes.iter().any(|a| a.key.as_str() == key)
    }

    /// Records now (dropping it does the same).
    pub fn finish(self) {}
}

impl Drop for Measurement {
    fn drop(&mut self) {
        self.histogram
            .record(self.watch.seconds(), &self.attributes);
    }
}
