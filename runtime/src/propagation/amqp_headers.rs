//! AMQP message headers (`FieldTable`) as a carrier: lapin, RabbitMQ. Values are
//! written as long strings; long and short strings are read.

use super::{Extract, Inject};
use amq_protocol_types::{AMQPValue, FieldTable, LongString, ShortString};

impl Inject for FieldTable {
    fn set(&mut self, key: &str, value: String) {
        self.insert(
            ShortString::from(key),
            AMQPValue::LongString(LongString::from(value)),
        );
    }
}

impl Extract for FieldTable {
    fn get(&self, key: &str) -> Option<&str> {
        match self.inner().get(key)? {
            AMQPValue::LongString(s) => std::str::from_utf8(s.as_bytes()).ok(),
            AMQPValue::ShortString(s) => Some(s.as_str()),
            _ => None,
        }
    }

    fn keys(&self) -> Vec<&str> {
        self.inner().keys().map(ShortString::as_str).collect()
    }
}
