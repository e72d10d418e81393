//! Metrics over OTLP (HTTP and gRPC) to a real receiver on loopback, and the
//! console's summary table. (Its own test binary: it installs the global
//! providers.)

mod support;

use std::time::Duration;
use traced::traced;
use traced_otlp_receiver::proto::tonic::common::v1::any_value::Value as Any;
use traced_otlp_receiver::proto::tonic::metrics::v1::{metric::Data, Metric};
use traced_otlp_receiver::Receiver;
use traced_sdk::{ExporterKind, Setup, SharedOutput};

/// One test at a time: each installs the global providers.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[derive(Debug)]
struct Declined;

#[traced(metrics)]
fn pay(cents: u64) -> Result<u64, Declined> {
    if cents > 100 {
        Err(Declined)
    } else {
        Ok(cents)
    }
}

/// One histogram point: its attributes as text, count, bucket counts and bounds.
type Point = (Vec<(String, String)>, u64, Vec<u64>, Vec<f64>);

/// The histogram points of `metric`.
fn points(metric: &Metric) -> Vec<Point> {
    let Some(Data::Histogram(histogram)) = &metric.data else {
        panic!("not a histogram: {metric:?}");
    };
    histogram
        .data_points
        .iter()
        .map(|p| {
            let mut attrs: Vec<(String, String)> = p
                .attributes
                .iter()
                .map(|kv| {
                    let value = match kv.value.as_ref().and_then(|v| v.value.as_ref()) {
                        Some(Any::StringValue(s)) => s.clone(),
                        other => format!("{other:?}"),
                    };
                    (kv.key.clone(), value)
                })
                .collect();
            attrs.sort();
            (
                attrs,
                p.count,
                p.bucket_counts.clone(),
                p.explicit_bounds.clone(),
            )
        })
        .collect()
}

fn export_to(receiver: &Receiver, vars: &[(&str, &str)]) {
    let tracing = Setup::new("payments", "1.0.0")
        .environment(support::export::environment(vars))
        .install();
    assert!(tracing.warnings().is_empty(), "{:?}", tracing.warnings());
    for cents in [5, 50, 500] {
        let _ = pay(cents);
    }
    // Shutting down collects and exports once more.
    assert_eq!(tracing.shutdown(), None);
    let metrics = receiver.wait_for_metric("function.call.duration", Duration::from_secs(10));
    assert!(!metrics.is_empty(), "no metric arrived");
    let metric = metrics.last().unwrap();
    assert_eq!(metric.unit, "s");
    let mut points = points(metric);
    points.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(points.len(), 2, "{points:?}");
    let function = (
        "code.function.name".to_owned(),
        "otlp_metrics::pay".to_owned(),
    );
    let (ok, failed) = (&points[0], &points[1]);
    assert_eq!(ok.0, vec![function.clone()]);
    assert_eq!(ok.1, 2);
    assert_eq!(
        failed.0,
        vec![
            function,
            ("error.type".to_owned(), "otlp_metrics::Declined".to_owned())
        ]
    );
    assert_eq!(failed.1, 1);
    assert_eq!(ok.3, traced::metrics::DURATION_BUCKETS);
    assert_eq!(ok.2.iter().sum::<u64>(), 2);
    let requests = receiver.metrics_requests();
    let resource = requests[0].resource_metrics[0].resource.as_ref().unwrap();
    assert!(resource.attributes.iter().any(|kv| kv.key == "service.name"
        && matches!(kv.value.as_ref().and_then(|v| v.value.as_ref()), Some(Any::StringValue(s)) if s == "payments")));
}

#[test]
fn metrics_arrive_over_http_and_grpc_and_the_console_sums_them_up() {
    let _serial = serial();
    let receiver = Receiver::start();
    let http = receiver.http_endpoint();
    export_to(
        &receiver,
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", &http),
            ("OTEL_TRACES_EXPORTER", "none"),
        ],
    );

    let receiver = Receiver::start();
    let grpc = receiver.grpc_endpoint();
    export_to(
        &receiver,
        &[
            ("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", &grpc),
            ("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "grpc"),
            ("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "delta"),
            ("OTEL_METRICS_EXPORTER", "otlp"),
            ("OTEL_TRACES_EXPORTER", "none"),
        ],
    );

    // The console: a table at shutdown, after the traces.
    let output = SharedOutput::default();
    let tracing = Setup::new("payments", "1.0.0")
        .environment(support::export::environment(&[]))
        .exporters(&[ExporterKind::Console])
        .metrics_exporters(&[ExporterKind::Console])
        .console_output(output.clone())
        .install();
    for cents in [5, 50, 500, 7] {
        let _ = pay(cents);
    }
    drop(tracing);
    let text = output.text();
    let table = text
        .split("traced metrics at shutdown")
        .nth(1)
        .unwrap_or_else(|| panic!("no table in {text}"));
    let row = table
        .lines()
        .find(|l| l.starts_with("otlp_metrics::pay"))
        .unwrap_or_else(|| panic!("no row in {table}"));
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(&cells[1..3], ["4", "1"], "{row}");
}

#[test]
fn bad_metric_settings_get_one_warning_each() {
    let _serial = serial();
    let tracing = Setup::new("payments", "1.0.0")
        .environment(support::export::environment(&[
            ("OTEL_METRICS_EXPORTER", "prometheus"),
            ("OTEL_METRIC_EXPORT_INTERVAL", "often"),
            (
                "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
                "sometimes",
            ),
            ("OTEL_TRACES_EXPORTER", "none"),
        ]))
        .install();
    let warnings = tracing.warnings().to_vec();
    drop(tracing);
    for variable in [
        "OTEL_METRICS_EXPORTER",
        "OTEL_METRIC_EXPORT_INTERVAL",
        "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
    ] {
        assert_eq!(
            warnings.iter().filter(|w| w.contains(variable)).count(),
            1,
            "{variable}: {warnings:?}"
        );
    }
}

#[test]
fn a_long_running_program_gets_a_line_each_interval() {
    let _serial = serial();
    let output = SharedOutput::default();
    let tracing = Setup::new("payments", "1.0.0")
        .environment(support::export::environment(&[]))
        .exporters(&[])
        .metrics_exporters(&[ExporterKind::Console])
        .metric_export_interval(Duration::from_millis(100))
        .console_output(output.clone())
        .install();
    let _ = pay(3);
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !output.text().contains("traced metrics: otlp_metrics::pay") {
        assert!(
            std::time::Instant::now() < deadline,
            "no line in {:?}",
            output.text()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let line = output.text();
    assert!(line.contains("1 call, 0 errors"), "{line}");
    drop(tracing);
    // Shutdown prints the table, not one more line.
    let text = output.text();
    assert_eq!(text.matches("traced metrics:").count(), 1, "{text}");
    assert!(text.contains("traced metrics at shutdown"), "{text}");
}
