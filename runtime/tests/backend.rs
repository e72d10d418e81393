//! The backend hook with a backend of its own and no SDK at all: what `traced`
//! hands a backend, and what it decides without one. (Its own test binary: it owns
//! the global provider.)

use std::borrow::Cow;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;
use traced::backend::{Backend, SampledSpan, SamplingRule};
use traced::otel::trace::noop::NoopTracerProvider;
use traced::otel::trace::{
    SpanContext, SpanId, SpanKind, Status, TraceContextExt, TraceFlags, TraceId, TraceState,
};
use traced::otel::{Context, KeyValue, Value};

/// A span as the backend saw it: at its start, and what was added until it ended.
#[derive(Clone, Debug)]
struct Recorded {
    context: SpanContext,
    parent: SpanContext,
    scope: (&'static str, Option<&'static str>),
    name: String,
    kind: SpanKind,
    start: SystemTime,
    attributes: Vec<KeyValue>,
    events: Vec<String>,
    status: Status,
    end: Option<SystemTime>,
}

impl Recorded {
    fn attr(&self, key: &str) -> Option<&Value> {
        self.attributes
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .map(|kv| &kv.value)
    }
}

#[derive(Clone, Debug, Default)]
struct Recorder(Arc<Mutex<Vec<Recorded>>>);

impl Recorder {
    fn spans(&self) -> MutexGuard<'_, Vec<Recorded>> {
        self.0.lock().unwrap()
    }

    fn take(&self) -> Vec<Recorded> {
        std::mem::take(&mut *self.spans())
    }
}

impl Backend for Recorder {
    fn start(&self, base: &Context, span: SampledSpan<'_>) -> Context {
        let mut spans = self.spans();
        spans.push(Recorded {
            context: span.context.clone(),
            parent: span.parent.clone(),
            scope: span.scope,
            name: span.name.into_owned(),
            kind: span.kind,
            start: span.start_time,
            attributes: {
                let mut list = traced::backend::Attributes::new();
                (span.attributes)(&mut list);
                list.into_key_values()
            },
            events: Vec::new(),
            status: Status::Unset,
            end: None,
        });
        base.with_span(RecordingSpan {
            context: span.context,
            at: spans.len() - 1,
            recorder: self.clone(),
        })
    }
}

/// The backend's span type: writes into the recorder's entry.
#[derive(Debug)]
struct RecordingSpan {
    context: SpanContext,
    at: usize,
    recorder: Recorder,
}

impl RecordingSpan {
    fn with(&self, f: impl FnOnce(&mut Recorded)) {
        if let Some(span) = self.recorder.spans().get_mut(self.at) {
            f(span);
        }
    }
}

impl traced::otel::trace::Span for RecordingSpan {
    fn add_event_with_timestamp<T: Into<Cow<'static, str>>>(
        &mut self,
        name: T,
        _: SystemTime,
        _: Vec<KeyValue>,
    ) {
        let name = name.into().into_owned();
        self.with(|span| span.events.push(name));
    }

    fn span_context(&self) -> &SpanContext {
        &self.context
    }

    fn is_recording(&self) -> bool {
        true
    }

    fn set_attribute(&mut self, attribute: KeyValue) {
        self.with(|span| span.attributes.push(attribute));
    }

    fn set_status(&mut self, status: Status) {
        self.with(|span| span.status = status);
    }

    fn update_name<T: Into<Cow<'static, str>>>(&mut self, name: T) {
        let name = name.into().into_owned();
        self.with(|span| span.name = name);
    }

    fn add_link(&mut self, _: SpanContext, _: Vec<KeyValue>) {}

    fn end_with_timestamp(&mut self, timestamp: SystemTime) {
        self.with(|span| span.end = Some(timestamp));
    }
}

#[derive(Debug)]
struct Failed;

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("it failed")
    }
}

#[traced::traced(kind = server, record_err)]
fn handle(user_id: u64) -> Result<(), Failed> {
    lookup(user_id)
}

#[traced::traced(record_err)]
fn lookup(user_id: u64) -> Result<(), Failed> {
    if user_id == 0 {
        Err(Failed)
    } else {
        Ok(())
    }
}

/// Everything runs in one test: the global provider is shared.
#[test]
fn a_backend_gets_every_sampled_span_with_its_ids_and_traced_decides_the_rest() {
    let recorder = Recorder::default();
    let installed = traced::backend::install(
        NoopTracerProvider::new(),
        SamplingRule::ParentBased(1.0),
        Arc::new(recorder.clone()),
    );

    // Call sites: a root and its child, the child failing.
    assert!(handle(0).is_err());
    let spans = recorder.take();
    assert_eq!(spans.len(), 2, "{spans:?}");
    let (root, child) = (&spans[0], &spans[1]);
    assert_eq!(
        (root.name.as_str(), root.kind.clone()),
        ("handle", SpanKind::Server)
    );
    assert_eq!(
        root.scope,
        (env!("CARGO_PKG_NAME"), Some(env!("CARGO_PKG_VERSION")))
    );
    assert!(!root.parent.is_valid());
    assert!(root.context.is_valid() && root.context.is_sampled());
    assert_eq!(child.parent, root.context);
    assert_eq!(child.context.trace_id(), root.context.trace_id());
    assert_ne!(child.context.span_id(), root.context.span_id());
    assert_eq!(root.attr("user_id"), Some(&Value::I64(0)));
    assert_eq!(
        root.attr("code.function.name"),
        Some(&Value::from("backend::handle"))
    );
    assert!(matches!(&child.status, Status::Error { description } if description == "it failed"));
    assert_eq!(child.events, ["exception"]);
    for span in &spans {
        let end = span.end.expect("ended");
        assert!(end >= span.start);
    }

    // A span started by hand, under a remote parent: the trace and its state go on.
    let state = TraceState::from_key_value([("vendor", "x")]).unwrap();
    let remote = SpanContext::new(
        TraceId::from(0x77_u128),
        SpanId::from(0x88_u64),
        TraceFlags::SAMPLED,
        true,
        state.clone(),
    );
    traced::span("by hand")
        .kind(SpanKind::Client)
        .attr("peer", "db")
        .parent(&remote)
        .in_span(|span| span.set_attribute("rows", 3));
    let spans = recorder.take();
    assert_eq!(spans.len(), 1);
    let by_hand = &spans[0];
    assert_eq!(by_hand.name, "by hand");
    assert_eq!(by_hand.scope, ("traced", None));
    assert_eq!(by_hand.parent, remote);
    assert_eq!(by_hand.context.trace_id(), remote.trace_id());
    assert_eq!(by_hand.context.trace_state(), &state);
    assert_eq!(by_hand.attr("peer"), Some(&Value::from("db")));
    assert_eq!(by_hand.attr("rows"), Some(&Value::I64(3)));
    assert!(by_hand.attr("code.line.number").is_some());

    // Under a remote parent that was not sampled, nothing reaches the backend, and
    // the decision is what propagates.
    let unsampled = SpanContext::new(
        TraceId::from(0x99_u128),
        SpanId::from(0xaa_u64),
        TraceFlags::default(),
        true,
        TraceState::NONE,
    );
    let seen = {
        let _request = Context::new()
            .with_remote_span_context(unsampled.clone())
            .attach();
        handle(1).unwrap();
        traced::span("under unsampled").start().span_context()
    };
    assert!(recorder.take().is_empty());
    assert_eq!(seen.trace_id(), unsampled.trace_id());
    assert!(!seen.is_sampled());

    // A rule that samples no root: an unsampled root still carries a fresh trace.
    traced::backend::uninstall(installed);
    let installed = traced::backend::install(
        NoopTracerProvider::new(),
        SamplingRule::ParentBased(0.0),
        Arc::new(recorder.clone()),
    );
    let root = traced::span("root").start();
    let context = root.span_context();
    drop(root);
    assert!(recorder.take().is_empty());
    assert!(context.is_valid() && !context.is_sampled());

    // Uninstalled: the global provider is a no-op one, and nothing is decided.
    traced::backend::uninstall(installed);
    handle(1).unwrap();
    assert!(recorder.take().is_empty());
    assert!(!traced::span("after").start().span_context().is_valid());
}
