//! Metrics on the console: a line per export interval for long-running programs,
//! and at shutdown a table of every measured operation: calls, errors,
//! p50/p90/p99 and the longest duration.

use super::points::{points, MetricPoint, PointValue};
use crate::console::Printer;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::metrics::Temporality;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The attributes that name an integration's operation, in the order shown.
const NAMING_KEYS: [&str; 7] = [
    "http.request.method",
    "http.route",
    "rpc.method",
    "db.query.summary",
    "messaging.operation.name",
    "messaging.destination.name",
    "server.address",
];

/// The console's metric exporter (cumulative: every export holds the totals).
pub(crate) struct ConsoleMetrics {
    printer: Printer,
    /// The export interval: a line is printed for the periodic exports, not for
    /// the one shutdown makes (the table follows it).
    interval: Duration,
    last: Mutex<Last>,
}

struct Last {
    rows: Vec<Row>,
    /// The calls counted at the last line printed, to print only on change.
    printed_calls: u64,
    /// When the last line was printed (or the exporter made).
    printed_at: Instant,
}

impl ConsoleMetrics {
    pub(crate) fn new(printer: Printer, interval: Duration) -> Self {
        ConsoleMetrics {
            printer,
            interval,
            last: Mutex::new(Last {
                rows: Vec::new(),
                printed_calls: 0,
                printed_at: Instant::now(),
            }),
        }
    }
}

impl std::fmt::Debug for ConsoleMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ConsoleMetrics")
    }
}

impl PushMetricExporter for ConsoleMetrics {
    fn export(
        &self,
        metrics: &ResourceMetrics,
    ) -> impl std::future::Future<Output = OTelSdkResult> + Send {
        let rows = rows(&points(metrics));
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        let calls: u64 = rows.iter().map(|r| r.calls).sum();
        // A periodic export comes an interval after the last; shutdown's sooner.
        let periodic = last.printed_at.elapsed() >= self.interval.mul_f64(0.9);
        if periodic && calls != last.printed_calls && !rows.is_empty() {
            self.printer.print(&line(&rows));
            last.printed_calls = calls;
            last.printed_at = Instant::now();
        }
        last.rows = rows;
        std::future::ready(Ok(()))
    }

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        let last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        if !last.rows.is_empty() {
            self.printer.print(&table(&last.rows));
        }
        Ok(())
    }

    fn temporality(&self) -> Temporality {
        Temporality::Cumulative
    }
}

/// One operation's durations, over its outcomes.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Row {
    pub(crate) label: String,
    pub(crate) calls: u64,
    pub(crate) errors: u64,
    bounds: Vec<f64>,
    buckets: Vec<u64>,
    min: f64,
    pub(crate) max: f64,
}

/// The rows of every duration histogram (unit `s`) in `points`, one per operation.
pub(crate) fn rows(points: &[MetricPoint]) -> Vec<Row> {
    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    for point in points.iter().filter(|p| p.unit == "s") {
        let PointValue::Histogram {
            count,
            min,
            max,
            bounds,
            bucket_counts,
            ..
        } = &point.value
        else {
            continue;
        };
        if *count == 0 {
            continue;
        }
        let label = label(point);
        let failed = point.attr("error.type").is_some();
        let row = rows.entry(label.clone()).or_insert_with(|| Row {
            label,
            calls: 0,
            errors: 0,
            bounds: bounds.clone(),
            buckets: vec![0; bucket_counts.len()],
            min: f64::INFINITY,
            max: 0.0,
        });
        row.calls += count;
        if failed {
            row.errors += count;
        }
        if row.buckets.len() == bucket_counts.len() {
            for (sum, n) in row.buckets.iter_mut().zip(bucket_counts) {
                *sum += n;
            }
        }
        row.min = row.min.min(min.unwrap_or(0.0));
        row.max = row.max.max(max.unwrap_or(0.0));
    }
    rows.into_values().collect()
}

/// What names an operation: the function, or the instrument and its attributes.
fn label(point: &MetricPoint) -> String {
    for key in ["code.function.name", "operation"] {
        if let Some(value) = point.attr(key) {
            return value.to_string();
        }
    }
    let mut label = point.name.clone();
    for key in NAMING_KEYS {
        if let Some(value) = point.attr(key) {
            let _ = write!(label, " {value}");
        }
    }
    label
}

impl Row {
    /// The `q` quantile, estimated from the buckets: linear within the bucket it
    /// falls in, which is narrowed to the smallest and largest values seen.
    pub(crate) fn quantile(&self, q: f64) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let rank = q * self.calls as f64;
        let mut below = 0u64;
        for (i, &n) in self.buckets.iter().enumerate() {
            #[allow(clippy::cast_precision_loss)]
            if n > 0 && (below + n) as f64 >= rank {
                let lower = if i == 0 { 0.0 } else { self.bounds[i - 1] }.max(self.min);
                let upper = self
                    .bounds
                    .get(i)
                    .copied()
                    .unwrap_or(self.max)
                    .min(self.max);
                #[allow(clippy::cast_precision_loss)]
                let within = ((rank - below as f64) / n as f64).clamp(0.0, 1.0);
                return lower + (upper - lower).max(0.0) * within;
            }
            below += n;
        }
        self.max
    }
}

/// A duration as a person reads it.
pub(crate) fn human(seconds: f64) -> String {
    if seconds >= 1.0 {
        format!("{seconds:.2} s")
    } else if seconds >= 1e-3 {
        format!("{:.2} ms", seconds * 1e3)
    } else {
        format!("{:.1} µs", seconds * 1e6)
    }
}

fn line(rows: &[Row]) -> String {
    let mut line = String::from("traced metrics:");
    for (i, row) in rows.iter().enumerate() {
        let _ = write!(
            line,
            "{} {} {} call{}, {} error{}, p50 {}, p99 {}, max {}",
            if i == 0 { "" } else { " ·" },
            row.label,
            row.calls,
            if row.calls == 1 { "" } else { "s" },
            row.errors,
            if row.errors == 1 { "" } else { "s" },
            human(row.quantile(0.5)),
            human(row.quantile(0.99)),
            human(row.max),
        );
    }
    line.push('\n');
    line
}

/// The shutdown table.
pub(crate) fn table(rows: &[Row]) -> String {
    let width = rows
        .iter()
        .map(|r| r.label.chars().count())
        .max()
        .unwrap_or(0)
        .max("operation".len());
    let mut out = String::from(
        "traced metrics at shutdown (p50/p90/p99 estimated from the histogram buckets)\n",
    );
    let _ = writeln!(
        out,
        "{:<width$}  {:>7}  {:>6}  {:>9}  {:>9}  {:>9}  {:>9}",
        "operation", "calls", "errors", "p50", "p90", "p99", "max"
    );
    for row in rows {
        let _ = writeln!(
            out,
            "{:<width$}  {:>7}  {:>6}  {:>9}  {:>9}  {:>9}  {:>9}",
            row.label,
            row.calls,
            row.errors,
            human(row.quantile(0.5)),
            human(row.quantile(0.9)),
            human(row.quantile(0.99)),
            human(row.max),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::KeyValue;

    fn point(function: &str, error: Option<&str>, values: &[f64]) -> MetricPoint {
        let bounds = traced::metrics::DURATION_BUCKETS.to_vec();
        let mut bucket_counts = vec![0; bounds.len() + 1];
        for v in values {
            bucket_counts[bounds.partition_point(|b| b < v)] += 1;
        }
        let mut attributes = vec![KeyValue::new("code.function.name", function.to_owned())];
        if let Some(e) = error {
            attributes.push(KeyValue::new("error.type", e.to_owned()));
        }
        MetricPoint {
            scope: "demo".into(),
            name: "function.call.duration".into(),
            unit: "s".into(),
            attributes,
            value: PointValue::Histogram {
                count: values.len() as u64,
                sum: values.iter().sum(),
                min: values.iter().copied().reduce(f64::min),
                max: values.iter().copied().reduce(f64::max),
                bounds,
                bucket_counts,
            },
        }
    }

    #[test]
    fn outcomes_of_one_function_make_one_row() {
        let rows = rows(&[
            point("demo::a", None, &[0.001, 0.002, 0.003]),
            point("demo::a", Some("panic"), &[0.2]),
            point("demo::b", None, &[0.04]),
        ]);
        assert_eq!(rows.len(), 2);
        assert_eq!(
            (rows[0].label.as_str(), rows[0].calls, rows[0].errors),
            ("demo::a", 4, 1)
        );
        assert!((rows[0].max - 0.2).abs() < 1e-12);
        // Three of four calls in the first bucket, between 1 ms and 5 ms.
        let p50 = rows[0].quantile(0.5);
        assert!((0.001..=0.005).contains(&p50), "{p50}");
        // The slowest call alone is in (0.1, 0.25], narrowed to its maximum.
        let p99 = rows[0].quantile(0.99);
        assert!((0.1..=0.2).contains(&p99), "{p99}");
        let table = table(&rows);
        assert!(table.contains("demo::a"), "{table}");
        assert!(table.lines().count() == 4, "{table}");
    }

    #[test]
    fn an_integration_operation_is_named_by_its_method_and_route_not_its_outcome() {
        let mut ok = point("unused", None, &[0.001]);
        ok.name = "http.server.request.duration".into();
        ok.attributes = vec![
            KeyValue::new("http.request.method", "GET"),
            KeyValue::new("http.response.status_code", 200_i64),
            KeyValue::new("http.route", "/users/{id}"),
            KeyValue::new("url.scheme", "http"),
        ];
        let mut failed = ok.clone();
        failed.attributes[1] = KeyValue::new("http.response.status_code", 500_i64);
        failed.attributes.push(KeyValue::new("error.type", "500"));
        let rows = rows(&[ok, failed]);
        assert_eq!(rows.len(), 1);
        assert_eq!(
            rows[0].label,
            "http.server.request.duration GET /users/{id}"
        );
        assert_eq!((rows[0].calls, rows[0].errors), (2, 1));
    }

    #[test]
    fn durations_read_in_their_unit() {
        assert_eq!(human(2.5), "2.50 s");
        assert_eq!(human(0.0042), "4.20 ms");
        assert_eq!(human(0.000_012), "12.0 µs");
    }
}
