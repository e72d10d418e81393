//! `user.updated` events over RabbitMQ, through traced-lapin: the users service
//! publishes them on the `users` exchange, the notifier consumes them from its
//! queue and records a notification in the database.

use crate::store::Store;
use futures_util::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicNackOptions, BasicPublishOptions,
    ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Connection, ConnectionProperties, ExchangeKind};
use traced_lapin::{ConsumeOptions, TracedChannel, TracedDelivery};

pub const EXCHANGE: &str = "users";
pub const ROUTING_KEY: &str = "user.updated";
pub const QUEUE: &str = "notifier";

/// The broker, once connected.
#[derive(Debug, Clone)]
pub struct Events {
    channel: TracedChannel,
    // Kept open for as long as the channel is used.
    _connection: std::sync::Arc<Connection>,
}

impl Events {
    /// Connects to the broker at `addr` and declares the exchange; `Err` says why
    /// not, in one line.
    pub async fn connect(addr: &str) -> Result<Events, String> {
        let connection = Connection::connect(addr, ConnectionProperties::default())
            .await
            .map_err(|error| format!("RabbitMQ is not reachable at {addr} ({error})"))?;
        let channel = connection
            .create_channel()
            .await
            .map_err(|error| format!("RabbitMQ at {addr}: no channel ({error})"))?;
        let channel = TracedChannel::new(channel).server_from_uri(addr);
        channel
            .exchange_declare(
                EXCHANGE.into(),
                ExchangeKind::Topic,
                ExchangeDeclareOptions::default(),
                FieldTable::default(),
            )
            .await
            .map_err(|error| format!("RabbitMQ at {addr}: exchange {EXCHANGE} ({error})"))?;
        Ok(Events {
            channel,
            _connection: std::sync::Arc::new(connection),
        })
    }

    /// Publishes that user `id` now has `email` (the span `publish users:user.updated`).
    pub async fn user_updated(&self, id: i64, email: &str) -> Result<(), lapin::Error> {
        let body = format!(r#"{{"id":{id},"email":{email:?}}}"#);
        let properties = BasicProperties::default()
            .with_content_type("application/json".into())
            .with_message_id(format!("user-{id}-{}", std::process::id()).into());
        let confirm = self
            .channel
            .basic_publish(
                EXCHANGE.into(),
                ROUTING_KEY.into(),
                BasicPublishOptions::default(),
                body.as_bytes(),
                properties,
            )
            .await?;
        drop(confirm);
        Ok(())
    }

    /// Starts the notifier: each `user.updated` event is processed as a child of
    /// its publish (and linked to it), and `processed` is told of each.
    pub async fn start_notifier(
        &self,
        store: Store,
        processed: tokio::sync::mpsc::UnboundedSender<i64>,
    ) -> Result<(), lapin::Error> {
        let queue_options = QueueDeclareOptions {
            exclusive: true,
            auto_delete: true,
            ..QueueDeclareOptions::default()
        };
        self.channel
            .queue_declare(QUEUE.into(), queue_options, FieldTable::default())
            .await?;
        self.channel
            .queue_bind(
                QUEUE.into(),
                EXCHANGE.into(),
                ROUTING_KEY.into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;
        // One message at a time, each processed on its own: the producer's span
        // can be the parent, so that each request is one trace down to the
        // notifier (the default links instead; see `ConsumeOptions`).
        let mut consumer = self
            .channel
            .basic_consume_with(
                QUEUE.into(),
                "notifier".into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
                ConsumeOptions::new().parent_from_message(),
            )
            .await?;
        tokio::spawn(async move {
            while let Some(Ok(delivery)) = consumer.next().await {
                let result = delivery.process(notify(&store, &delivery)).await;
                let settled = match &result {
                    Ok(_) => delivery.ack(BasicAckOptions::default()).await,
                    Err(_) => delivery.nack(BasicNackOptions::default()).await,
                };
                if let Err(error) = settled {
                    eprintln!("notifier: {error}");
                }
                if let Ok(id) = result {
                    let _ = processed.send(id);
                }
            }
        });
        Ok(())
    }
}

/// What the notifier does with one event: it records a notification. A child of
/// the event's `process` span, with the tenant the request carried as baggage.
#[traced::traced(record_err, skip(store, delivery), baggage(tenant.id))]
async fn notify(store: &Store, delivery: &TracedDelivery) -> Result<i64, sqlx::Error> {
    let body = String::from_utf8_lossy(&delivery.data);
    let id = field(&body, "\"id\":")
        .and_then(|id| id.parse().ok())
        .unwrap_or_default();
    let email = field(&body, "\"email\":").unwrap_or_default();
    store
        .record_notification(id, email.trim_matches('"'))
        .await?;
    Ok(id)
}

/// The text of a field of the small JSON object this demo publishes.
fn field<'a>(body: &'a str, key: &str) -> Option<&'a str> {
    let rest = &body[body.find(key)? + key.len()..];
    rest.split([',', '}']).next()
}
