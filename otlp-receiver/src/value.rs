use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue};

/// An owned, simplified view of an OTLP attribute value ([`AnyValue`]).
///
/// Key-value lists, bytes and an absent value all read as [`Value::Other`]:
/// tests of span attributes rarely need them, and the full proto is still in
/// [`ReceivedSpan::span`](crate::ReceivedSpan::span).
///
/// ```
/// use traced_otlp_receiver::Value;
///
/// assert_eq!(Value::from("GET"), Value::String("GET".to_owned()));
/// assert_eq!(Value::from(200_i64).as_i64(), Some(200));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A string value.
    String(String),
    /// A boolean value.
    Bool(bool),
    /// A 64-bit integer value.
    Int(i64),
    /// A 64-bit float value.
    Double(f64),
    /// An array of values.
    Array(Vec<Value>),
    /// Anything else: key-value list, bytes, string-table index, or no value.
    Other,
}

impl Value {
    /// The string, if this is a [`Value::String`].
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The integer, if this is a [`Value::Int`].
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }
}

impl From<&AnyValue> for Value {
    fn from(value: &AnyValue) -> Self {
        match &value.value {
            Some(any_value::Value::StringValue(s)) => Value::String(s.clone()),
            Some(any_value::Value::BoolValue(b)) => Value::Bool(*b),
            Some(any_value::Value::IntValue(i)) => Value::Int(*i),
            Some(any_value::Value::DoubleValue(d)) => Value::Double(*d),
            Some(any_value::Value::ArrayValue(array)) => {
                Value::Array(array.values.iter().map(Value::from).collect())
            }
            _ => Value::Other,
        }
    }
}

impl From<&str> for Value {
    fn from(value: &str) -> Self {
        Value::String(value.to_owned())
    }
}

impl From<bool> for Value {
    fn from(value: bool) -> Self {
        Value::Bool(value)
    }
}

impl From<i64> for Value {
    fn from(value: i64) -> Self {
        Value::Int(value)
    }
}

impl From<f64> for Value {
    fn from(value: f64) -> Self {
        Value::Double(value)
    }
}
