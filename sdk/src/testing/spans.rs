//! The finished spans a capture gives, with look-ups for assertions.

use opentelemetry::trace::{SpanId, SpanKind, Status, TraceId};
use opentelemetry::Value;
use opentelemetry_sdk::trace::SpanData;

/// Finished spans, in the order they ended.
#[derive(Clone, Debug)]
pub struct Spans(pub Vec<FinishedSpan>);

impl Spans {
    /// The one span named `name`. Panics, listing the spans there are, if there is
    /// not exactly one.
    #[track_caller]
    pub fn named(&self, name: &str) -> &FinishedSpan {
        let mut found = self.0.iter().filter(|span| span.data().name == name);
        match (found.next(), found.next()) {
            (Some(span), None) => span,
            (None, _) => panic!("no span named {name:?}; finished spans: {:?}", self.names()),
            (Some(_), Some(_)) => panic!("more than one span named {name:?}: {:?}", self.names()),
        }
    }

    /// Every span named `name`.
    pub fn all_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a FinishedSpan> {
        self.0.iter().filter(move |span| span.data().name == name)
    }

    /// The span names, in the order the spans ended.
    pub fn names(&self) -> Vec<&str> {
        self.0
            .iter()
            .map(|span| span.data().name.as_ref())
            .collect()
    }

    /// How many spans finished.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no span finished.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One finished span, as an exporter receives it.
#[derive(Clone, Debug)]
pub struct FinishedSpan(pub SpanData);

impl FinishedSpan {
    /// The exported data.
    pub fn data(&self) -> &SpanData {
        &self.0
    }

    /// The span's name.
    pub fn name(&self) -> &str {
        &self.0.name
    }

    /// The span's kind.
    pub fn kind(&self) -> &SpanKind {
        &self.0.span_kind
    }

    /// The value of attribute `key`, with its OpenTelemetry type.
    pub fn attr(&self, key: &str) -> Option<&Value> {
        self.0
            .attributes
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .map(|kv| &kv.value)
    }

    /// The attribute keys, in the order they were set.
    pub fn attr_keys(&self) -> Vec<&str> {
        self.0.attributes.iter().map(|kv| kv.key.as_str()).collect()
    }

    /// The span's status.
    pub fn status(&self) -> &Status {
        &self.0.status
    }

    /// The span's id.
    pub fn span_id(&self) -> SpanId {
        self.0.span_context.span_id()
    }

    /// The span's trace id.
    pub fn trace_id(&self) -> TraceId {
        self.0.span_context.trace_id()
    }

    /// The parent span's id (`SpanId::INVALID` for a root span).
    pub fn parent_span_id(&self) -> SpanId {
        self.0.parent_span_id
    }

    /// Whether `parent` is this span's parent.
    pub fn is_child_of(&self, parent: &FinishedSpan) -> bool {
        self.parent_span_id() == parent.span_id() && self.trace_id() == parent.trace_id()
    }

    /// The names of the span's events.
    pub fn event_names(&self) -> Vec<&str> {
        self.0
            .events
            .iter()
            .map(|event| event.name.as_ref())
            .collect()
    }

    /// The value of attribute `key` of the first event named `event`.
    pub fn event_attr(&self, event: &str, key: &str) -> Option<&Value> {
        self.0
            .events
            .iter()
            .find(|e| e.name == event)?
            .attributes
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .map(|kv| &kv.value)
    }
}
