//! Consuming: a span per delivery, current while its handler runs, and a span per
//! settlement.

use crate::channel::{fail, message_attributes};
use crate::conventions::{self, Broker, REDELIVERED};
use futures_core::Stream;
use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicNackOptions, BasicRejectOptions};
use opentelemetry::baggage::{Baggage, BaggageExt, KeyValueMetadata};
use opentelemetry::context::FutureExt;
use opentelemetry::trace::{SpanKind, TraceContextExt};
use opentelemetry::KeyValue;
use opentelemetry_semantic_conventions::attribute::MESSAGING_RABBITMQ_MESSAGE_DELIVERY_TAG;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use traced::Span;

/// How a consumer's spans relate to the producer's.
///
/// By default a delivery's `process` span **links** to the producer's context
/// found in the message's headers, and its parent is the context current where
/// the consumer is polled (usually none: the span starts a trace of its own).
/// This is what the messaging conventions recommend: it holds however the
/// message is consumed, and keeps a long-lived consumer's work out of the
/// producer's trace. The baggage the producer sent is carried over either way.
///
/// [`parent_from_message`](Self::parent_from_message) makes the producer's
/// context the **parent** instead, so that producer and consumer are one trace,
/// as the conventions allow for single-message processing.
#[derive(Debug, Clone, Copy, Default)]
pub struct ConsumeOptions {
    parent_from_message: bool,
}

impl ConsumeOptions {
    /// Links to the producer (the default).
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Continues the producer's trace: its context is each `process` span's
    /// parent (and still its link).
    #[must_use]
    pub fn parent_from_message(mut self) -> Self {
        self.parent_from_message = true;
        self
    }
}

/// The consumer of a [`TracedChannel`](crate::TracedChannel): a stream of
/// [`TracedDelivery`], each with its CONSUMER span `process {destination}`.
///
/// The span starts when the delivery is handed over and ends when the
/// `TracedDelivery` is dropped. Make it current while the message is handled
/// with [`TracedDelivery::process`] or [`TracedDelivery::in_span`], so that
/// `#[traced]` handlers and the database calls they make are its children.
///
/// Attributes: `messaging.system` (`rabbitmq`), `messaging.operation.name` and
/// `messaging.operation.type` (`process`), `messaging.destination.name`
/// (`{exchange}:{routing key}:{queue}`, without empty parts, and without the queue
/// when the routing key names it), `messaging.rabbitmq.destination.routing_key`
/// when not empty, `messaging.rabbitmq.message.delivery_tag`,
/// `rabbitmq.message.redelivered` (semconv 1.42 has no attribute for it),
/// `messaging.message.id`, `messaging.message.conversation_id`,
/// `messaging.message.body.size`, `server.address`, `server.port`.
///
/// The producer's context is read from the headers as long or short strings (or
/// arrays of them); a malformed or missing value gives no link and no parent.
///
/// ```no_run
/// # async fn run(channel: traced_lapin::TracedChannel) -> lapin::Result<()> {
/// use futures_util::StreamExt;
/// use lapin::options::{BasicAckOptions, BasicConsumeOptions};
///
/// let mut consumer = channel
///     .basic_consume("tasks".into(), "worker".into(), BasicConsumeOptions::default(), Default::default())
///     .await?;
/// while let Some(delivery) = consumer.next().await {
///     let delivery = delivery?;
///     delivery
///         .process(async {
///             // ... handle delivery.data; spans started here are children ...
///             delivery.ack(BasicAckOptions::default()).await
///         })
///         .await?;
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct TracedConsumer {
    inner: lapin::Consumer,
    queue: Arc<str>,
    broker: Arc<Broker>,
    options: ConsumeOptions,
}

impl TracedConsumer {
    pub(crate) fn new(
        inner: lapin::Consumer,
        queue: &str,
        broker: Arc<Broker>,
        options: ConsumeOptions,
    ) -> Self {
        TracedConsumer {
            inner,
            queue: Arc::from(queue),
            broker,
            options,
        }
    }

    /// The consumer itself.
    #[must_use]
    pub fn into_inner(self) -> lapin::Consumer {
        self.inner
    }

    /// The delivery with its span.
    fn traced(&self, delivery: Delivery) -> TracedDelivery {
        let span = if traced::enabled() && PROCESS.is_on() {
            process_span(&delivery, &self.queue, &self.broker, self.options)
        } else {
            Span::none()
        };
        let measurement = if traced::metrics::enabled() && PROCESS.is_on() {
            conventions::measure(
                &conventions::PROCESS_DURATION,
                "process",
                "process",
                || destination(&delivery, &self.queue),
                &self.broker,
            )
        } else {
            None
        };
        TracedDelivery {
            inner: delivery,
            span,
            measurement: Mutex::new(measurement),
            queue: Arc::clone(&self.queue),
            broker: Arc::clone(&self.broker),
        }
    }
}

/// The filter's switches (see `traced::filter`).
static PROCESS: traced::filter::Switch = traced::filter::Switch::new("traced_lapin::process");
static SETTLE: traced::filter::Switch = traced::filter::Switch::new("traced_lapin::settle");

/// The destination a delivery came from, for the names and attributes of spans
/// that record.
fn destination(delivery: &Delivery, queue: &str) -> String {
    conventions::consume_destination(
        delivery.exchange.as_str(),
        delivery.routing_key.as_str(),
        queue,
    )
}

/// The `process` span of `delivery`, taken from `queue` on `broker`.
fn process_span(
    delivery: &Delivery,
    queue: &str,
    broker: &Broker,
    options: ConsumeOptions,
) -> Span {
    let destination = std::cell::OnceCell::new();
    let destination = || destination.get_or_init(|| crate::consumer::destination(delivery, queue));
    let producer = delivery
        .properties
        .headers()
        .as_ref()
        .map(traced::propagation::extract);
    let builder = traced::span("process")
        .kind(SpanKind::Consumer)
        .scope("traced-lapin", Some(env!("CARGO_PKG_VERSION")))
        .without_code_location();
    let builder = match producer {
        Some(producer) => {
            let link = producer.span().span_context().clone();
            let parent = if options.parent_from_message {
                producer
            } else {
                // The producer's baggage, without its span.
                let current = opentelemetry::Context::current();
                if producer.baggage().is_empty() {
                    current
                } else {
                    current.with_baggage(
                        producer
                            .baggage()
                            .iter()
                            .map(|(key, (value, metadata))| {
                                KeyValueMetadata::new(key.clone(), value.clone(), metadata.clone())
                            })
                            .collect::<Baggage>(),
                    )
                }
            };
            builder.parent(parent).link(link)
        }
        None => builder,
    };
    builder.start_with_name_and_attributes(
        || format!("process {}", destination()).into(),
        |attributes| {
            attributes.reserve(14);
            conventions::operation(
                attributes,
                "process",
                "process",
                destination().clone(),
                broker,
            );
            conventions::routing_key(attributes, delivery.routing_key.as_str());
            attributes.push(KeyValue::new(
                MESSAGING_RABBITMQ_MESSAGE_DELIVERY_TAG,
                i64::try_from(delivery.delivery_tag).unwrap_or(i64::MAX),
            ));
            attributes.push(KeyValue::new(REDELIVERED, delivery.redelivered));
            message_attributes(attributes, &delivery.properties, delivery.data.len());
        },
    )
}

impl Stream for TracedConsumer {
    type Item = lapin::Result<TracedDelivery>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match Pin::new(&mut self.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(delivery))) => Poll::Ready(Some(Ok(self.traced(delivery)))),
            Poll::Ready(Some(Err(error))) => Poll::Ready(Some(Err(error))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// A delivery and its `process` span, which ends when this is dropped. Derefs to
/// the [`Delivery`] (`data`, `properties`, `delivery_tag`, ...); its
/// [`ack`](Self::ack), [`nack`](Self::nack) and [`reject`](Self::reject) are
/// traced as settle operations.
#[derive(Debug)]
pub struct TracedDelivery {
    inner: Delivery,
    span: Span,
    /// `messaging.process.duration`, recorded when the delivery is dropped (a
    /// failed `process` adds its `error.type` first).
    measurement: Mutex<Option<traced::metrics::Measurement>>,
    queue: Arc<str>,
    broker: Arc<Broker>,
}

impl TracedDelivery {
    /// The delivery's `process` span.
    pub fn span(&self) -> &Span {
        &self.span
    }

    /// The delivery itself; its span ends now.
    #[must_use]
    pub fn into_inner(self) -> Delivery {
        self.inner
    }

    /// Runs `handler` with the `process` span current at every poll.
    pub fn in_span<F: Future>(&self, handler: F) -> impl Future<Output = F::Output> {
        handler.with_context(self.span.context().clone())
    }

    /// Runs `handler` with the `process` span current, and records an `Err` it
    /// returns on the span: `error.type`, status Error, and the exception
    /// (`messaging.process.exception`, ERROR: an `exception` span event, or a log
    /// record, as `OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN` says).
    ///
    /// # Errors
    /// The handler's.
    pub async fn process<T, E, F>(&self, handler: F) -> Result<T, E>
    where
        F: Future<Output = Result<T, E>>,
        E: std::error::Error,
    {
        let result = self.in_span(handler).await;
        if let Err(error) = &result {
            self.span.record_error_as(
                error,
                traced::logs::events::MESSAGING_PROCESS_EXCEPTION,
                opentelemetry::logs::Severity::Error,
                "traced-lapin",
            );
            let mut measurement = self
                .measurement
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            conventions::measure_failure(measurement.as_mut(), std::any::type_name::<E>());
        }
        result
    }

    /// Acknowledges the message ([`lapin::Acker::ack`]) in a CLIENT span
    /// `ack {destination}`, a child of the `process` span
    /// (`messaging.operation.type` `settle`).
    ///
    /// # Errors
    /// The channel's.
    pub async fn ack(&self, options: BasicAckOptions) -> lapin::Result<bool> {
        self.settle("ack", self.inner.acker.ack(options)).await
    }

    /// Rejects the message, one or more, ([`lapin::Acker::nack`]) in a CLIENT
    /// span `nack {destination}`.
    ///
    /// # Errors
    /// The channel's.
    pub async fn nack(&self, options: BasicNackOptions) -> lapin::Result<bool> {
        self.settle("nack", self.inner.acker.nack(options)).await
    }

    /// Rejects the message ([`lapin::Acker::reject`]) in a CLIENT span
    /// `reject {destination}`.
    ///
    /// # Errors
    /// The channel's.
    pub async fn reject(&self, options: BasicRejectOptions) -> lapin::Result<bool> {
        self.settle("reject", self.inner.acker.reject(options))
            .await
    }

    async fn settle(
        &self,
        operation: &'static str,
        settling: impl Future<Output = lapin::Result<bool>>,
    ) -> lapin::Result<bool> {
        let span = if traced::enabled() && SETTLE.is_on() {
            self.settle_span(operation)
        } else {
            Span::none()
        };
        let mut measurement = if traced::metrics::enabled() && SETTLE.is_on() {
            conventions::measure(
                &conventions::CLIENT_DURATION,
                operation,
                "settle",
                || crate::consumer::destination(&self.inner, &self.queue),
                &self.broker,
            )
        } else {
            None
        };
        let result = settling.await;
        if let Err(error) = &result {
            crate::channel::exception(
                &span,
                traced::logs::events::MESSAGING_SETTLE_EXCEPTION,
                error,
            );
            fail(&span, conventions::error_type(error));
            conventions::measure_failure(measurement.as_mut(), conventions::error_type(error));
        }
        drop(measurement);
        result
    }

    fn settle_span(&self, operation: &'static str) -> Span {
        let destination = std::cell::OnceCell::new();
        let destination =
            || destination.get_or_init(|| crate::consumer::destination(&self.inner, &self.queue));
        traced::span(operation)
            .kind(SpanKind::Client)
            .scope("traced-lapin", Some(env!("CARGO_PKG_VERSION")))
            .without_code_location()
            .parent(self.span.context())
            .leaf()
            .start_with_name_and_attributes(
                || format!("{operation} {}", destination()).into(),
                |attributes| {
                    conventions::operation(
                        attributes,
                        operation,
                        "settle",
                        destination().clone(),
                        &self.broker,
                    );
                    attributes.push(KeyValue::new(
                        MESSAGING_RABBITMQ_MESSAGE_DELIVERY_TAG,
                        i64::try_from(self.inner.delivery_tag).unwrap_or(i64::MAX),
                    ));
                },
            )
    }
}

impl std::ops::Deref for TracedDelivery {
    type Target = Delivery;

    fn deref(&self) -> &Delivery {
        &self.inner
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lapin::types::{AMQPValue, FieldArray, FieldTable, LongString};
    use lapin::BasicProperties;
    use opentelemetry::trace::SpanId;

    const VALID: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    fn delivery_with(traceparent: Option<AMQPValue>) -> Delivery {
        let mut delivery = Delivery::mock(3, "".into(), "tasks".into(), false, b"x".to_vec());
        let mut headers = FieldTable::default();
        if let Some(value) = traceparent {
            headers.insert("traceparent".into(), value);
        }
        delivery.properties = BasicProperties::default().with_headers(headers);
        delivery
    }

    /// The parent a delivery's span gets from a `traceparent` header holding `value`.
    fn parent_from(value: Option<AMQPValue>) -> SpanId {
        let capture = traced_sdk::testing::capture();
        let delivery = delivery_with(value);
        let options = ConsumeOptions::new().parent_from_message();
        drop(process_span(
            &delivery,
            "tasks",
            &Broker::default(),
            options,
        ));
        let spans = capture.finish();
        spans.named("process tasks").parent_span_id()
    }

    #[test]
    fn long_and_short_strings_carry_the_context_and_other_values_are_ignored() {
        let remote = SpanId::from_hex("00f067aa0ba902b7").unwrap();
        let long = |s: &str| AMQPValue::LongString(LongString::from(s));
        assert_eq!(parent_from(Some(long(VALID))), remote);
        assert_eq!(
            parent_from(Some(AMQPValue::ShortString(VALID.into()))),
            remote
        );
        for malformed in [
            AMQPValue::LongInt(7),
            AMQPValue::Boolean(true),
            long("00-4bf92f3577b34da6a3ce929d0e0e4736"),
            long(""),
            AMQPValue::LongString(LongString::from(vec![0xff, 0xfe])),
            AMQPValue::FieldArray(FieldArray::from(vec![long(VALID), long(VALID)])),
            AMQPValue::FieldTable(FieldTable::default()),
        ] {
            assert_eq!(
                parent_from(Some(malformed.clone())),
                SpanId::INVALID,
                "{malformed:?} is no parent"
            );
        }
        assert_eq!(parent_from(None), SpanId::INVALID);
    }
}
