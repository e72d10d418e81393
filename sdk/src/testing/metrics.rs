//! Capturing metrics in memory: what `#[traced(metrics)]` and the integrations
//! recorded, to assert on in tests.

use crate::metrics::{points, MetricPoint};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider, Temporality};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;
use traced::metrics::Naming;

static POINTS: Mutex<Vec<MetricPoint>> = Mutex::new(Vec::new());
static TURN: Mutex<()> = Mutex::new(());
static PROVIDER: OnceLock<SdkMeterProvider> = OnceLock::new();

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Starts capturing metrics, with the default naming.
///
/// ```
/// #[traced::traced(metrics)]
/// fn add(a: i64, b: i64) -> i64 { a + b }
///
/// let capture = traced_sdk::testing::metrics();
/// add(2, 3);
/// let points = capture.finish();
/// let point = points.iter().find(|p| p.name == "function.call.duration").unwrap();
/// assert_eq!(point.count(), 1);
/// ```
pub fn metrics() -> MetricCapture {
    metrics_with(Naming::Semantic)
}

/// Starts capturing metrics with `naming`. Captures are taken one at a time, like
/// span captures; each sees only what was recorded while it lasted.
pub fn metrics_with(naming: Naming) -> MetricCapture {
    let turn = lock(&TURN);
    let provider = PROVIDER.get_or_init(|| {
        SdkMeterProvider::builder()
            .with_reader(
                PeriodicReader::builder(Keep)
                    .with_interval(Duration::from_secs(3600))
                    .build(),
            )
            .build()
    });
    // Delta temporality: what an earlier capture recorded goes with this flush.
    let _ = provider.force_flush();
    lock(&POINTS).clear();
    let installed = traced::metrics::install(provider.clone(), naming, true);
    MetricCapture {
        _turn: turn,
        installed,
    }
}

/// Metrics being captured; see [`metrics`].
#[derive(Debug)]
pub struct MetricCapture {
    _turn: MutexGuard<'static, ()>,
    installed: u64,
}

impl MetricCapture {
    /// Every data point recorded so far in this capture (one per instrument and
    /// attribute set), and the capture goes on.
    pub fn collect(&self) -> Vec<MetricPoint> {
        if let Some(provider) = PROVIDER.get() {
            let _ = provider.force_flush();
        }
        merge(std::mem::take(&mut *lock(&POINTS)))
    }

    /// Ends the capture, with what it recorded.
    pub fn finish(self) -> Vec<MetricPoint> {
        let points = self.collect();
        traced::metrics::uninstall(self.installed);
        points
    }
}

/// Delta points of several flushes, as one point per instrument and attributes.
fn merge(points: Vec<MetricPoint>) -> Vec<MetricPoint> {
    use crate::metrics::PointValue;
    let mut merged: Vec<MetricPoint> = Vec::new();
    for point in points {
        let same = merged.iter_mut().find(|m| {
            m.scope == point.scope && m.name == point.name && m.attributes == point.attributes
        });
        let Some(into) = same else {
            merged.push(point);
            continue;
        };
        match (&mut into.value, point.value) {
            (
                PointValue::Histogram {
                    count,
                    sum,
                    min,
                    max,
                    bucket_counts,
                    ..
                },
                PointValue::Histogram {
                    count: c,
                    sum: s,
                    min: lo,
                    max: hi,
                    bucket_counts: b,
                    ..
                },
            ) => {
                *count += c;
                *sum += s;
                *min = match (*min, lo) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                *max = match (*max, hi) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    (a, b) => a.or(b),
                };
                for (x, y) in bucket_counts.iter_mut().zip(b) {
                    *x += y;
                }
            }
            (PointValue::Sum(a), PointValue::Sum(b)) => *a += b,
            (into, other) => *into = other,
        }
    }
    merged
}

#[derive(Debug)]
struct Keep;

impl PushMetricExporter for Keep {
    fn export(
        &self,
        metrics: &ResourceMetrics,
    ) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        lock(&POINTS).extend(points(metrics));
        std::future::ready(Ok(()))
    }

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }

    fn temporality(&self) -> Temporality {
        Temporality::Delta
    }
}
