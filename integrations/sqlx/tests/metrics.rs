//! `db.client.operation.duration` from traced-sqlx on an in-memory SQLite
//! database, with no tracer provider: every query and transaction statement is
//! measured, with the conventions' attributes and buckets.

use sqlx::sqlite::SqlitePoolOptions;
use traced::otel::Value;
use traced_sdk::testing::{self, MetricPoint, PointValue};
use traced_sqlx::TracedPool;

fn summary<'a>(points: &'a [MetricPoint], summary: &str) -> Vec<&'a MetricPoint> {
    points
        .iter()
        .filter(|p| p.name == "db.client.operation.duration")
        .filter(|p| p.attr_str("db.query.summary").as_deref() == Some(summary))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_query_is_measured_with_its_summary_and_failure() {
    let metrics = testing::metrics();
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect("sqlite::memory:")
        .await
        .unwrap();
    let pool = TracedPool::new(pool);
    sqlx::query("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)")
        .execute(&pool)
        .await
        .unwrap();
    for name in ["ada", "grace", "ada"] {
        let _ = sqlx::query("INSERT INTO users (name) VALUES (?)")
            .bind(name)
            .execute(&pool)
            .await;
    }
    let mut tx = pool.begin().await.unwrap();
    let names: Vec<String> = sqlx::query_scalar("SELECT name FROM users ORDER BY id")
        .fetch_all(&mut tx)
        .await
        .unwrap();
    assert_eq!(names, ["ada", "grace"]);
    tx.commit().await.unwrap();
    let points = metrics.finish();

    let inserts = summary(&points, "INSERT users");
    assert_eq!(inserts.len(), 2, "{points:#?}");
    let ok = inserts
        .iter()
        .find(|p| p.attr("error.type").is_none())
        .unwrap();
    assert_eq!(ok.count(), 2);
    assert_eq!(ok.unit, "s");
    assert_eq!(ok.scope, "traced-sqlx");
    assert_eq!(ok.attr("db.system.name"), Some(&Value::from("sqlite")));
    // The text is opt-in on the metric: never recorded.
    assert_eq!(ok.attr("db.query.text"), None);
    let PointValue::Histogram { bounds, .. } = &ok.value else {
        panic!("not a histogram")
    };
    assert_eq!(bounds, traced::metrics::DB_DURATION_BUCKETS);
    // The UNIQUE violation: SQLite's extended result code.
    let failed = inserts
        .iter()
        .find(|p| p.attr("error.type").is_some())
        .unwrap();
    assert_eq!(failed.count(), 1);
    assert_eq!(failed.attr("error.type"), Some(&Value::from("2067")));
    assert_eq!(
        failed.attr("db.response.status_code"),
        Some(&Value::from("2067"))
    );
    assert_eq!(summary(&points, "SELECT users")[0].count(), 1);
    assert_eq!(summary(&points, "BEGIN")[0].count(), 1);
    assert_eq!(summary(&points, "COMMIT")[0].count(), 1);
    assert_eq!(summary(&points, "CREATE TABLE users")[0].count(), 1);
}
