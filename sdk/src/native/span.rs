//! The span the native pipeline builds for a sampled call.

use super::Pipeline;
use opentelemetry::trace::{Event, Link, SpanContext, SpanId, SpanKind, Status};
use opentelemetry::{InstrumentationScope, KeyValue};
use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanLimits, SpanLinks};
use std::borrow::Cow;
use std::sync::Arc;
use std::time::SystemTime;
use traced::backend::{Attributes, SampledSpan};

/// A sampled span built by the native pipeline. It is what the context carries
/// while the span is active, so the OpenTelemetry API reaches it like any span.
#[derive(Debug)]
pub(crate) struct NativeSpan {
    context: SpanContext,
    record: Option<Record>,
    pipeline: Arc<Pipeline>,
}

#[derive(Clone, Debug)]
struct Record {
    parent: SpanId,
    parent_is_remote: bool,
    kind: SpanKind,
    name: Cow<'static, str>,
    start: SystemTime,
    /// Compact while the span runs: made into OpenTelemetry attributes where the
    /// span is exported (see [`Ended::into_span_data`]).
    attributes: Attributes,
    dropped_attributes: u32,
    events: SpanEvents,
    links: SpanLinks,
    status: Status,
    /// The instrumentation scope's name and version, made into the exported
    /// scope when the span ends (cheaper than carrying one).
    scope: (&'static str, Option<&'static str>),
}

impl NativeSpan {
    /// Starts a span `traced` decided to sample, into `pipeline`.
    pub(crate) fn start(pipeline: &Arc<Pipeline>, span: SampledSpan<'_>) -> Self {
        let SampledSpan {
            context,
            parent,
            scope,
            name,
            kind,
            start_time,
            mut attributes,
            links,
        } = span;
        let limits = &pipeline.limits;
        let dropped_attributes = attributes.truncate(limits.max_attributes_per_span as usize);
        let mut span_links = SpanLinks::default();
        if !links.is_empty() {
            for link in links {
                push_link(&mut span_links, limits, link.span_context, link.attributes);
            }
        }
        NativeSpan {
            context,
            record: Some(Record {
                parent: if parent.is_valid() {
                    parent.span_id()
                } else {
                    SpanId::INVALID
                },
                parent_is_remote: parent.is_valid() && parent.is_remote(),
                kind,
                name,
                start: start_time,
                attributes,
                dropped_attributes,
                events: SpanEvents::default(),
                links: span_links,
                status: Status::Unset,
                scope,
            }),
            pipeline: Arc::clone(pipeline),
        }
    }

    fn finish(&mut self, end: SystemTime) {
        let Some(record) = self.record.take() else {
            return;
        };
        self.pipeline.end_native(Ended {
            context: self.context.clone(),
            record,
            end,
        });
    }
}

/// A native span that ended, as it travels to the processors: compact, so that
/// the thread that ran the span only moves it, and its `SpanData` is made where
/// it is exported.
#[derive(Clone, Debug)]
pub(crate) struct Ended {
    context: SpanContext,
    record: Record,
    end: SystemTime,
}

impl Ended {
    /// The span's standard data, as any `SpanExporter` takes it.
    pub(crate) fn into_span_data(self) -> SpanData {
        let Ended {
            context,
            record,
            end,
        } = self;
        SpanData {
            span_context: context,
            parent_span_id: record.parent,
            parent_span_is_remote: record.parent_is_remote,
            span_kind: record.kind,
            name: record.name,
            start_time: record.start,
            // The clock never steps back by a little, but the system clock may be
            // set back: a span never ends before it started.
            end_time: end.max(record.start),
            attributes: record.attributes.into_key_values(),
            dropped_attributes_count: record.dropped_attributes,
            events: record.events,
            links: record.links,
            status: record.status,
            instrumentation_scope: scope(record.scope),
        }
    }
}

fn scope((name, version): (&'static str, Option<&'static str>)) -> InstrumentationScope {
    let scope = InstrumentationScope::builder(name);
    match version {
        Some(version) => scope.with_version(version).build(),
        None => scope.build(),
    }
}

/// Keeps the first `limit` items; returns how many were dropped.
fn cut<T>(items: &mut Vec<T>, limit: u32) -> u32 {
    let limit = limit as usize;
    let dropped = items.len().saturating_sub(limit);
    items.truncate(limit);
    u32::try_from(dropped).unwrap_or(u32::MAX)
}

fn push_link(
    links: &mut SpanLinks,
    limits: &SpanLimits,
    context: SpanContext,
    mut attributes: Vec<KeyValue>,
) {
    if links.links.len() < limits.max_links_per_span as usize {
        let dropped = cut(&mut attributes, limits.max_attributes_per_link);
        links.links.push(Link::new(context, attributes, dropped));
    } else {
        links.dropped_count += 1;
    }
}

impl opentelemetry::trace::Span for NativeSpan {
    fn add_event_with_timestamp<T>(
        &mut self,
        name: T,
        timestamp: SystemTime,
        mut attributes: Vec<KeyValue>,
    ) where
        T: Into<Cow<'static, str>>,
    {
        let limits = self.pipeline.limits;
        if let Some(record) = &mut self.record {
            if record.events.events.len() < limits.max_events_per_span as usize {
                let dropped = cut(&mut attributes, limits.max_attributes_per_event);
                // Most spans that have an event have one (an exception).
                if record.events.events.capacity() == 0 {
                    record.events.events.reserve_exact(1);
                }
                record
                    .events
                    .events
                    .push(Event::new(name, timestamp, attributes, dropped));
            } else {
                record.events.dropped_count += 1;
            }
        }
    }

    fn span_context(&self) -> &SpanContext {
        &self.context
    }

    fn is_recording(&self) -> bool {
        self.record.is_some()
    }

    fn set_attribute(&mut self, attribute: KeyValue) {
        let limit = self.pipeline.limits.max_attributes_per_span as usize;
        if let Some(record) = &mut self.record {
            if record.attributes.len() < limit {
                record.attributes.push(attribute);
            } else {
                record.dropped_attributes += 1;
            }
        }
    }

    fn set_status(&mut self, status: Status) {
        if let Some(record) = &mut self.record {
            // Ok > Error > Unset: a status only moves up.
            if status > record.status {
                record.status = status;
            }
        }
    }

    fn update_name<T>(&mut self, new_name: T)
    where
        T: Into<Cow<'static, str>>,
    {
        if let Some(record) = &mut self.record {
            record.name = new_name.into();
        }
    }

    fn add_link(&mut self, span_context: SpanContext, attributes: Vec<KeyValue>) {
        let limits = self.pipeline.limits;
        if let Some(record) = &mut self.record {
            push_link(&mut record.links, &limits, span_context, attributes);
        }
    }

    fn end_with_timestamp(&mut self, timestamp: SystemTime) {
        self.finish(timestamp);
    }
}

impl Drop for NativeSpan {
    fn drop(&mut self) {
        if self.record.is_some() {
            self.finish(traced::backend::now());
        }
    }
}
