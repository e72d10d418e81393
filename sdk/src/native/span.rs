//! The span the native pipeline builds for a sampled call.

use super::Pipeline;
use opentelemetry::trace::{Event, Link, SpanContext, SpanId, SpanKind, Status};
use opentelemetry::{InstrumentationScope, KeyValue};
use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanLimits, SpanLinks};
use opentelemetry_semantic_conventions::attribute::ERROR_TYPE;
use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;
use traced::backend::{Attributes, Failure, SampledSpan};
use traced::logs::events::EXCEPTION;

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
    /// The status, unless `failed`.
    status: Status,
    /// The status is Error described by `failure_message` (a failure `traced`
    /// handed over, see [`Record::fail`]).
    failed: bool,
    /// The description of the failure handed over; its room is kept for reuse.
    failure_message: String,
    /// The exception of that failure, made into an event where the span is
    /// exported.
    exception: Option<Exception>,
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
            failed: false,
            failure_message: String::new(),
            exception: None,
            scope: ("", None),
        }
    }
}

/// The `exception` event of a failure handed over, compact: its message is the
/// record's `failure_message`.
#[derive(Clone, Copy, Debug)]
struct Exception {
    /// How many events the span had before it: its place among them.
    at: usize,
    type_name: &'static str,
    time: SystemTime,
    /// The span limits' attributes per event.
    attribute_limit: u32,
}

impl Record {
    /// Empties what a span filled, keeping the room its attribute list had. The
    /// fields every start sets (ids, kind, times, scope, the dropped count) stay.
    fn clear(&mut self) {
        self.attributes.clear();
        self.events = SpanEvents::default();
        self.links = SpanLinks::default();
        self.status = Status::Unset;
        self.failed = false;
        self.failure_message.clear();
        self.exception = None;
        self.name = Cow::Borrowed("");
    }

    fn event_count(&self) -> usize {
        self.events.events.len() + usize::from(self.exception.is_some())
    }

    fn set_attribute(&mut self, attribute: KeyValue, limits: &SpanLimits) {
        if self.attributes.len() < limits.max_attributes_per_span as usize {
            self.attributes.push(attribute);
        } else {
            self.dropped_attributes += 1;
        }
    }

    fn add_event(&mut self, event: Event, limits: &SpanLimits) {
        if self.event_count() < limits.max_events_per_span as usize {
            // Most spans that have an event have one.
            if self.events.events.capacity() == 0 {
                self.events.events.reserve_exact(1);
            }
            self.events.events.push(event);
        } else {
            self.events.dropped_count += 1;
        }
    }

    /// The span's status, as it ranks.
    fn rank(&self) -> Rank<'_> {
        if self.failed {
            Rank::Error(&self.failure_message)
        } else {
            Rank::of(&self.status)
        }
    }

    /// Sets `status` if it outranks the span's (a status only moves up).
    fn set_status(&mut self, status: Status) {
        if Rank::of(&status) > self.rank() {
            self.status = status;
            self.failed = false;
        }
    }

    /// Records a failure `traced` handed over: `error.type`, the exception and the
    /// status, as the OpenTelemetry API would have. The first one is kept compact,
    /// its message in the record's own buffer; another one on the same span is
    /// recorded in full.
    fn fail(&mut self, failure: Failure<'_>, limits: &SpanLimits) {
        self.set_attribute(KeyValue::new(ERROR_TYPE, failure.type_name), limits);
        let message = failure.message;
        if self.failed || self.exception.is_some() {
            if let Some(time) = failure.exception_at {
                let event = exception_event(
                    failure.type_name,
                    message.to_owned(),
                    time,
                    limits.max_attributes_per_event,
                );
                self.add_event(event, limits);
            }
            self.set_status(Status::error(message.to_owned()));
            return;
        }
        self.failure_message.clear();
        self.failure_message.push_str(message);
        if let Some(time) = failure.exception_at {
            if self.event_count() < limits.max_events_per_span as usize {
                self.exception = Some(Exception {
                    at: self.events.events.len(),
                    type_name: failure.type_name,
                    time,
                    attribute_limit: limits.max_attributes_per_event,
                });
            } else {
                self.events.dropped_count += 1;
            }
        }
        self.failed = Rank::Error(message) > self.rank();
    }

    /// The span's events, the compact exception among them.
    fn take_events(&mut self) -> SpanEvents {
        let mut events = std::mem::take(&mut self.events);
        if let Some(exception) = self.exception.take() {
            let event = exception_event(
                exception.type_name,
                self.failure_message.clone(),
                exception.time,
                exception.attribute_limit,
            );
            let at = exception.at.min(events.events.len());
            events.events.insert(at, event);
        }
        events
    }

    fn take_status(&mut self) -> Status {
        if std::mem::take(&mut self.failed) {
            Status::error(self.failure_message.clone())
        } else {
            std::mem::replace(&mut self.status, Status::Unset)
        }
    }
}

/// A status as it ranks, borrowed: the order `Status` derives (Ok above Error
/// above Unset, and an Error above another by its description), which the SDK's
/// spans move up by.
#[derive(PartialEq, PartialOrd)]
enum Rank<'a> {
    Unset,
    Error(&'a str),
    Ok,
}

impl Rank<'_> {
    fn of(status: &Status) -> Rank<'_> {
        match status {
            Status::Unset => Rank::Unset,
            Status::Error { description } => Rank::Error(description),
            Status::Ok => Rank::Ok,
        }
    }
}

/// The `exception` event of a failure, cut to `limit` attributes.
fn exception_event(
    type_name: &'static str,
    message: String,
    time: SystemTime,
    limit: u32,
) -> Event {
    let mut attributes = traced::logs::exception_attributes(type_name, message);
    let dropped = cut(&mut attributes, limit);
    Event::new(EXCEPTION, time, attributes, dropped)
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
        if !links.is_empty() {
            for link in links {
                push_link(&mut r.links, limits, link.span_context, link.attributes);
            }
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
            events: r.take_events(),
            links: std::mem::take(&mut r.links),
            status: r.take_status(),
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
        let limits = &self.pipeline.limits;
        if let Some(record) = &mut self.record {
            let dropped = cut(&mut attributes, limits.max_attributes_per_event);
            record.add_event(Event::new(name, timestamp, attributes, dropped), limits);
        }
    }

    fn span_context(&self) -> &SpanContext {
        &self.context
    }

    fn is_recording(&self) -> bool {
        self.record.is_some()
    }

    fn set_attribute(&mut self, attribute: KeyValue) {
        if let Some(record) = &mut self.record {
            record.set_attribute(attribute, &self.pipeline.limits);
        }
    }

    fn set_status(&mut self, status: Status) {
        let Some(record) = &mut self.record else {
            return;
        };
        if status == Status::Unset {
            // How `traced` hands a failure over (any other Unset is ignored).
            let limits = &self.pipeline.limits;
            traced::backend::take_failure(|failure| record.fail(failure, limits));
        } else {
            // Ok > Error > Unset: a status only moves up.
            record.set_status(status);
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
