//! traced-sqlx on an in-memory SQLite database, asserting on the spans as
//! exported over OTLP to the in-process receiver.

#[path = "../../http/tests/support/mod.rs"]
mod support;

use sqlx::sqlite::SqlitePoolOptions;
use sqlx::Sqlite;
use support::{named, string, trace_spans, ReceivedSpan, SpanKind, Value};
use traced_otlp_receiver::proto::tonic::trace::v1::status::StatusCode;
use traced_sqlx::TracedPool;

/// One connection, so that every query sees the same in-memory database.
async fn pool() -> TracedPool<Sqlite> {
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect("sqlite::memory:")
        .await
        .expect("an in-memory SQLite database");
    let pool = TracedPool::new(pool);
    sqlx::query(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, age INTEGER)",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool
}

#[traced::traced(skip(pool))]
async fn load(pool: &TracedPool<Sqlite>, id: i64) -> Option<String> {
    sqlx::query_scalar("SELECT name FROM users WHERE id = ?")
        .bind(id)
        .fetch_optional(pool)
        .await
        .unwrap()
}

fn db_spans(spans: &[ReceivedSpan]) -> Vec<&ReceivedSpan> {
    spans
        .iter()
        .filter(|s| s.attr("db.system.name").is_some())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_query_is_a_client_span_named_by_its_summary() {
    let pool = pool().await;
    let ((), trace) = support::in_trace(async {
        sqlx::query("INSERT INTO users (name, age) VALUES (?, ?)")
            .bind("ada")
            .bind(36)
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query("INSERT INTO users (name, age) VALUES ('grace', 45)")
            .execute(&pool)
            .await
            .unwrap();
        let rows = sqlx::query("SELECT id, name FROM users WHERE age > 30 ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
        assert_eq!(rows.len(), 2);
        sqlx::query("UPDATE users SET age = age + 1 WHERE name = ?")
            .bind("ada")
            .execute(&pool)
            .await
            .unwrap();
        assert_eq!(load(&pool, 1).await.as_deref(), Some("ada"));
        sqlx::query("DELETE FROM users WHERE name = 'grace'")
            .execute(&pool)
            .await
            .unwrap();
    })
    .await;
    let spans = trace_spans(trace, 8).await;
    let names: Vec<&str> = db_spans(&spans).iter().map(|s| s.name()).collect();
    assert_eq!(
        names.iter().filter(|n| **n == "INSERT users").count(),
        2,
        "{names:?}"
    );
    for name in ["SELECT users", "UPDATE users", "DELETE users"] {
        assert!(names.contains(&name), "{name} among {names:?}");
    }
    let root = named(&spans, "test case");
    for span in db_spans(&spans) {
        assert_eq!(span.kind(), SpanKind::Client);
        assert_eq!(span.attr("db.system.name"), string("sqlite"));
        assert_eq!(span.attr("server.address"), None, "SQLite has no server");
        assert_eq!(span.attr("code.file.path"), None);
        assert_eq!(span.scope_name, "traced-sqlx");
        // All but the query `load` makes are the root's children.
        if span.attr("db.query.text") != string("SELECT name FROM users WHERE id = ?") {
            assert_eq!(
                span.parent_span_id(),
                Some(root.span_id()),
                "{}",
                span.name()
            );
        }
    }
    let text = |span: &ReceivedSpan| span.attr("db.query.text");
    let inserts: Vec<&ReceivedSpan> = spans
        .iter()
        .filter(|s| s.name() == "INSERT users")
        .collect();
    // Both texts read the same: one as written (it has parameters), the other
    // with its literals replaced.
    assert_eq!(inserts.len(), 2);
    for insert in &inserts {
        assert_eq!(
            text(insert),
            string("INSERT INTO users (name, age) VALUES (?, ?)")
        );
        assert_eq!(insert.attr("db.query.summary"), string("INSERT users"));
    }
    assert!(inserts
        .iter()
        .all(|s| !format!("{:?}", s.span.attributes).contains("grace")));
    let select = spans
        .iter()
        .find(|s| text(s) == string("SELECT id, name FROM users WHERE age > ? ORDER BY id"))
        .expect("the select, its literal replaced");
    assert_eq!(
        select.attr("db.response.returned_rows"),
        Some(Value::Int(2))
    );
    let loaded = spans
        .iter()
        .find(|s| text(s) == string("SELECT name FROM users WHERE id = ?"))
        .expect("the select by id");
    assert_eq!(
        loaded.parent_span_id(),
        Some(named(&spans, "load").span_id())
    );
    assert_eq!(
        loaded.attr("db.response.returned_rows"),
        Some(Value::Int(1))
    );
    let delete = named(&spans, "DELETE users");
    assert_eq!(text(delete), string("DELETE FROM users WHERE name = ?"));
    assert_eq!(
        delete.attr("db.response.returned_rows"),
        Some(Value::Int(0))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parameter_values_are_never_recorded() {
    let pool = pool().await;
    let ((), trace) = support::in_trace(async {
        sqlx::query("INSERT INTO users (name) VALUES (?)")
            .bind("s3cret-value")
            .execute(&pool)
            .await
            .unwrap();
    })
    .await;
    let spans = trace_spans(trace, 2).await;
    let insert = named(&spans, "INSERT users");
    assert!(!format!("{:?}", insert.span).contains("s3cret-value"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transactions_trace_begin_their_queries_and_commit_or_rollback() {
    let pool = pool().await;
    let ((), trace) = support::in_trace(async {
        let mut tx = pool.begin().await.unwrap();
        sqlx::query("INSERT INTO users (name) VALUES (?)")
            .bind("kept")
            .execute(&mut tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut tx = pool.begin().await.unwrap();
        sqlx::query("INSERT INTO users (name) VALUES (?)")
            .bind("undone")
            .execute(&mut tx)
            .await
            .unwrap();
        tx.rollback().await.unwrap();
        let mut conn = pool.acquire().await.unwrap();
        let count: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
            .fetch_one(&mut conn)
            .await
            .unwrap();
        assert_eq!(count, 1);
    })
    .await;
    let spans = trace_spans(trace, 8).await;
    let names: Vec<&str> = db_spans(&spans).iter().map(|s| s.name()).collect();
    assert_eq!(
        names.iter().filter(|n| **n == "BEGIN").count(),
        2,
        "{names:?}"
    );
    assert_eq!(names.iter().filter(|n| **n == "INSERT users").count(), 2);
    assert!(
        names.contains(&"COMMIT") && names.contains(&"ROLLBACK") && names.contains(&"SELECT users")
    );
    assert_eq!(
        named(&spans, "COMMIT").attr("db.query.text"),
        string("COMMIT")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_query_records_the_result_code() {
    let pool = pool().await;
    let ((), trace) = support::in_trace(async {
        for _ in 0..2 {
            let _ = sqlx::query("INSERT INTO users (name) VALUES (?)")
                .bind("twice")
                .execute(&pool)
                .await;
        }
        let error = sqlx::query("SELEC nothing")
            .execute(&pool)
            .await
            .unwrap_err();
        assert!(matches!(error, sqlx::Error::Database(_)));
    })
    .await;
    let spans = trace_spans(trace, 4).await;
    let inserts: Vec<&ReceivedSpan> = spans
        .iter()
        .filter(|s| s.name() == "INSERT users")
        .collect();
    assert_eq!(inserts.len(), 2);
    let failed = inserts
        .iter()
        .find(|s| s.status_code() == StatusCode::Error)
        .expect("the second insert failed");
    // SQLITE_CONSTRAINT_UNIQUE, the extended result code.
    assert_eq!(failed.attr("db.response.status_code"), string("2067"));
    assert_eq!(failed.attr("error.type"), string("2067"));
    assert!(
        failed.status_message().contains("UNIQUE"),
        "{}",
        failed.status_message()
    );
    let ok = inserts
        .iter()
        .find(|s| s.status_code() != StatusCode::Error)
        .unwrap();
    assert_eq!(ok.attr("error.type"), None);
    let syntax = spans
        .iter()
        .find(|s| s.attr("db.query.text") == string("SELEC nothing"))
        .expect("the bad query's span");
    assert_eq!(syntax.name(), "sqlite", "no summary: the system's name");
    assert_eq!(syntax.attr("error.type"), string("1"));
    assert_eq!(syntax.status_code(), StatusCode::Error);
}
