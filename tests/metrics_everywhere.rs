//! `metrics-everywhere` (enabled for this workspace's tests): every `#[traced]`
//! function records the metric of `#[traced(metrics)]` once the setup says so,
//! and none does before.

use traced::traced;
use traced_sdk::testing;

#[derive(Debug)]
struct Missing;

#[traced]
fn plain_traced(id: u64) -> Result<u64, Missing> {
    if id == 0 { Err(Missing) } else { Ok(id) }
}

#[traced]
async fn plain_async(id: u64) -> u64 {
    id
}

#[test]
fn every_traced_function_is_measured_once_switched_on() {
    let metrics = testing::metrics();
    let _ = plain_traced(1);
    traced::metrics::set_everywhere(true);
    let _ = plain_traced(2);
    let _ = plain_traced(0);
    futures_executor::block_on(plain_async(3));
    traced::metrics::set_everywhere(false);
    let _ = plain_traced(4);
    let points = metrics.finish();
    let of = |name: &str| -> Vec<_> {
        points
            .iter()
            .filter(|p| p.attr_str("code.function.name").as_deref() == Some(name))
            .collect()
    };
    let sync = of("metrics_everywhere::plain_traced");
    assert_eq!(
        sync.iter().map(|p| p.count()).sum::<u64>(),
        2,
        "{points:#?}"
    );
    let failed = sync
        .iter()
        .find(|p| p.attr("error.type").is_some())
        .unwrap();
    assert_eq!(
        failed.attr_str("error.type").as_deref(),
        Some("metrics_everywhere::Missing")
    );
    assert_eq!(of("metrics_everywhere::plain_async")[0].count(), 1);
}
