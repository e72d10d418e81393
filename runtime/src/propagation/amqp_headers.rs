//! AMQP message headers (`FieldTable`) as a carrier: lapin, RabbitMQ. Values are
//! written as long strings; long and short strings are read, and an array of them
//! is a header sent more than once.

use super::{find_ignoring_case, Extract, Inject, NOT_TEXT};
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
        match lookup(self, key)? {
            AMQPValue::FieldArray(values) => values.as_slice().iter().find_map(text),
            value => text(value),
        }
    }

    fn get_all(&self, key: &str) -> Option<Vec<&str>> {
        let values: Vec<&str> = match lookup(self, key)? {
            AMQPValue::FieldArray(values) => values.as_slice().iter().filter_map(text).collect(),
            value => text(value).into_iter().collect(),
        };
        (!values.is_empty()).then_some(values)
    }

    fn keys(&self) -> Vec<&str> {
        self.inner().keys().map(ShortString::as_str).collect()
    }
}

/// The header named `key`, whatever the case of its name.
fn lookup<'a>(headers: &'a FieldTable, key: &str) -> Option<&'a AMQPValue> {
    let entries = headers.inner();
    entries
        .get(key)
        .or_else(|| find_ignoring_case(entries.iter().map(|(k, v)| (k.as_str(), v)), key))
}

/// A string header's value.
fn text(value: &AMQPValue) -> Option<&str> {
    match value {
        AMQPValue::LongString(s) => Some(std::str::from_utf8(s.as_bytes()).unwrap_or(NOT_TEXT)),
        AMQPValue::ShortString(s) => Some(s.as_str()),
        _ => None,
    }
}
