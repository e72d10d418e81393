//! The lean path of a sampled span, for the SDK provider `traced` installs.
//!
//! When `traced` has decided that a call is sampled (see `sampling`), it builds the
//! span itself and, when it ends, hands standard `SpanData` to the provider's span
//! processors: the same processors, batch queues and exporters as every span the
//! SDK makes, so any OpenTelemetry exporter still works. What it leaves out is the
//! SDK tracer's work that a decided span does not need: the sampler call, the
//! builder, a second copy of the span's data, the tracer handle each SDK span keeps,
//! and two system clock reads (`clock::now`).
//!
//! The provider is built with one processor, [`Shared`], over a [`Pipeline`] that
//! both paths end spans into. `traced` makes every processor of the pipeline, and
//! none of them does anything when a span starts, so spans of the lean path skip
//! `on_start` without anyone noticing.

use crate::clock;
use opentelemetry::trace::{
    Event, Link, SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceId, TraceState,
};
use opentelemetry::{Context, InstrumentationScope, KeyValue};
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanLimits, SpanLinks, SpanProcessor};
use opentelemetry_sdk::Resource;
use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// The span processors of a provider `traced` built.
#[derive(Debug)]
pub(crate) struct Pipeline {
    processors: Vec<Box<dyn SpanProcessor>>,
    limits: SpanLimits,
    shut: AtomicBool,
}

impl Pipeline {
    /// The pipeline over `processors`, which learn the provider's `resource` here
    /// (the provider's own call reaches [`Shared`], which cannot lend them out).
    /// `limits` must be the provider's too.
    pub(crate) fn new(
        mut processors: Vec<Box<dyn SpanProcessor>>,
        resource: &Resource,
        limits: SpanLimits,
    ) -> Arc<Self> {
        for processor in &mut processors {
            processor.set_resource(resource);
        }
        Arc::new(Pipeline {
            processors,
            limits,
            shut: AtomicBool::new(false),
        })
    }

    fn end(&self, data: SpanData) {
        if self.shut.load(Ordering::Relaxed) {
            return;
        }
        match self.processors.as_slice() {
            [] => {}
            [one] => one.on_end(data),
            [many @ .., last] => {
                for processor in many {
                    processor.on_end(data.clone());
                }
                last.on_end(data);
            }
        }
    }

    fn each(&self, f: impl Fn(&dyn SpanProcessor) -> OTelSdkResult) -> OTelSdkResult {
        let mut first_error = Ok(());
        for processor in &self.processors {
            let result = f(processor.as_ref());
            if first_error.is_ok() {
                first_error = result;
            }
        }
        first_error
    }
}

/// The one processor of a provider `traced` built: spans the SDK makes (by hand,
/// through the OpenTelemetry API) reach the same pipeline as `traced`'s.
#[derive(Debug)]
pub(crate) struct Shared(pub(crate) Arc<Pipeline>);

impl SpanProcessor for Shared {
    fn on_start(&self, span: &mut opentelemetry_sdk::trace::Span, cx: &Context) {
        for processor in &self.0.processors {
            processor.on_start(span, cx);
        }
    }

    fn on_end(&self, span: SpanData) {
        self.0.end(span);
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.0.each(|p| p.force_flush())
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        if self.0.shut.swap(true, Ordering::AcqRel) {
            return Err(OTelSdkError::AlreadyShutdown);
        }
        self.0.each(|p| p.shutdown_with_timeout(timeout))
    }
}

/// A sampled span built by `traced`. It is what the context carries while the
/// span is active, so the OpenTelemetry API reaches it like any span.
#[derive(Debug)]
pub(crate) struct LeanSpan {
    context: SpanContext,
    record: Option<Record>,
    pipeline: Arc<Pipeline>,
}

#[derive(Debug)]
struct Record {
    parent: SpanId,
    parent_is_remote: bool,
    kind: SpanKind,
    name: Cow<'static, str>,
    start: SystemTime,
    attributes: Vec<KeyValue>,
    dropped_attributes: u32,
    events: SpanEvents,
    links: SpanLinks,
    status: Status,
    /// The instrumentation scope's name and version, made into the exported
    /// scope when the span ends (cheaper than carrying one).
    scope: (&'static str, Option<&'static str>),
}

/// What a lean span starts with.
pub(crate) struct Begin<'a> {
    /// The instrumentation scope: name and version.
    pub(crate) scope: (&'static str, Option<&'static str>),
    pub(crate) name: Cow<'static, str>,
    pub(crate) kind: SpanKind,
    /// The parent's identity; invalid for a root.
    pub(crate) parent: &'a SpanContext,
    /// The parent's trace, or the one drawn for a root.
    pub(crate) trace: TraceId,
    pub(crate) attributes: Vec<KeyValue>,
    pub(crate) links: Vec<Link>,
}

impl LeanSpan {
    /// Starts a span `traced` decided to sample: a child of `parent` when it is
    /// valid, else the root of a new trace.
    pub(crate) fn start(pipeline: &Arc<Pipeline>, begin: Begin<'_>) -> Self {
        let Begin {
            scope,
            name,
            kind,
            parent,
            trace,
            mut attributes,
            links,
        } = begin;
        let limits = &pipeline.limits;
        let state = if parent.is_valid() {
            parent.trace_state().clone()
        } else {
            TraceState::NONE
        };
        let context = SpanContext::new(
            trace,
            crate::sampling::span_id(),
            TraceFlags::SAMPLED,
            false,
            state,
        );
        let dropped_attributes = cut(&mut attributes, limits.max_attributes_per_span);
        let mut span_links = SpanLinks::default();
        if !links.is_empty() {
            for link in links {
                push_link(&mut span_links, limits, link.span_context, link.attributes);
            }
        }
        LeanSpan {
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
                start: clock::now(),
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
        self.pipeline.end(SpanData {
            span_context: self.context.clone(),
            parent_span_id: record.parent,
            parent_span_is_remote: record.parent_is_remote,
            span_kind: record.kind,
            name: record.name,
            start_time: record.start,
            // The clock never steps back by a little, but the system clock may be
            // set back: a span never ends before it started.
            end_time: end.max(record.start),
            attributes: record.attributes,
            dropped_attributes_count: record.dropped_attributes,
            events: record.events,
            links: record.links,
            status: record.status,
            instrumentation_scope: scope(record.scope),
        });
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

impl opentelemetry::trace::Span for LeanSpan {
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

impl Drop for LeanSpan {
    fn drop(&mut self) {
        if self.record.is_some() {
            self.finish(clock::now());
        }
    }
}
