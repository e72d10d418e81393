//! traced-sqlx against a real PostgreSQL (`DATABASE_URL`, by default
//! `postgres://postgres@127.0.0.1:5432/test`, as `.ci/run` starts it), asserting
//! on the spans as exported over OTLP to the in-process receiver.

#[path = "../../http/tests/support/mod.rs"]
mod support;

use sqlx::Postgres;
use support::{named, string, trace_spans, ReceivedSpan, SpanKind, Value};
use traced_otlp_receiver::proto::tonic::trace::v1::status::StatusCode;
use traced_sqlx::TracedPool;

fn database_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// The pool, and a table of this test's own (dropped by [`drop_table`]).
async fn pool_and_table(test: &str) -> (TracedPool<Postgres>, String) {
    let url = database_url();
    let pool = sqlx::PgPool::connect(&url).await.unwrap_or_else(|error| {
        panic!("PostgreSQL is not reachable at {url} ({error}): `.ci/run` starts it, or set DATABASE_URL")
    });
    let table = format!("traced_{test}_{}", std::process::id());
    let pool = TracedPool::new(pool);
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "CREATE TABLE IF NOT EXISTS {table} (id BIGSERIAL PRIMARY KEY, email TEXT NOT NULL UNIQUE)"
    )))
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("TRUNCATE {table}")))
        .execute(&pool)
        .await
        .unwrap();
    (pool, table)
}

async fn drop_table(pool: &TracedPool<Postgres>, table: &str) {
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP TABLE {table}")))
        .execute(pool.inner())
        .await
        .unwrap();
}

#[traced::traced(record_err, skip(pool, table))]
async fn register(
    pool: &TracedPool<Postgres>,
    table: &str,
    email: &str,
) -> Result<i64, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let id = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "INSERT INTO {table} (email) VALUES ($1) RETURNING id"
    )))
    .bind(email)
    .fetch_one(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_carry_the_database_the_server_and_the_summary() {
    let (pool, table) = pool_and_table("queries").await;
    let ((), trace) = support::in_trace(async {
        let id = register(&pool, &table, "ada@example.com").await.unwrap();
        let email: String = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT email FROM {table} WHERE id = $1"
        )))
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(email, "ada@example.com");
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE {table} SET email = 'grace@example.com' WHERE id = {id}"
        )))
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE id = $1"
        )))
        .bind(id)
        .execute(&pool)
        .await
        .unwrap();
    })
    .await;
    drop_table(&pool, &table).await;
    let spans = trace_spans(trace, 8).await;
    let db: Vec<&ReceivedSpan> = spans
        .iter()
        .filter(|s| s.attr("db.system.name").is_some())
        .collect();
    let names: Vec<&str> = db.iter().map(|s| s.name()).collect();
    for name in [
        "BEGIN".to_owned(),
        format!("INSERT {table}"),
        "COMMIT".to_owned(),
        format!("SELECT {table}"),
        format!("UPDATE {table}"),
        format!("DELETE {table}"),
    ] {
        assert!(names.contains(&name.as_str()), "{name} among {names:?}");
    }
    for span in &db {
        assert_eq!(span.kind(), SpanKind::Client);
        assert_eq!(span.attr("db.system.name"), string("postgresql"));
        assert_eq!(span.attr("db.namespace"), string("test"));
        assert_eq!(span.attr("server.address"), string("127.0.0.1"));
        assert_eq!(span.attr("server.port"), None, "5432 is the default");
    }
    // The transaction's spans are children of the `#[traced]` function.
    let register = named(&spans, "register");
    for name in [
        "BEGIN".to_owned(),
        format!("INSERT {table}"),
        "COMMIT".to_owned(),
    ] {
        assert_eq!(
            named(&spans, &name).parent_span_id(),
            Some(register.span_id()),
            "{name}"
        );
    }
    let insert = named(&spans, &format!("INSERT {table}"));
    assert_eq!(
        insert.attr("db.query.text"),
        string(&format!(
            "INSERT INTO {table} (email) VALUES ($1) RETURNING id"
        ))
    );
    assert_eq!(
        insert.attr("db.response.returned_rows"),
        Some(Value::Int(1))
    );
    let update = named(&spans, &format!("UPDATE {table}"));
    assert_eq!(
        update.attr("db.query.text"),
        string(&format!("UPDATE {table} SET email = ? WHERE id = ?")),
        "no parameters: the literals are replaced"
    );
    assert!(!format!("{:?}", update.span).contains("grace@"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_constraint_violation_records_its_sqlstate() {
    let (pool, table) = pool_and_table("violation").await;
    let (result, trace) = support::in_trace(async {
        register(&pool, &table, "twice@example.com").await.unwrap();
        register(&pool, &table, "twice@example.com").await
    })
    .await;
    drop_table(&pool, &table).await;
    let error = result.unwrap_err();
    assert_eq!(
        error.as_database_error().and_then(|e| e.code()).as_deref(),
        Some("23505")
    );
    let spans = trace_spans(trace, 8).await;
    let failed: Vec<&ReceivedSpan> = spans
        .iter()
        .filter(|s| s.status_code() == StatusCode::Error)
        .collect();
    let insert = failed
        .iter()
        .find(|s| s.name() == format!("INSERT {table}"))
        .expect("the failed insert");
    assert_eq!(insert.attr("db.response.status_code"), string("23505"));
    assert_eq!(insert.attr("error.type"), string("23505"));
    // The transaction was dropped, not committed: no second COMMIT.
    assert_eq!(spans.iter().filter(|s| s.name() == "COMMIT").count(), 1);
    // The `#[traced]` function's own error, recorded by its span.
    assert!(failed.iter().any(|s| s.name() == "register"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolled_back_transaction_leaves_nothing() {
    let (pool, table) = pool_and_table("rollback").await;
    let (count, trace) = support::in_trace(async {
        let mut tx = pool.begin().await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO {table} (email) VALUES ($1)"
        )))
        .bind("gone@example.com")
        .execute(&mut tx)
        .await
        .unwrap();
        tx.rollback().await.unwrap();
        sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
            .fetch_one(&pool)
            .await
            .unwrap()
    })
    .await;
    drop_table(&pool, &table).await;
    assert_eq!(count, 0);
    let spans = trace_spans(trace, 5).await;
    let root = named(&spans, "test case");
    for name in [
        "BEGIN".to_owned(),
        format!("INSERT {table}"),
        "ROLLBACK".to_owned(),
    ] {
        assert_eq!(
            named(&spans, &name).parent_span_id(),
            Some(root.span_id()),
            "{name}"
        );
    }
    assert_eq!(
        named(&spans, &format!("SELECT {table}")).attr("db.response.returned_rows"),
        Some(Value::Int(1))
    );
}
