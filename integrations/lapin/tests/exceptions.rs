//! A failed `process` as the semantic conventions' exception opt-in says: a log
//! record `messaging.process.exception` (ERROR) of the process span, against the
//! real RabbitMQ (`AMQP_ADDR`, by default `amqp://127.0.0.1:5672`).

use futures_util::StreamExt;
use lapin::options::{BasicConsumeOptions, BasicPublishOptions, QueueDeclareOptions};
use lapin::types::{FieldTable, ShortString};
use lapin::{BasicProperties, Connection, ConnectionProperties};
use opentelemetry::logs::Severity;
use std::time::Duration;
use traced::logs::ExceptionSignal;
use traced_lapin::TracedChannel;
use traced_sdk::testing;

#[derive(Debug)]
struct Unreadable;

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("unreadable payload")
    }
}

impl std::error::Error for Unreadable {}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_process_is_a_messaging_process_exception() {
    let spans = testing::capture();
    let logs = testing::logs(ExceptionSignal::Logs);
    let addr = std::env::var("AMQP_ADDR").unwrap_or_else(|_| "amqp://127.0.0.1:5672".to_owned());
    let connection = Connection::connect(&addr, ConnectionProperties::default())
        .await
        .unwrap_or_else(|e| {
            panic!("RabbitMQ is not reachable at {addr} ({e}): `.ci/run` starts it")
        });
    let channel = TracedChannel::new(connection.create_channel().await.unwrap());
    let queue = format!("traced-lapin-exceptions-{}", std::process::id());
    channel
        .queue_declare(
            queue.as_str().into(),
            QueueDeclareOptions {
                auto_delete: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .unwrap();
    let mut consumer = channel
        .basic_consume(
            queue.as_str().into(),
            ShortString::from(format!("{queue}-consumer")),
            BasicConsumeOptions {
                no_ack: true,
                ..BasicConsumeOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .unwrap();
    // No confirms on this channel: the confirmation is dropped at once.
    drop(
        channel
            .basic_publish(
                "".into(),
                queue.as_str().into(),
                BasicPublishOptions::default(),
                b"?",
                BasicProperties::default(),
            )
            .await
            .unwrap(),
    );
    let delivery = tokio::time::timeout(Duration::from_secs(10), consumer.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let result = delivery.process(async { Err::<(), _>(Unreadable) }).await;
    assert!(result.is_err());
    drop(delivery);
    let records = logs.finish();
    let spans = spans.finish();
    let name = spans
        .names()
        .into_iter()
        .find(|n| n.starts_with("process "))
        .unwrap_or_else(|| panic!("no process span in {:?}", spans.names()))
        .to_owned();
    let process = spans
        .all_named(&name)
        .next()
        .unwrap_or_else(|| panic!("no process span in {:?}", spans.names()));
    assert!(process.event_names().is_empty(), "logs only");
    assert_eq!(
        process.attr("error.type").map(|v| v.as_str().into_owned()),
        Some(std::any::type_name::<Unreadable>().to_owned())
    );
    assert_eq!(records.len(), 1, "{records:?}");
    let record = &records[0];
    assert_eq!(record.event_name, Some("messaging.process.exception"));
    assert_eq!(record.severity, Some(Severity::Error));
    assert_eq!(record.severity_text, Some("ERROR"));
    assert_eq!(record.scope, "traced-lapin");
    assert_eq!(
        record.str_attr("exception.type"),
        Some(std::any::type_name::<Unreadable>())
    );
    assert_eq!(
        record.str_attr("exception.message"),
        Some("unreadable payload")
    );
    assert_eq!(record.span_id, Some(process.span_id()));
}
