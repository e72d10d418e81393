//! `tracing` events as span events.

use opentelemetry::trace::{Status, TraceContextExt as _};
use opentelemetry::{Key, KeyValue, Value};
use opentelemetry_semantic_conventions::attribute::{
    CODE_FILE_PATH, CODE_LINE_NUMBER, EXCEPTION_MESSAGE,
};
use std::fmt;
use traced::ToValue as _;
use tracing_core::field::{Field, Visit};
use tracing_core::{Event, Level, Subscriber};
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

/// The layer; see the [crate](crate).
#[derive(Debug, Clone, Copy, Default)]
pub struct EventsLayer {
    beside: bool,
    errors_fail_span: bool,
}

impl EventsLayer {
    /// The layer: every event recorded on the current OpenTelemetry span.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Leaves the events inside `tracing` spans to tracing-opentelemetry's layer,
    /// installed beside this one; records the others.
    #[must_use]
    pub fn beside_tracing_opentelemetry(mut self) -> Self {
        self.beside = true;
        self
    }

    /// An `error!` event with an error value sets the span's status to Error.
    #[must_use]
    pub fn errors_fail_span(mut self) -> Self {
        self.errors_fail_span = true;
        self
    }
}

impl<S> tracing_subscriber::Layer<S> for EventsLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        if !traced::enabled() {
            return;
        }
        if self.beside && ctx.event_span(event).is_some() {
            return;
        }
        opentelemetry::Context::map_current(|cx| self.record(event, &cx.span()));
    }
}

impl EventsLayer {
    fn record(&self, event: &Event<'_>, span: &opentelemetry::trace::SpanRef<'_>) {
        if !span.is_recording() {
            return;
        }
        let meta = event.metadata();
        let mut fields = Fields {
            message: None,
            error: None,
            attributes: Vec::with_capacity(4 + meta.fields().len()),
        };
        fields
            .attributes
            .push(KeyValue::new("level", meta.level().as_str()));
        // The metadata is static: its strings are recorded without a copy.
        fields
            .attributes
            .push(KeyValue::new("target", meta.target()));
        if let Some(file) = meta.file() {
            fields.attributes.push(KeyValue::new(CODE_FILE_PATH, file));
        }
        if let Some(line) = meta.line() {
            fields
                .attributes
                .push(KeyValue::new(CODE_LINE_NUMBER, i64::from(line)));
        }
        event.record(&mut fields);
        let Fields {
            message,
            error,
            attributes,
        } = fields;
        if self.errors_fail_span && *meta.level() == Level::ERROR {
            if let Some(error) = &error {
                span.set_status(Status::error(error.clone()));
            }
        }
        let name = message.map_or(std::borrow::Cow::Borrowed("event"), std::borrow::Cow::Owned);
        span.add_event(name, attributes);
    }
}

/// An event's (or a span's) fields, as attributes.
pub(crate) struct Fields {
    message: Option<String>,
    /// The first error value, described by `Display`.
    error: Option<String>,
    attributes: Vec<KeyValue>,
}

impl Fields {
    /// Fields added to `attributes`.
    pub(crate) fn with(attributes: Vec<KeyValue>) -> Self {
        Fields {
            message: None,
            error: None,
            attributes,
        }
    }

    /// The attributes, a message among them (a span's fields have no message).
    pub(crate) fn into_attributes(mut self) -> Vec<KeyValue> {
        if let Some(message) = self.message.take() {
            self.attributes.push(KeyValue::new("message", message));
        }
        self.attributes
    }

    /// The message, apart, and the other fields.
    pub(crate) fn into_message_and_attributes(self) -> (Option<String>, Vec<KeyValue>) {
        (self.message, self.attributes)
    }

    fn push(&mut self, field: &Field, value: Option<Value>) {
        if let Some(value) = value {
            self.attributes
                .push(KeyValue::new(Key::from_static_str(field.name()), value));
        }
    }
}

impl Visit for Fields {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.push(field, Some(Value::F64(value)));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.push(field, Some(Value::I64(value)));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        let value = i64::try_from(value)
            .map_or_else(|_| value.to_string().to_value(), |v| Some(Value::I64(v)));
        self.push(field, value);
    }

    fn record_i128(&mut self, field: &Field, value: i128) {
        let value = i64::try_from(value)
            .map_or_else(|_| value.to_string().to_value(), |v| Some(Value::I64(v)));
        self.push(field, value);
    }

    fn record_u128(&mut self, field: &Field, value: u128) {
        let value = i64::try_from(value)
            .map_or_else(|_| value.to_string().to_value(), |v| Some(Value::I64(v)));
        self.push(field, value);
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.push(field, Some(Value::Bool(value)));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = Some(value.to_owned());
            return;
        }
        self.push(field, value.to_value());
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        let text = value.to_string();
        if self.error.is_none() {
            self.error = Some(text.clone());
        }
        if field.name() == "error" {
            self.attributes
                .push(KeyValue::new(EXCEPTION_MESSAGE, text.clone()));
        }
        self.push(field, text.to_value());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let text = format!("{value:?}");
        if field.name() == "message" {
            self.message = Some(text);
            return;
        }
        self.push(field, text.to_value());
    }
}
