//! traced-lapin against a real RabbitMQ (`AMQP_ADDR`, by default
//! `amqp://127.0.0.1:5672`, as `.ci/run` starts it), asserting on the spans as
//! exported over OTLP to the in-process receiver.

#[path = "../../http/tests/support/mod.rs"]
mod support;

use futures_util::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicNackOptions, BasicPublishOptions,
    BasicRejectOptions, ConfirmSelectOptions, ExchangeDeclareOptions, QueueBindOptions,
    QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldArray, FieldTable, LongString, ShortString};
use lapin::{BasicProperties, Connection, ConnectionProperties, ExchangeKind};
use opentelemetry::context::FutureExt as _;
use std::time::{Duration, Instant};
use support::{named, receiver, string, trace_spans, ReceivedSpan, SpanKind, Value};
use traced_lapin::{ConsumeOptions, TracedChannel, TracedConsumer, TracedDelivery};
use traced_otlp_receiver::proto::tonic::trace::v1::status::StatusCode;

fn amqp_addr() -> String {
    std::env::var("AMQP_ADDR").unwrap_or_else(|_| "amqp://127.0.0.1:5672".to_owned())
}

/// A connection to the broker and a traced channel on it.
async fn connect() -> (Connection, TracedChannel) {
    let addr = amqp_addr();
    let connection = Connection::connect(&addr, ConnectionProperties::default())
        .await
        .unwrap_or_else(|error| {
            panic!(
                "RabbitMQ is not reachable at {addr} ({error}): `.ci/run` starts it, \
                 or set AMQP_ADDR"
            )
        });
    let channel = connection.create_channel().await.expect("a channel");
    (
        connection,
        TracedChannel::new(channel).server_from_uri(&addr),
    )
}

/// A queue of its own for each test, deleted when its consumers are gone.
async fn queue(channel: &TracedChannel, test: &str) -> String {
    let name = format!(
        "traced-lapin-{test}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    channel
        .queue_declare(
            name.as_str().into(),
            QueueDeclareOptions {
                auto_delete: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .expect("the queue");
    name
}

async fn consume(channel: &TracedChannel, queue: &str, options: ConsumeOptions) -> TracedConsumer {
    channel
        .basic_consume_with(
            queue.into(),
            ShortString::from(format!("{queue}-consumer")),
            BasicConsumeOptions::default(),
            FieldTable::default(),
            options,
        )
        .await
        .expect("a consumer")
}

async fn next(consumer: &mut TracedConsumer) -> TracedDelivery {
    tokio::time::timeout(Duration::from_secs(10), consumer.next())
        .await
        .expect("a delivery within 10 s")
        .expect("the consumer goes on")
        .expect("a delivery")
}

async fn publish(channel: &TracedChannel, exchange: &str, key: &str, properties: BasicProperties) {
    let confirm = channel
        .basic_publish(
            exchange.into(),
            key.into(),
            BasicPublishOptions::default(),
            b"hello",
            properties,
        )
        .await
        .expect("published");
    confirm.await.expect("confirmed");
}

/// The spans, once one `is` picks has arrived (or after 10 s).
fn wait_for(what: &str, is: impl Fn(&ReceivedSpan) -> bool) -> Vec<ReceivedSpan> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let spans = receiver().spans();
        if spans.iter().any(&is) || Instant::now() > deadline {
            assert!(spans.iter().any(&is), "no {what} arrived");
            return spans;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The one span `is` picks, once it has arrived.
async fn arrived(
    what: &'static str,
    is: impl Fn(&ReceivedSpan) -> bool + Send + 'static,
) -> ReceivedSpan {
    tokio::task::spawn_blocking(move || {
        let spans = wait_for(what, &is);
        let found: Vec<ReceivedSpan> = spans.into_iter().filter(|s| is(s)).collect();
        assert_eq!(found.len(), 1, "one {what}");
        found.into_iter().next().unwrap()
    })
    .await
    .unwrap()
}

#[traced::traced]
async fn handle(size: usize) -> Option<String> {
    tokio::task::yield_now().await;
    let _ = size;
    traced::baggage::get("tenant.id")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_published_message_is_processed_in_a_linked_trace_with_every_attribute() {
    let (_connection, channel) = connect().await;
    let queue = queue(&channel, "linked").await;
    let mut consumer = consume(&channel, &queue, ConsumeOptions::default()).await;
    let properties = BasicProperties::default()
        .with_message_id("m-1".into())
        .with_correlation_id("c-9".into());
    let (_, trace) = support::in_trace(async {
        let with_tenant = traced::baggage::with([("tenant.id", "acme")]);
        publish(&channel, "", &queue, properties)
            .with_context(with_tenant)
            .await;
    })
    .await;

    let delivery = next(&mut consumer).await;
    let tenant = delivery
        .process(async {
            let tenant = handle(delivery.data.len()).await;
            delivery
                .ack(BasicAckOptions::default())
                .await
                .map(|_| tenant)
        })
        .await
        .expect("handled");
    assert_eq!(
        tenant.as_deref(),
        Some("acme"),
        "the producer's baggage arrived"
    );
    drop(delivery);

    let spans = trace_spans(trace.clone(), 2).await;
    let publish = named(&spans, &format!("publish {queue}"));
    assert_eq!(publish.kind(), SpanKind::Producer);
    for (key, value) in [
        ("messaging.system", string("rabbitmq")),
        ("messaging.operation.name", string("publish")),
        ("messaging.operation.type", string("send")),
        ("messaging.destination.name", string(&queue)),
        ("messaging.rabbitmq.destination.routing_key", string(&queue)),
        ("messaging.message.id", string("m-1")),
        ("messaging.message.conversation_id", string("c-9")),
        ("messaging.message.body.size", Some(Value::Int(5))),
        ("server.address", string("127.0.0.1")),
        ("server.port", Some(Value::Int(5672))),
    ] {
        assert_eq!(publish.attr(key), value, "publish span's {key}");
    }
    assert_eq!(publish.attr("code.file.path"), None);

    let producer = publish.span_id();
    let name = format!("process {queue}");
    let process = arrived("process span", move |s| s.name() == name).await;
    assert_eq!(process.kind(), SpanKind::Consumer);
    assert_ne!(process.trace_id(), trace, "a trace of its own");
    assert_eq!(process.parent_span_id(), None);
    assert_eq!(process.links(), [(trace, producer)]);
    for (key, value) in [
        ("messaging.system", string("rabbitmq")),
        ("messaging.operation.name", string("process")),
        ("messaging.operation.type", string("process")),
        ("messaging.destination.name", string(&queue)),
        ("messaging.rabbitmq.destination.routing_key", string(&queue)),
        (
            "messaging.rabbitmq.message.delivery_tag",
            Some(Value::Int(1)),
        ),
        ("rabbitmq.message.redelivered", Some(Value::Bool(false))),
        ("messaging.message.id", string("m-1")),
        ("messaging.message.conversation_id", string("c-9")),
        ("messaging.message.body.size", Some(Value::Int(5))),
        ("server.address", string("127.0.0.1")),
        ("server.port", Some(Value::Int(5672))),
    ] {
        assert_eq!(process.attr(key), value, "process span's {key}");
    }

    let spans = trace_spans(process.trace_id(), 3).await;
    let handler = named(&spans, "handle");
    assert_eq!(handler.parent_span_id(), Some(process.span_id()));
    let ack = named(&spans, &format!("ack {queue}"));
    assert_eq!(ack.kind(), SpanKind::Client);
    assert_eq!(ack.parent_span_id(), Some(process.span_id()));
    assert_eq!(ack.attr("messaging.operation.type"), string("settle"));
    assert_eq!(ack.attr("messaging.operation.name"), string("ack"));
    assert_eq!(ack.attr("messaging.destination.name"), string(&queue));
    assert_eq!(
        ack.attr("messaging.rabbitmq.message.delivery_tag"),
        Some(Value::Int(1))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_parent_from_message_the_consumer_continues_the_producers_trace() {
    let (_connection, channel) = connect().await;
    let queue = queue(&channel, "parented").await;
    let mut consumer = consume(
        &channel,
        &queue,
        ConsumeOptions::new().parent_from_message(),
    )
    .await;
    let (_, trace) = support::in_trace(async {
        let with_tenant = traced::baggage::with([("tenant.id", "globex")]);
        publish(&channel, "", &queue, BasicProperties::default())
            .with_context(with_tenant)
            .await;
    })
    .await;
    let delivery = next(&mut consumer).await;
    let tenant = delivery.in_span(handle(5)).await;
    assert_eq!(tenant.as_deref(), Some("globex"));
    drop(delivery);

    let spans = trace_spans(trace, 4).await;
    let publish = named(&spans, &format!("publish {queue}"));
    let process = named(&spans, &format!("process {queue}"));
    assert_eq!(process.parent_span_id(), Some(publish.span_id()));
    assert_eq!(process.links(), [(publish.trace_id(), publish.span_id())]);
    assert_eq!(
        named(&spans, "handle").parent_span_id(),
        Some(process.span_id())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nacked_message_comes_back_redelivered_and_is_rejected() {
    let (_connection, channel) = connect().await;
    let queue = queue(&channel, "redelivered").await;
    let mut consumer = consume(
        &channel,
        &queue,
        ConsumeOptions::new().parent_from_message(),
    )
    .await;
    let (_, trace) =
        support::in_trace(publish(&channel, "", &queue, BasicProperties::default())).await;
    let first = next(&mut consumer).await;
    first
        .nack(BasicNackOptions {
            requeue: true,
            ..BasicNackOptions::default()
        })
        .await
        .expect("nacked");
    drop(first);
    let second = next(&mut consumer).await;
    assert!(second.redelivered);
    second
        .reject(BasicRejectOptions { requeue: false })
        .await
        .expect("rejected");
    drop(second);

    let spans = trace_spans(trace, 6).await;
    let processes: Vec<&ReceivedSpan> = spans
        .iter()
        .filter(|s| s.name() == format!("process {queue}"))
        .collect();
    assert_eq!(processes.len(), 2);
    let redelivered: Vec<Option<Value>> = processes
        .iter()
        .map(|s| s.attr("rabbitmq.message.redelivered"))
        .collect();
    assert!(redelivered.contains(&Some(Value::Bool(false))));
    assert!(redelivered.contains(&Some(Value::Bool(true))));
    let nack = named(&spans, &format!("nack {queue}"));
    let reject = named(&spans, &format!("reject {queue}"));
    for (span, operation) in [(nack, "nack"), (reject, "reject")] {
        assert_eq!(span.kind(), SpanKind::Client);
        assert_eq!(span.attr("messaging.operation.name"), string(operation));
        assert_eq!(span.attr("messaging.operation.type"), string("settle"));
        assert!(processes
            .iter()
            .any(|p| span.parent_span_id() == Some(p.span_id())));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_named_exchange_names_both_destinations() {
    let (_connection, channel) = connect().await;
    let queue = queue(&channel, "exchange").await;
    let exchange = format!("{queue}-ex");
    channel
        .exchange_declare(
            exchange.as_str().into(),
            ExchangeKind::Direct,
            ExchangeDeclareOptions {
                auto_delete: true,
                ..ExchangeDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .unwrap();
    channel
        .queue_bind(
            queue.as_str().into(),
            exchange.as_str().into(),
            "user.updated".into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    let mut consumer = consume(
        &channel,
        &queue,
        ConsumeOptions::new().parent_from_message(),
    )
    .await;
    let (_, trace) = support::in_trace(publish(
        &channel,
        &exchange,
        "user.updated",
        BasicProperties::default(),
    ))
    .await;
    let delivery = next(&mut consumer).await;
    delivery.ack(BasicAckOptions::default()).await.unwrap();
    drop(delivery);
    let spans = trace_spans(trace, 4).await;
    let publish = named(&spans, &format!("publish {exchange}:user.updated"));
    assert_eq!(
        publish.attr("messaging.destination.name"),
        string(&format!("{exchange}:user.updated"))
    );
    let process = named(&spans, &format!("process {exchange}:user.updated:{queue}"));
    assert_eq!(
        process.attr("messaging.rabbitmq.destination.routing_key"),
        string("user.updated")
    );
    named(&spans, &format!("ack {exchange}:user.updated:{queue}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_context_headers_give_no_link_and_no_parent() {
    let (_connection, channel) = connect().await;
    let queue = queue(&channel, "malformed").await;
    let mut consumer = consume(
        &channel,
        &queue,
        ConsumeOptions::new().parent_from_message(),
    )
    .await;
    let valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let long = |s: &str| AMQPValue::LongString(LongString::from(s));
    let cases: Vec<(&str, Option<AMQPValue>)> = [
        ("long string", Some(long(valid))),
        ("integer", Some(AMQPValue::LongInt(7))),
        ("garbage", Some(long("00-not-a-trace-context"))),
        (
            "not UTF-8",
            Some(AMQPValue::LongString(LongString::from(vec![0xff, 0xfe]))),
        ),
        (
            "sent twice",
            Some(AMQPValue::FieldArray(FieldArray::from(vec![
                long(valid),
                long(valid),
            ]))),
        ),
        ("absent", None),
    ]
    .into();
    for (case, value) in &cases {
        let mut headers = FieldTable::default();
        headers.insert(
            "case".into(),
            AMQPValue::LongString(LongString::from(*case)),
        );
        if let Some(value) = value {
            headers.insert("traceparent".into(), value.clone());
        }
        // Published without tracing: the headers are as the test wrote them.
        channel
            .basic_publish_untraced(&queue, BasicProperties::default().with_headers(headers))
            .await;
    }
    for _ in &cases {
        let delivery = next(&mut consumer).await;
        delivery.ack(BasicAckOptions::default()).await.unwrap();
    }
    let spans = tokio::task::spawn_blocking({
        let queue = queue.clone();
        move || {
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                let spans: Vec<ReceivedSpan> = receiver()
                    .spans()
                    .into_iter()
                    .filter(|s| s.name() == format!("process {queue}"))
                    .collect();
                if spans.len() >= 6 || Instant::now() > deadline {
                    return spans;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    })
    .await
    .unwrap();
    assert_eq!(spans.len(), 6);
    let linked: Vec<&ReceivedSpan> = spans.iter().filter(|s| !s.links().is_empty()).collect();
    // RabbitMQ carries no short strings in headers (its `s` is a short integer):
    // that case is the unit test's, in `consumer.rs`.
    assert_eq!(linked.len(), 1, "only the valid long string is read");
    assert_eq!(linked[0].trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(
        linked[0].parent_span_id().as_deref(),
        Some("00f067aa0ba902b7")
    );
    for span in spans.iter().filter(|s| s.links().is_empty()) {
        assert_eq!(span.parent_span_id(), None, "no parent from a bad header");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_publish_the_broker_refuses_is_an_error() {
    let (_connection, channel) = connect().await;
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .unwrap();
    let (result, trace) = support::in_trace(async {
        let confirm = channel
            .basic_publish(
                "traced-lapin-no-such-exchange".into(),
                "k".into(),
                BasicPublishOptions::default(),
                b"lost",
                BasicProperties::default(),
            )
            .await;
        match confirm {
            Ok(confirm) => confirm.await.map(|_| ()),
            Err(error) => Err(error),
        }
    })
    .await;
    assert!(result.is_err(), "{result:?}");
    let spans = trace_spans(trace, 2).await;
    let publish = named(&spans, "publish traced-lapin-no-such-exchange:k");
    assert_eq!(publish.status_code(), StatusCode::Error);
    assert_eq!(publish.attr("error.type"), string("not-found"));
}

/// Publishing with lapin's own channel, untraced.
trait Untraced {
    async fn basic_publish_untraced(&self, queue: &str, properties: BasicProperties);
}

impl Untraced for TracedChannel {
    async fn basic_publish_untraced(&self, queue: &str, properties: BasicProperties) {
        let channel: &lapin::Channel = self;
        channel
            .basic_publish(
                "".into(),
                queue.into(),
                BasicPublishOptions::default(),
                b"x",
                properties,
            )
            .await
            .expect("published");
    }
}
