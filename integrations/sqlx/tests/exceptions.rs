//! A failed query's exception as the semantic conventions' opt-in says: a log
//! record `db.client.operation.exception` of the query's span, instead of or
//! beside the span's `exception` event (in-memory SQLite).

use opentelemetry::logs::Severity;
use sqlx::sqlite::SqlitePoolOptions;
use traced::logs::ExceptionSignal;
use traced_sdk::testing;
use traced_sqlx::TracedPool;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_query_is_a_db_client_operation_exception() {
    for signal in [
        ExceptionSignal::SpanEvents,
        ExceptionSignal::Logs,
        ExceptionSignal::LogsAndSpanEvents,
    ] {
        let spans = testing::capture();
        let logs = testing::logs(signal);
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
        for _ in 0..2 {
            let _ = sqlx::query("INSERT INTO users (name) VALUES ('ada')")
                .execute(&pool)
                .await;
        }
        let records = logs.finish();
        let spans = spans.finish();
        let failed: Vec<_> = spans
            .all_named("INSERT users")
            .filter(|s| s.attr("error.type").is_some())
            .collect();
        assert_eq!(failed.len(), 1, "{signal:?}");
        let span = failed[0];
        let events = span.event_names();
        if signal == ExceptionSignal::Logs {
            assert!(events.is_empty(), "{signal:?}: {events:?}");
        } else {
            assert_eq!(events, ["exception"], "{signal:?}");
            assert!(span
                .event_attr("exception", "exception.message")
                .is_some_and(|m| m.as_str().contains("UNIQUE constraint failed")));
        }
        if signal == ExceptionSignal::SpanEvents {
            assert!(records.is_empty(), "{records:?}");
            continue;
        }
        assert_eq!(records.len(), 1, "{signal:?}: {records:?}");
        let record = &records[0];
        assert_eq!(record.event_name, Some("db.client.operation.exception"));
        assert_eq!(record.severity, Some(Severity::Warn));
        assert_eq!(record.scope, "traced-sqlx");
        assert_eq!(
            record.str_attr("exception.type"),
            Some("sqlx_core::error::Error")
        );
        assert!(record
            .str_attr("exception.message")
            .is_some_and(|m| m.contains("UNIQUE constraint failed")));
        assert_eq!(record.span_id, Some(span.span_id()));
        assert_eq!(record.trace_id, Some(span.trace_id()));
    }
}
