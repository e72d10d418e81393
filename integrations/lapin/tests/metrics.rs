//! `messaging.client.operation.duration` and `messaging.process.duration` from
//! traced-lapin against the real RabbitMQ (`AMQP_ADDR`, by default
//! `amqp://127.0.0.1:5672`), with no tracer provider: every publish, delivery
//! and settlement is measured.

use futures_util::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, BasicRejectOptions,
    ConfirmSelectOptions, QueueDeclareOptions,
};
use lapin::types::{FieldTable, ShortString};
use lapin::{BasicProperties, Connection, ConnectionProperties};
use std::time::Duration;
use traced::otel::Value;
use traced_lapin::TracedChannel;
use traced_sdk::testing::{self, MetricPoint};

#[derive(Debug)]
struct Unreadable;

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("unreadable")
    }
}

impl std::error::Error for Unreadable {}

fn of<'a>(points: &'a [MetricPoint], name: &str, operation: &str) -> Vec<&'a MetricPoint> {
    points
        .iter()
        .filter(|p| p.name == name)
        .filter(|p| p.attr_str("messaging.operation.name").as_deref() == Some(operation))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_process_and_settle_are_measured() {
    let metrics = testing::metrics();
    let addr = std::env::var("AMQP_ADDR").unwrap_or_else(|_| "amqp://127.0.0.1:5672".to_owned());
    let connection = Connection::connect(&addr, ConnectionProperties::default())
        .await
        .unwrap_or_else(|e| {
            panic!("RabbitMQ is not reachable at {addr} ({e}): `.ci/run` starts it")
        });
    let channel = connection.create_channel().await.unwrap();
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .unwrap();
    let channel = TracedChannel::new(channel).server_from_uri(&addr);
    let queue = format!("traced-lapin-metrics-{}", std::process::id());
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
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    for _ in 0..2 {
        let confirm = channel
            .basic_publish(
                "".into(),
                queue.as_str().into(),
                BasicPublishOptions::default(),
                b"hello",
                BasicProperties::default(),
            )
            .await
            .unwrap();
        confirm.await.unwrap();
    }
    let first = tokio::time::timeout(Duration::from_secs(10), consumer.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    first
        .process(async { Ok::<(), Unreadable>(()) })
        .await
        .unwrap();
    first.ack(BasicAckOptions::default()).await.unwrap();
    drop(first);
    let second = tokio::time::timeout(Duration::from_secs(10), consumer.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let _ = second.process(async { Err::<(), _>(Unreadable) }).await;
    second.reject(BasicRejectOptions::default()).await.unwrap();
    drop(second);
    let points = metrics.finish();

    let client = "messaging.client.operation.duration";
    let publish = of(&points, client, "publish");
    assert_eq!(publish.len(), 1, "{points:#?}");
    let publish = publish[0];
    assert_eq!(publish.count(), 2);
    assert_eq!(publish.unit, "s");
    assert_eq!(
        publish.attr("messaging.system"),
        Some(&Value::from("rabbitmq"))
    );
    assert_eq!(
        publish.attr("messaging.operation.type"),
        Some(&Value::from("send"))
    );
    assert_eq!(
        publish.attr("messaging.destination.name"),
        Some(&Value::from(queue.clone()))
    );
    assert_eq!(
        publish.attr("server.address"),
        Some(&Value::from("127.0.0.1"))
    );
    assert_eq!(publish.attr("error.type"), None);
    let ack = of(&points, client, "ack");
    assert_eq!(
        ack[0].attr("messaging.operation.type"),
        Some(&Value::from("settle"))
    );
    assert_eq!(ack[0].count(), 1);
    assert_eq!(of(&points, client, "reject")[0].count(), 1);

    let process = of(&points, "messaging.process.duration", "process");
    assert_eq!(process.len(), 2, "{process:#?}");
    // The process metric has no operation type.
    assert!(process
        .iter()
        .all(|p| p.attr("messaging.operation.type").is_none()));
    let failed = process
        .iter()
        .find(|p| p.attr("error.type").is_some())
        .unwrap();
    assert_eq!(
        failed.attr("error.type"),
        Some(&Value::from("metrics::Unreadable"))
    );
    assert_eq!(failed.count(), 1);
}
