//! The messaging and RabbitMQ semantic conventions (semconv 1.42): destination
//! names, operations, attributes, and the error types this crate reports.

use lapin::protocol::{AMQPErrorKind, AMQPHardError, AMQPSoftError};
use lapin::ErrorKind;
use opentelemetry::KeyValue;
use opentelemetry_semantic_conventions::attribute::{
    MESSAGING_DESTINATION_NAME, MESSAGING_OPERATION_NAME, MESSAGING_OPERATION_TYPE,
    MESSAGING_RABBITMQ_DESTINATION_ROUTING_KEY, MESSAGING_SYSTEM, SERVER_ADDRESS, SERVER_PORT,
};

/// Whether a delivery was redelivered. Semconv 1.42 has no attribute for it; the
/// name is ours, outside the conventions' `messaging.` namespace.
pub const REDELIVERED: &str = "rabbitmq.message.redelivered";

/// The destination a message is published to: `{exchange}:{routing key}`, the one
/// of them that is not empty, or `amq.default`.
pub(crate) fn publish_destination(exchange: &str, routing_key: &str) -> String {
    match (exchange.is_empty(), routing_key.is_empty()) {
        (false, false) => format!("{exchange}:{routing_key}"),
        (false, true) => exchange.to_owned(),
        (true, false) => routing_key.to_owned(),
        (true, true) => "amq.default".to_owned(),
    }
}

/// The destination a message is consumed from: `{exchange}:{routing key}:{queue}`
/// without its empty parts, and with the queue left out when the routing key
/// names it.
pub(crate) fn consume_destination(exchange: &str, routing_key: &str, queue: &str) -> String {
    let queue = if queue == routing_key { "" } else { queue };
    let parts: Vec<&str> = [exchange, routing_key, queue]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect();
    if parts.is_empty() {
        "amq.default".to_owned()
    } else {
        parts.join(":")
    }
}

/// The broker the channel talks to, as far as it was told.
#[derive(Debug, Clone, Default)]
pub(crate) struct Broker {
    pub(crate) host: Option<String>,
    pub(crate) port: Option<u16>,
}

/// What every span of an operation starts with: the system, the operation, its
/// type, the destination and the broker.
pub(crate) fn operation(
    attributes: &mut Vec<KeyValue>,
    name: &'static str,
    kind: &'static str,
    destination: String,
    broker: &Broker,
) {
    attributes.push(KeyValue::new(MESSAGING_SYSTEM, "rabbitmq"));
    attributes.push(KeyValue::new(MESSAGING_OPERATION_NAME, name));
    attributes.push(KeyValue::new(MESSAGING_OPERATION_TYPE, kind));
    attributes.push(KeyValue::new(MESSAGING_DESTINATION_NAME, destination));
    if let Some(host) = &broker.host {
        attributes.push(KeyValue::new(SERVER_ADDRESS, host.clone()));
    }
    if let Some(port) = broker.port {
        attributes.push(KeyValue::new(SERVER_PORT, i64::from(port)));
    }
}

/// `messaging.client.operation.duration`: publishing and settling.
pub(crate) static CLIENT_DURATION: traced::metrics::DurationHistogram =
    traced::metrics::DurationHistogram::new(
        "messaging.client.operation.duration",
        "Duration of messaging operations.",
        traced::metrics::DURATION_BUCKETS,
        ("traced-lapin", env!("CARGO_PKG_VERSION")),
    );

/// `messaging.process.duration`: handling a delivery.
pub(crate) static PROCESS_DURATION: traced::metrics::DurationHistogram =
    traced::metrics::DurationHistogram::new(
        "messaging.process.duration",
        "Duration of processing operations.",
        traced::metrics::DURATION_BUCKETS,
        ("traced-lapin", env!("CARGO_PKG_VERSION")),
    );

/// The measurement of an operation: the span's operation attributes
/// (`messaging.operation.type` only for client operations: the process metric
/// has none), without the message's own.
pub(crate) fn measure(
    histogram: &'static traced::metrics::DurationHistogram,
    name: &'static str,
    kind: &'static str,
    destination: impl FnOnce() -> String,
    broker: &Broker,
) -> Option<traced::metrics::Measurement> {
    let mut measurement = traced::metrics::Measurement::start(histogram, 7)?;
    let mut attributes = Vec::with_capacity(6);
    operation(&mut attributes, name, kind, destination(), broker);
    for attribute in attributes {
        if kind == "process" && attribute.key.as_str() == MESSAGING_OPERATION_TYPE {
            continue;
        }
        measurement.add(attribute);
    }
    Some(measurement)
}

/// Adds `error_type` to a measurement.
pub(crate) fn measure_failure(
    measurement: Option<&mut traced::metrics::Measurement>,
    error_type: &'static str,
) {
    if let Some(m) = measurement {
        m.add(KeyValue::new(
            opentelemetry_semantic_conventions::attribute::ERROR_TYPE,
            error_type,
        ));
    }
}

/// `messaging.rabbitmq.destination.routing_key`, when not empty.
pub(crate) fn routing_key(attributes: &mut Vec<KeyValue>, routing_key: &str) {
    if !routing_key.is_empty() {
        attributes.push(KeyValue::new(
            MESSAGING_RABBITMQ_DESTINATION_ROUTING_KEY,
            routing_key.to_owned(),
        ));
    }
}

/// `error.type` for a failed operation: the AMQP error's name for an error the
/// broker sent (`not-found`, `access-refused`, `channel-error`), otherwise the
/// kind of client error (`io`, `invalid-channel-state`, `missing-heartbeat`).
pub fn error_type(error: &lapin::Error) -> &'static str {
    match error.kind() {
        ErrorKind::ProtocolError(error) => amqp_error_type(error.kind()),
        ErrorKind::ChannelsLimitReached => "channels-limit-reached",
        ErrorKind::InvalidProtocolVersion(_) => "invalid-protocol-version",
        ErrorKind::InvalidChannel(_) => "invalid-channel",
        ErrorKind::InvalidChannelState(..) => "invalid-channel-state",
        ErrorKind::InvalidConnectionState(_) => "invalid-connection-state",
        ErrorKind::IOError(_) => "io",
        ErrorKind::RuntimeShutdownError(_) => "runtime-shutdown",
        ErrorKind::ParsingError(_) => "parsing",
        ErrorKind::SerialisationError(_) => "serialisation",
        ErrorKind::AuthProviderError(_) => "auth-provider",
        ErrorKind::FutureCompleted => "future-completed",
        ErrorKind::NoDefaultRuntime => "no-default-runtime",
        ErrorKind::MissingHeartbeatError => "missing-heartbeat",
        #[allow(unreachable_patterns)]
        _ => "_OTHER",
    }
}

/// The AMQP 0-9-1 name of an error the broker sent, in lower case.
fn amqp_error_type(kind: &AMQPErrorKind) -> &'static str {
    match kind {
        AMQPErrorKind::Soft(error) => match error {
            AMQPSoftError::CONTENTTOOLARGE => "content-too-large",
            AMQPSoftError::NOROUTE => "no-route",
            AMQPSoftError::NOCONSUMERS => "no-consumers",
            AMQPSoftError::ACCESSREFUSED => "access-refused",
            AMQPSoftError::NOTFOUND => "not-found",
            AMQPSoftError::RESOURCELOCKED => "resource-locked",
            AMQPSoftError::PRECONDITIONFAILED => "precondition-failed",
            #[allow(unreachable_patterns)]
            _ => "_OTHER",
        },
        AMQPErrorKind::Hard(error) => match error {
            AMQPHardError::CONNECTIONFORCED => "connection-forced",
            AMQPHardError::INVALIDPATH => "invalid-path",
            AMQPHardError::FRAMEERROR => "frame-error",
            AMQPHardError::SYNTAXERROR => "syntax-error",
            AMQPHardError::COMMANDINVALID => "command-invalid",
            AMQPHardError::CHANNELERROR => "channel-error",
            AMQPHardError::UNEXPECTEDFRAME => "unexpected-frame",
            AMQPHardError::RESOURCEERROR => "resource-error",
            AMQPHardError::NOTALLOWED => "not-allowed",
            AMQPHardError::NOTIMPLEMENTED => "not-implemented",
            AMQPHardError::INTERNALERROR => "internal-error",
            #[allow(unreachable_patterns)]
            _ => "_OTHER",
        },
    }
}

/// `error.type` for a message the broker returned as unroutable, by its reply
/// code (312 `no-route`, 313 `no-consumers`).
pub(crate) fn returned_type(reply_code: u16) -> &'static str {
    match reply_code {
        312 => "no-route",
        313 => "no-consumers",
        311 => "content-too-large",
        _ => "returned",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publish_destinations_follow_the_rabbitmq_rule() {
        assert_eq!(publish_destination("logs", "warning"), "logs:warning");
        assert_eq!(publish_destination("logs", ""), "logs");
        assert_eq!(publish_destination("", "tasks"), "tasks");
        assert_eq!(publish_destination("", ""), "amq.default");
    }

    #[test]
    fn consume_destinations_drop_empty_parts_and_a_queue_the_key_names() {
        assert_eq!(
            consume_destination("logs", "warning", "q1"),
            "logs:warning:q1"
        );
        assert_eq!(consume_destination("", "tasks", "tasks"), "tasks");
        assert_eq!(consume_destination("events", "", "audit"), "events:audit");
        assert_eq!(consume_destination("ex", "users", "users"), "ex:users");
        assert_eq!(consume_destination("", "", "q"), "q");
    }

    #[test]
    fn returned_messages_name_their_reply() {
        assert_eq!(returned_type(312), "no-route");
        assert_eq!(returned_type(999), "returned");
    }
}
