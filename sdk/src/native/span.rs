//! The span the native pipeline builds for a sampled call.

use super::Pipeline;
use opentelemetry::trace::{Event, Link, SpanContext, SpanId, SpanKind, Status};
use opentelemetry::{InstrumentationScope, KeyValue};
use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanLimits, SpanLinks};
use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;
use traced::backend::{Attributes, SampledSpan};

/// A sampled span built by the native pipeline. It is what the context carries
/// while the span is active, so the OpenTelemetry API reaches it like any span.
/// Small: its record is a box of its own, which travels to the export worker and
/// comes back for another span (see [`Spares`]).
#[derive(Debug)]
pub(crate) struct NativeSpan {
    context: SpanContext,
    record: Option<Box<Record>>,
    pipeline: Arc<Pipeline>,
}

#[derive(Clone, Debug)]
pub(crate) struct Record {
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

impl Default for Record {
    fn default() -> Self {
        Record {
            parent: SpanId::INVALID,
            parent_is_remote: false,
            kind: SpanKind::Internal,
            name: Cow::Borrowed(""),
            start: SystemTime::UNIX_EPOCH,
            attributes: Attributes::new(),
            dropped_attributes: 0,
            events: SpanEvents::default(),
            links: SpanLinks::default(),
            status: Status::Unset,
            scope: ("", None),
        }
    }
}

impl Record {
    /// Empties what a span filled, keeping the room its attribute list had. The
    /// fields every start sets (ids, kind, times, scope, the dropped count) stay.
    fn clear(&mut self) {
        self.attributes.clear();
        self.events = SpanEvents::default();
        self.links = SpanLinks::default();
        self.status = Status::Unset;
        self.name = Cow::Borrowed("");
    }
}

/// How many emptied records wait to be reused, process-wide: what a default queue
/// holds, and the batches its workers export meanwhile (about 4 MiB at most, kept
/// only by a process that once had that many spans waiting).
const SPARES_KEPT: usize = 4096;

/// How many emptied records a thread takes at once, and keeps at most.
const SPARES_PER_THREAD: usize = 64;

/// Emptied records, handed back by the export workers. Boxed: the box is what a
/// span carries and hands on, so a record is never moved.
#[allow(clippy::vec_box)]
static SPARES: Mutex<Vec<Box<Record>>> = Mutex::new(Vec::new());

thread_local! {
    /// The records this thread took from [`SPARES`], for its next spans.
    #[allow(clippy::vec_box)]
    static LOCAL_SPARES: RefCell<Vec<Box<Record>>> = const { RefCell::new(Vec::new()) };
}

/// A record for a new span: an emptied one if there is one (taken a few dozen at
/// a time, so the shared list is locked once per as many spans), or a new one.
fn fresh_record() -> Box<Record> {
    LOCAL_SPARES
        .try_with(|local| {
            let mut local = local.try_borrow_mut().ok()?;
            if local.is_empty() {
                let mut shared = SPARES.lock().unwrap_or_else(PoisonError::into_inner);
                let from = shared.len().saturating_sub(SPARES_PER_THREAD);
                local.extend(shared.drain(from..));
            }
            local.pop()
        })
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// Emptied records on their way back to [`SPARES`], handed back together when
/// this drops.
#[derive(Debug, Default)]
#[allow(clippy::vec_box)]
pub(crate) struct Spares(Vec<Box<Record>>);

impl Drop for Spares {
    fn drop(&mut self) {
        if self.0.is_empty() {
            return;
        }
        let mut shared = SPARES.lock().unwrap_or_else(PoisonError::into_inner);
        let room = SPARES_KEPT.saturating_sub(shared.len());
        let kept = self.0.len().min(room);
        shared.extend(self.0.drain(..kept));
    }
}

/// Keeps `record`, emptied, for this thread's next span (a span the queue had no
/// room for).
fn reuse(mut record: Box<Record>) {
    record.clear();
    let _ = LOCAL_SPARES.try_with(|local| {
        if let Ok(mut local) = local.try_borrow_mut() {
            if local.len() < SPARES_PER_THREAD {
                local.push(record);
            }
        }
    });
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
            attributes,
            links,
        } = span;
        let limits = &pipeline.limits;
        let mut record = fresh_record();
        let r = &mut *record;
        (r.parent, r.parent_is_remote) = if parent.is_valid() {
            (parent.span_id(), parent.is_remote())
        } else {
            (SpanId::INVALID, false)
        };
        r.kind = kind;
        r.name = name;
        r.start = start_time;
        r.scope = scope;
        attributes(&mut r.attributes);
        r.dropped_attributes = r
            .attributes
            .truncate(limits.max_attributes_per_span as usize);
        for link in links {
            push_link(&mut r.links, limits, link.span_context, link.attributes);
        }
        NativeSpan {
            context,
            record: Some(record),
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

/// A native span that ended, as it travels to the processors: its record in the
/// box it ran with, so that the thread that ran the span moves a pointer, and its
/// `SpanData` is made where it is exported.
#[derive(Clone, Debug)]
pub(crate) struct Ended {
    context: SpanContext,
    record: Box<Record>,
    end: SystemTime,
}

impl Ended {
    /// Drops the span (no processor has room for it), keeping its record for this
    /// thread's next span.
    pub(crate) fn discard(self) {
        reuse(self.record);
    }

    /// The span's standard data, as any `SpanExporter` takes it; its emptied
    /// record goes to `spares`.
    pub(crate) fn into_span_data(self, spares: &mut Spares) -> SpanData {
        let Ended {
            context,
            mut record,
            end,
        } = self;
        let r = &mut *record;
        let data = SpanData {
            span_context: context,
            parent_span_id: r.parent,
            parent_span_is_remote: r.parent_is_remote,
            span_kind: r.kind.clone(),
            name: std::mem::take(&mut r.name),
            start_time: r.start,
            // The clock never steps back by a little, but the system clock may be
            // set back: a span never ends before it started.
            end_time: end.max(r.start),
            attributes: r.attributes.take_key_values(),
            dropped_attributes_count: r.dropped_attributes,
            events: std::mem::take(&mut r.events),
            links: std::mem::take(&mut r.links),
            status: std::mem::replace(&mut r.status, Status::Unset),
            instrumentation_scope: scope(r.scope),
        };
        spares.0.push(record);
        data
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
