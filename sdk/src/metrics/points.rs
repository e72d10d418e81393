//! The SDK's aggregated metrics as plain values: what the console summarises and
//! what tests assert on.

use opentelemetry::KeyValue;
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData, ResourceMetrics};

/// One data point of one instrument.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricPoint {
    /// The instrumentation scope's name (the instrumented crate).
    pub scope: String,
    /// The instrument's name.
    pub name: String,
    /// The instrument's unit.
    pub unit: String,
    /// The point's attributes, sorted by key.
    pub attributes: Vec<KeyValue>,
    /// Its value.
    pub value: PointValue,
}

/// A data point's value.
#[derive(Clone, Debug, PartialEq)]
pub enum PointValue {
    /// A histogram with explicit buckets.
    Histogram {
        /// Measurements.
        count: u64,
        /// Their sum.
        sum: f64,
        /// The smallest and largest, when recorded.
        min: Option<f64>,
        /// The largest.
        max: Option<f64>,
        /// The bucket boundaries.
        bounds: Vec<f64>,
        /// The count of each bucket: one more than the boundaries.
        bucket_counts: Vec<u64>,
    },
    /// A sum (a counter's value).
    Sum(f64),
    /// A gauge's last value.
    Gauge(f64),
}

impl MetricPoint {
    /// The attribute `key`'s value.
    #[must_use]
    pub fn attr(&self, key: &str) -> Option<&opentelemetry::Value> {
        self.attributes
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .map(|kv| &kv.value)
    }

    /// The attribute `key`'s value as text.
    #[must_use]
    pub fn attr_str(&self, key: &str) -> Option<String> {
        self.attr(key).map(ToString::to_string)
    }

    /// A histogram's count; 0 for other points.
    #[must_use]
    pub fn count(&self) -> u64 {
        match &self.value {
            PointValue::Histogram { count, .. } => *count,
            _ => 0,
        }
    }
}

/// Every data point of `metrics`.
pub(crate) fn points(metrics: &ResourceMetrics) -> Vec<MetricPoint> {
    let mut points = Vec::new();
    for scope in metrics.scope_metrics() {
        for metric in scope.metrics() {
            let mut add = |attributes: Vec<KeyValue>, value| {
                let mut attributes = attributes;
                attributes.sort_by(|a, b| a.key.as_str().cmp(b.key.as_str()));
                points.push(MetricPoint {
                    scope: scope.scope().name().to_owned(),
                    name: metric.name().to_owned(),
                    unit: metric.unit().to_owned(),
                    attributes,
                    value,
                });
            };
            match metric.data() {
                AggregatedMetrics::F64(data) => each(data, |v| v, &mut add),
                #[allow(clippy::cast_precision_loss)]
                AggregatedMetrics::U64(data) => each(data, |v| v as f64, &mut add),
                #[allow(clippy::cast_precision_loss)]
                AggregatedMetrics::I64(data) => each(data, |v| v as f64, &mut add),
            }
        }
    }
    points
}

fn each<T: Copy>(
    data: &MetricData<T>,
    float: impl Fn(T) -> f64,
    add: &mut impl FnMut(Vec<KeyValue>, PointValue),
) {
    match data {
        MetricData::Histogram(histogram) => {
            for point in histogram.data_points() {
                add(
                    point.attributes().cloned().collect(),
                    PointValue::Histogram {
                        count: point.count(),
                        sum: float(point.sum()),
                        min: point.min().map(&float),
                        max: point.max().map(&float),
                        bounds: point.bounds().collect(),
                        bucket_counts: point.bucket_counts().collect(),
                    },
                );
            }
        }
        MetricData::Sum(sum) => {
            for point in sum.data_points() {
                add(
                    point.attributes().cloned().collect(),
                    PointValue::Sum(float(point.value())),
                );
            }
        }
        MetricData::Gauge(gauge) => {
            for point in gauge.data_points() {
                add(
                    point.attributes().cloned().collect(),
                    PointValue::Gauge(float(point.value())),
                );
            }
        }
        // Only made by a view asking for it; traced asks for none.
        MetricData::ExponentialHistogram(_) => {}
    }
}
