//! RabbitMQ spans for [traced](https://docs.rs/traced) with
//! [lapin](https://docs.rs/lapin), as the OpenTelemetry messaging and RabbitMQ
//! semantic conventions (semconv 1.42) describe them:
//!
//! - a PRODUCER span `publish {destination}` per message published, whose
//!   context travels in the message's headers (W3C `traceparent`, `tracestate`,
//!   `baggage`, as AMQP long strings);
//! - a CONSUMER span `process {destination}` per message delivered, linked to
//!   the producer's (or its child, by [`ConsumeOptions::parent_from_message`]),
//!   current while the message is handled;
//! - a CLIENT span `ack`, `nack` or `reject` `{destination}` per settlement.
//!
//! Publishing and settling are also measured, sampled or not, into
//! `messaging.client.operation.duration`, and each delivery into
//! `messaging.process.duration` (see the workspace README's *Metrics*).
//!
//! Wrap the channel, and the rest of the code stays as it was:
//!
//! ```no_run
//! # async fn run(connection: lapin::Connection) -> lapin::Result<()> {
//! let channel = traced_lapin::TracedChannel::new(connection.create_channel().await?)
//!     .server("127.0.0.1", 5672);
//! # Ok(())
//! # }
//! ```
//!
//! Like every traced crate, it costs nothing when the application installs no
//! tracing: no header is read or written, no name is formatted.
//!
//! `error.type` is the AMQP error's name for an error the broker sent
//! (`not-found`, `access-refused`, `precondition-failed`, `channel-error`, ...),
//! the kind of client error otherwise (`io`, `invalid-channel-state`,
//! `missing-heartbeat`, ...; see [`error_type`]), `nack` for a publish the broker
//! refused, and `no-route` or `no-consumers` for a message it returned.

mod channel;
mod consumer;
mod conventions;

pub use channel::{TracedChannel, TracedConfirm};
pub use consumer::{ConsumeOptions, TracedConsumer, TracedDelivery};
pub use conventions::{error_type, REDELIVERED};
