//! Switching call sites on and off with `traced::filter`, while the program runs.
//! (Its own test binary: the filter is global.)

use futures_executor::block_on;
use std::sync::Mutex;
use traced::filter::{self, Filter};
use traced::traced;
use traced_sdk::testing::capture;

/// The tests change one global filter: one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

mod shop {
    pub mod api {
        #[traced::traced]
        pub fn checkout() {
            super::db::save();
        }
    }

    pub mod db {
        #[traced::traced]
        pub fn save() {
            hot_path();
        }

        #[traced::traced]
        pub fn hot_path() {}
    }
}

#[traced]
async fn fetch(n: u64) -> u64 {
    n + 1
}

fn filtered(text: &str) -> impl Drop {
    struct Cleared;
    impl Drop for Cleared {
        fn drop(&mut self) {
            filter::clear();
        }
    }
    filter::set(text.parse::<Filter>().expect("a valid filter"));
    Cleared
}

#[test]
fn a_function_switched_off_records_nothing_and_its_callees_stay_in_the_trace() {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let _filter = filtered("on,filter::shop::db=off,filter::shop::db::hot_path=on");
    let capture = capture();
    shop::api::checkout();
    let spans = capture.finish();
    assert_eq!(spans.names(), ["hot_path", "checkout"]);
    // `save` left `checkout` current: `hot_path` is its child.
    assert!(spans.named("hot_path").is_child_of(spans.named("checkout")));
}

#[test]
fn the_filter_changes_while_the_program_runs() {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let capture = capture();
    shop::db::hot_path();
    {
        let _filter = filtered("filter::shop=off");
        shop::db::hot_path();
        assert_eq!(block_on(fetch(1)), 2);
        assert!(!filter::current().enables("filter::shop::db::hot_path"));
    }
    // Cleared: on again, from the next call.
    shop::db::hot_path();
    {
        let _filter = filtered("off");
        assert_eq!(block_on(fetch(2)), 3, "an async function runs, untraced");
    }
    assert_eq!(block_on(fetch(3)), 4);
    let spans = capture.finish();
    assert_eq!(spans.names(), ["hot_path", "fetch", "hot_path", "fetch"]);
    assert_eq!(
        spans.all_named("fetch").count(),
        2,
        "the switched-off calls made no span"
    );
}

#[test]
fn a_switch_by_hand_follows_the_filter() {
    static QUERIES: filter::Switch = filter::Switch::new("my_app::queries");
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    assert!(QUERIES.is_on());
    let filter = filtered("my_app::queries=off");
    assert!(!QUERIES.is_on());
    drop(filter);
    assert!(QUERIES.is_on());
}

#[test]
fn setup_reads_traced_filter_and_warns_once_per_bad_directive() {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let guard = traced_sdk::setup!()
        .environment(|name| {
            (name == traced::filter::VARIABLE).then(|| "filter::shop::db=off, x=loud".to_owned())
        })
        .exporters(&[])
        .install();
    let warnings: Vec<&String> = guard
        .warnings()
        .iter()
        .filter(|w| w.contains("TRACED_FILTER"))
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("\"x=loud\""), "{}", warnings[0]);
    let filter = filter::current();
    assert!(!filter.enables("filter::shop::db::save"));
    assert!(filter.enables("filter::shop::api::checkout"));
    drop(guard);
    filter::clear();
}

#[traced]
async fn count(pool: &traced_sqlx::TracedPool<sqlx::Sqlite>) -> i64 {
    sqlx::query_scalar("SELECT 1")
        .fetch_one(pool)
        .await
        .unwrap()
}

#[test]
fn the_integrations_obey_the_filter_under_their_names() {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let capture = capture();
    runtime.block_on(async {
        let pool = traced_sqlx::TracedPool::new(
            sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap(),
        );
        let filter = filtered("traced_sqlx::query=off");
        assert_eq!(count(&pool).await, 1);
        drop(filter);
        assert_eq!(count(&pool).await, 1);
    });
    let spans = capture.finish();
    assert_eq!(
        spans.names(),
        ["count", "SELECT", "count"],
        "one query span: the second"
    );
    let second = spans.all_named("count").nth(1).unwrap();
    assert!(spans.named("SELECT").is_child_of(second));
}
