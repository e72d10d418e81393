//! A lapin channel whose publishing and consuming are traced.

use crate::consumer::{ConsumeOptions, TracedConsumer};
use crate::conventions::{self, Broker};
use lapin::options::{BasicConsumeOptions, BasicPublishOptions};
use lapin::types::{FieldTable, ShortString};
use lapin::{BasicProperties, Confirmation, PublisherConfirm};
use opentelemetry::trace::{SpanKind, Status};
use opentelemetry::KeyValue;
use opentelemetry_semantic_conventions::attribute::{
    ERROR_TYPE, MESSAGING_MESSAGE_BODY_SIZE, MESSAGING_MESSAGE_CONVERSATION_ID,
    MESSAGING_MESSAGE_ID,
};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use traced::logs::events::MESSAGING_SEND_EXCEPTION;
use traced::Span;

/// A [`lapin::Channel`] whose `basic_publish` and `basic_consume` are traced, as
/// the messaging and RabbitMQ semantic conventions (semconv 1.42) describe them.
/// Everything else is the channel's own, through `Deref`: wrapping a channel is
/// the one change.
///
/// - [`basic_publish`](Self::basic_publish) makes a PRODUCER span
///   `publish {destination}` and writes its context (`traceparent`,
///   `tracestate`, `baggage`) into the message's headers, as AMQP long strings.
/// - [`basic_consume`](Self::basic_consume) gives a consumer whose deliveries
///   each carry a CONSUMER span `process {destination}`; see [`TracedConsumer`].
///
/// ```no_run
/// # async fn run() -> lapin::Result<()> {
/// use lapin::options::BasicPublishOptions;
/// use lapin::{BasicProperties, Connection, ConnectionProperties};
///
/// let uri = "amqp://127.0.0.1:5672";
/// let connection = Connection::connect(uri, ConnectionProperties::default()).await?;
/// let channel = traced_lapin::TracedChannel::new(connection.create_channel().await?)
///     .server_from_uri(uri);
/// channel
///     .basic_publish(
///         "".into(),
///         "tasks".into(),
///         BasicPublishOptions::default(),
///         b"hello",
///         BasicProperties::default(),
///     )
///     .await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct TracedChannel {
    inner: lapin::Channel,
    broker: Arc<Broker>,
}

impl TracedChannel {
    /// Traces `channel`'s publishing and consuming. Its spans carry no
    /// `server.address` until [`server`](Self::server) or
    /// [`server_from_uri`](Self::server_from_uri) names the broker.
    #[must_use]
    pub fn new(channel: lapin::Channel) -> Self {
        TracedChannel {
            inner: channel,
            broker: Arc::default(),
        }
    }

    /// The broker's host and port, as `server.address` and `server.port`.
    #[must_use]
    pub fn server(mut self, host: impl Into<String>, port: u16) -> Self {
        self.broker = Arc::new(Broker {
            host: Some(host.into()),
            port: Some(port),
        });
        self
    }

    /// The broker's host and port, read from the AMQP URI the connection was made
    /// with (`amqp://user:pass@host:port/vhost`; the credentials are not kept).
    /// A URI that does not parse names no broker.
    #[must_use]
    pub fn server_from_uri(self, uri: &str) -> Self {
        match uri.parse::<lapin::uri::AMQPUri>() {
            Ok(uri) => self.server(uri.authority.host, uri.authority.port),
            Err(_) => self,
        }
    }

    /// The channel itself.
    #[must_use]
    pub fn into_inner(self) -> lapin::Channel {
        self.inner
    }

    /// [`lapin::Channel::basic_publish`] in a PRODUCER span `publish {destination}`,
    /// with the span's context written into the message's headers.
    ///
    /// The span ends when the returned confirmation ends: at once if it is
    /// dropped, or when the broker confirms, if it is awaited (with publisher
    /// confirms on). A failed publish, a `nack`, or a message the broker returns
    /// as unroutable sets `error.type` and the status Error.
    ///
    /// Attributes: `messaging.system` (`rabbitmq`), `messaging.operation.name`
    /// (`publish`), `messaging.operation.type` (`send`),
    /// `messaging.destination.name` (`{exchange}:{routing key}`, the one that is
    /// not empty, or `amq.default`), `messaging.rabbitmq.destination.routing_key`
    /// when not empty, `messaging.message.id` and
    /// `messaging.message.conversation_id` (the correlation id) when set,
    /// `messaging.message.body.size`, `server.address` and `server.port`.
    ///
    /// # Errors
    /// The channel's: the publish could not be sent.
    pub async fn basic_publish(
        &self,
        exchange: ShortString,
        routing_key: ShortString,
        options: BasicPublishOptions,
        payload: &[u8],
        properties: BasicProperties,
    ) -> lapin::Result<TracedConfirm> {
        let mut measurement = if traced::metrics::enabled() && PUBLISH.is_on() {
            conventions::measure(
                &conventions::CLIENT_DURATION,
                "publish",
                "send",
                || conventions::publish_destination(exchange.as_str(), routing_key.as_str()),
                &self.broker,
            )
        } else {
            None
        };
        let (span, properties) = publish_span(
            &self.broker,
            exchange.as_str(),
            routing_key.as_str(),
            payload,
            properties,
        );
        match self
            .inner
            .basic_publish(exchange, routing_key, options, payload, properties)
            .await
        {
            Ok(confirm) => Ok(TracedConfirm {
                inner: confirm,
                span: Some(span),
                measurement,
            }),
            Err(error) => {
                exception(&span, MESSAGING_SEND_EXCEPTION, &error);
                fail(&span, conventions::error_type(&error));
                conventions::measure_failure(measurement.as_mut(), conventions::error_type(&error));
                Err(error)
            }
        }
    }

    /// [`lapin::Channel::basic_consume`], giving a consumer whose deliveries each
    /// carry a CONSUMER span; see [`TracedConsumer`]. Each delivery's span links
    /// to the producer's context from the message's headers.
    ///
    /// # Errors
    /// The channel's: the consumer could not be started.
    pub async fn basic_consume(
        &self,
        queue: ShortString,
        consumer_tag: ShortString,
        options: BasicConsumeOptions,
        arguments: FieldTable,
    ) -> lapin::Result<TracedConsumer> {
        self.basic_consume_with(
            queue,
            consumer_tag,
            options,
            arguments,
            ConsumeOptions::default(),
        )
        .await
    }

    /// [`basic_consume`](Self::basic_consume) with [`ConsumeOptions`]: whether a
    /// delivery's span is the producer's child rather than linked to it.
    ///
    /// # Errors
    /// The channel's: the consumer could not be started.
    pub async fn basic_consume_with(
        &self,
        queue: ShortString,
        consumer_tag: ShortString,
        options: BasicConsumeOptions,
        arguments: FieldTable,
        tracing: ConsumeOptions,
    ) -> lapin::Result<TracedConsumer> {
        let consumer = self
            .inner
            .basic_consume(queue.clone(), consumer_tag, options, arguments)
            .await?;
        Ok(TracedConsumer::new(
            consumer,
            queue.as_str(),
            Arc::clone(&self.broker),
            tracing,
        ))
    }
}

impl std::ops::Deref for TracedChannel {
    type Target = lapin::Channel;

    fn deref(&self) -> &lapin::Channel {
        &self.inner
    }
}

/// The filter's switch of publish spans (see `traced::filter`).
static PUBLISH: traced::filter::Switch = traced::filter::Switch::new("traced_lapin::publish");

/// Starts the publish span and writes its context into the message's headers.
fn publish_span(
    broker: &Broker,
    exchange: &str,
    routing_key: &str,
    payload: &[u8],
    properties: BasicProperties,
) -> (Span, BasicProperties) {
    if !traced::enabled() {
        return (Span::none(), properties);
    }
    if !PUBLISH.is_on() {
        // Switched off: no span, and the trace goes on through the current context.
        let mut headers = properties.headers().clone().unwrap_or_default();
        traced::propagation::inject(&mut headers);
        return (Span::none(), properties.with_headers(headers));
    }
    let destination = || conventions::publish_destination(exchange, routing_key);
    let span = traced::span("publish")
        .kind(SpanKind::Producer)
        .scope("traced-lapin", Some(env!("CARGO_PKG_VERSION")))
        .without_code_location()
        .start_with_name_and_attributes(
            || format!("publish {}", destination()).into(),
            |attributes| {
                attributes.reserve(12);
                conventions::operation(attributes, "publish", "send", destination(), broker);
                conventions::routing_key(attributes, routing_key);
                message_attributes(attributes, &properties, payload.len());
            },
        );
    let mut headers = properties.headers().clone().unwrap_or_default();
    traced::propagation::inject_context(span.context(), &mut headers);
    (span, properties.with_headers(headers))
}

/// The attributes a message's properties and body give.
pub(crate) fn message_attributes(
    attributes: &mut Vec<KeyValue>,
    properties: &BasicProperties,
    body_size: usize,
) {
    if let Some(id) = properties.message_id() {
        attributes.push(KeyValue::new(MESSAGING_MESSAGE_ID, id.as_str().to_owned()));
    }
    if let Some(id) = properties.correlation_id() {
        attributes.push(KeyValue::new(
            MESSAGING_MESSAGE_CONVERSATION_ID,
            id.as_str().to_owned(),
        ));
    }
    attributes.push(KeyValue::new(
        MESSAGING_MESSAGE_BODY_SIZE,
        i64::try_from(body_size).unwrap_or(i64::MAX),
    ));
}

/// Records the exception of an operation that failed with `error`:
/// `event_name` is `messaging.send.exception` or `messaging.settle.exception`,
/// at WARN as the conventions give both.
pub(crate) fn exception(span: &Span, event_name: &'static str, error: &lapin::Error) {
    if span.is_recording() {
        let message = error.to_string();
        span.record_exception(&traced::logs::Exception {
            event_name,
            severity: opentelemetry::logs::Severity::Warn,
            type_name: std::any::type_name::<lapin::Error>(),
            message: &message,
            target: Some("traced-lapin"),
        });
    }
}

/// Marks `span` failed with `error_type`.
pub(crate) fn fail(span: &Span, error_type: &'static str) {
    span.set_attribute(ERROR_TYPE, error_type);
    span.set_status(Status::error(""));
}

pin_project_lite::pin_project! {
    /// The broker's confirmation of a traced publish: [`lapin::PublisherConfirm`],
    /// carrying the publish span until it ends. Await it for the confirmation
    /// (with publisher confirms on), or drop it to end the span at once.
    #[derive(Debug)]
    pub struct TracedConfirm {
        #[pin]
        inner: PublisherConfirm,
        span: Option<Span>,
        // Recorded with the confirmation, or when dropped before it.
        measurement: Option<traced::metrics::Measurement>,
    }
}

impl TracedConfirm {
    /// The confirmation itself; the span ends now.
    #[must_use]
    pub fn into_inner(self) -> PublisherConfirm {
        self.inner
    }

    /// The publish span (to link to it, or add to it).
    pub fn span(&self) -> &Span {
        self.span.as_ref().unwrap_or(&NO_SPAN)
    }
}

static NO_SPAN: Span = Span::none();

impl Future for TracedConfirm {
    type Output = lapin::Result<Confirmation>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = ready!(this.inner.poll(cx));
        let failure = match &result {
            Ok(Confirmation::Nack(_)) => Some("nack"),
            Ok(Confirmation::Ack(Some(returned))) => {
                Some(conventions::returned_type(returned.reply_code))
            }
            Ok(_) => None,
            Err(error) => Some(conventions::error_type(error)),
        };
        if let (Some(span), Some(failure)) = (this.span.take(), failure) {
            if let Err(error) = &result {
                exception(&span, MESSAGING_SEND_EXCEPTION, error);
            }
            fail(&span, failure);
        }
        let mut measurement = this.measurement.take();
        if let Some(failure) = failure {
            conventions::measure_failure(measurement.as_mut(), failure);
        }
        drop(measurement);
        Poll::Ready(result)
    }
}
