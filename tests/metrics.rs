//! `#[traced(metrics)]`: one duration histogram per function, with its outcomes,
//! recorded whether or not the span is sampled; asserted on the SDK's own
//! aggregated data.

use opentelemetry::Value;
use opentelemetry_sdk::trace::Sampler;
use traced::traced;
use traced_sdk::testing::{self, MetricPoint, PointValue};

#[derive(Debug)]
struct Refused;

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("refused")
    }
}

#[traced(metrics, record_err)]
fn charge(cents: u64) -> Result<u64, Refused> {
    if cents > 100 { Err(Refused) } else { Ok(cents) }
}

#[traced(metrics(attrs(cache = "users", tier = 2)))]
fn lookup(id: u64) -> u64 {
    id * 2
}

#[traced(metrics(attrs(region = bounded(region))))]
fn routed(region: &'static str) -> usize {
    region.len()
}

#[traced(metrics)]
fn explode(boom: bool) -> u8 {
    assert!(!boom, "exploded");
    1
}

#[traced(metrics)]
async fn fetch(wait: bool) -> Result<u8, Refused> {
    if wait {
        std::future::pending::<()>().await;
    }
    Err(Refused)
}

#[traced(metrics)]
fn idle() -> u8 {
    0
}

struct Store;

#[traced(metrics)]
impl Store {
    fn get(&self) -> u8 {
        3
    }
}

fn function(name: &str) -> String {
    format!("metrics::{name}")
}

fn points_of<'a>(points: &'a [MetricPoint], name: &str) -> Vec<&'a MetricPoint> {
    let function = function(name);
    points
        .iter()
        .filter(|p| p.attr_str("code.function.name").as_deref() == Some(function.as_str()))
        .collect()
}

fn error_of(point: &MetricPoint) -> Option<String> {
    point.attr_str("error.type")
}

#[test]
fn every_call_is_counted_with_its_outcome_sampled_or_not() {
    // Nothing is sampled: the histogram still counts every call.
    let spans = testing::capture_with(Sampler::AlwaysOff);
    let metrics = testing::metrics();
    for cents in [10, 20, 500] {
        let _ = charge(cents);
    }
    let points = metrics.finish();
    assert!(spans.finish().is_empty());
    let charge = points_of(&points, "charge");
    assert_eq!(charge.len(), 2, "{points:#?}");
    let ok = charge.iter().find(|p| error_of(p).is_none()).unwrap();
    let err = charge.iter().find(|p| error_of(p).is_some()).unwrap();
    assert_eq!(ok.count(), 2);
    assert_eq!(err.count(), 1);
    assert_eq!(error_of(err).as_deref(), Some("metrics::Refused"));
    assert_eq!(ok.name, "function.call.duration");
    assert_eq!(ok.unit, "s");
    assert_eq!(ok.scope, "traced-workspace");
    let PointValue::Histogram {
        bounds,
        bucket_counts,
        ..
    } = &ok.value
    else {
        panic!("not a histogram: {ok:?}");
    };
    assert_eq!(bounds, traced::metrics::DURATION_BUCKETS);
    assert_eq!(bucket_counts.len(), bounds.len() + 1);
    // Microsecond calls: all in the first bucket.
    assert_eq!(bucket_counts[0], 2);
}

#[test]
fn the_error_type_is_the_one_the_span_records() {
    let spans = testing::capture();
    let metrics = testing::metrics();
    let _ = charge(1000);
    let points = metrics.finish();
    let spans = spans.finish();
    let span = spans.named("charge");
    let err = points_of(&points, "charge")[0];
    assert_eq!(
        span.attr("error.type").map(ToString::to_string),
        error_of(err)
    );
}

#[test]
fn literal_and_bounded_attributes_are_recorded() {
    let metrics = testing::metrics();
    lookup(1);
    lookup(2);
    routed("eu");
    routed("us");
    routed("eu");
    let points = metrics.finish();
    let lookup = points_of(&points, "lookup");
    assert_eq!(lookup.len(), 1);
    assert_eq!(lookup[0].attr("cache"), Some(&Value::from("users")));
    assert_eq!(lookup[0].attr("tier"), Some(&Value::I64(2)));
    assert_eq!(lookup[0].count(), 2);
    let routed = points_of(&points, "routed");
    let eu = routed
        .iter()
        .find(|p| p.attr_str("region").as_deref() == Some("eu"))
        .unwrap();
    assert_eq!(eu.count(), 2);
    assert_eq!(routed.len(), 2);
}

#[test]
fn a_panic_is_counted_as_panic() {
    let metrics = testing::metrics();
    assert_eq!(explode(false), 1);
    let unwound = std::panic::catch_unwind(|| explode(true));
    assert!(unwound.is_err());
    let points = metrics.finish();
    let explode = points_of(&points, "explode");
    let panicked = explode
        .iter()
        .find(|p| error_of(p).as_deref() == Some("panic"))
        .expect("a panic point");
    assert_eq!(panicked.count(), 1);
    assert_eq!(explode.iter().map(|p| p.count()).sum::<u64>(), 2);
}

#[test]
fn async_calls_completed_and_cancelled() {
    let metrics = testing::metrics();
    assert!(futures_executor::block_on(fetch(false)).is_err());
    let mut pending = Box::pin(fetch(true));
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    assert!(pending.as_mut().poll(&mut cx).is_pending());
    drop(pending);
    let points = metrics.finish();
    let fetch = points_of(&points, "fetch");
    assert_eq!(fetch.len(), 2, "{fetch:#?}");
    let cancelled = fetch
        .iter()
        .find(|p| p.attr("traced.cancelled") == Some(&Value::Bool(true)))
        .expect("a cancelled point");
    assert_eq!(cancelled.count(), 1);
    assert!(error_of(cancelled).is_none());
    let failed = fetch.iter().find(|p| error_of(p).is_some()).unwrap();
    assert_eq!(error_of(failed).as_deref(), Some("metrics::Refused"));
}

#[test]
fn an_impl_block_measures_its_methods() {
    let metrics = testing::metrics();
    Store.get();
    let points = metrics.finish();
    assert_eq!(points_of(&points, "Store::get")[0].count(), 1);
}

#[test]
fn the_go_compatible_naming_counts_operations() {
    let metrics = testing::metrics_with(traced::metrics::Naming::GoCompatible);
    lookup(3);
    let _ = charge(1000);
    let points = metrics.finish();
    let total: Vec<_> = points
        .iter()
        .filter(|p| p.name == "operations.total")
        .collect();
    let lookup_total = total
        .iter()
        .find(|p| p.attr_str("operation").as_deref() == Some("lookup"))
        .unwrap();
    assert_eq!(lookup_total.value, PointValue::Sum(1.0));
    let duration = points
        .iter()
        .find(|p| {
            p.name == "operation.duration" && p.attr_str("operation").as_deref() == Some("charge")
        })
        .unwrap();
    assert_eq!(duration.count(), 1);
    assert_eq!(error_of(duration).as_deref(), Some("metrics::Refused"));
}

#[test]
fn a_switched_off_function_records_no_metric() {
    let metrics = testing::metrics();
    traced::filter::set("metrics::lookup=off".parse().unwrap());
    lookup(4);
    traced::filter::clear();
    lookup(5);
    let points = metrics.finish();
    assert_eq!(points_of(&points, "lookup")[0].count(), 1);
}

#[test]
fn without_a_meter_provider_nothing_is_measured() {
    // Called here only, before any capture of this test: it runs untimed (or,
    // when another test's capture is live, into that one), and this capture
    // sees nothing of it.
    idle();
    let metrics = testing::metrics();
    let points = metrics.finish();
    assert!(points_of(&points, "idle").is_empty());
}
