//! A `#[traced]` function's call site: what it knows at compile time, the tracer
//! and backend it keeps per provider epoch, and the guard of a synchronous call.

mod guard;

pub(crate) use guard::prepare_thread;
pub use guard::CallGuard;

use crate::backend::Backend;
use crate::filter::Switch;
use crate::provider;
use crate::span::{teardown, Span};
use crate::start::{self, Attrs, Origin, Site, Start};
use opentelemetry::global::BoxedTracer;
use opentelemetry::trace::SpanKind;
use opentelemetry::{Context, KeyValue};
use std::borrow::Cow;
use std::sync::{Arc, PoisonError, RwLock};

/// What a call site knows at compile time.
#[doc(hidden)]
#[derive(Debug)]
pub struct Meta {
    pub name: &'static str,
    pub kind: SpanKind,
    /// `code.function.name`: `module::path::function`.
    pub function: &'static str,
    pub file: &'static str,
    pub line: u32,
    /// The instrumented crate's package name and version: the instrumentation scope.
    pub scope: &'static str,
    pub version: &'static str,
    /// `baggage(...)`: baggage entries copied onto the span as attributes.
    pub baggage: &'static [&'static str],
}

/// One `#[traced]` function: its metadata, and what it starts spans with, fetched
/// once per provider change.
#[doc(hidden)]
#[derive(Debug)]
pub struct Callsite {
    meta: Meta,
    route: RwLock<Option<(u64, Route)>>,
    /// Whether the filter lets this call site record (see `filter`).
    switch: Switch,
}

/// What a call site starts spans with during one provider epoch.
#[derive(Debug)]
struct Route {
    tracer: BoxedTracer,
    backend: Option<Arc<dyn Backend>>,
}

impl Callsite {
    pub const fn new(meta: Meta) -> Self {
        Callsite {
            switch: Switch::scoped(meta.function, meta.scope),
            meta,
            route: RwLock::new(None),
        }
    }

    /// Whether a call may record: false once a start found no provider, or once
    /// the filter switched this call site off. The generated code checks it before
    /// anything else: with no provider, one load and a branch, as before there
    /// was a filter; switched off, two.
    #[inline(always)]
    pub fn enabled(&'static self) -> bool {
        provider::state() != provider::OFF && !self.switch.is_known_off()
    }

    /// Starts this call's span in the current context. `attrs` runs only when
    /// the span records. Called when `enabled()` said so.
    #[inline]
    pub fn start(&'static self, mut attrs: impl FnMut(&mut Attrs)) -> Span {
        self.start_span(Start::default(), &mut attrs)
    }

    /// [`Callsite::start`] with a parent, `root` or links.
    #[inline]
    pub fn start_with(&'static self, start: Start, mut attrs: impl FnMut(&mut Attrs)) -> Span {
        self.start_span(start, &mut attrs)
    }

    /// Starts this call's span and makes it current, with the arguments moved in
    /// and given back, so that a caller with nothing recording never lends them
    /// (they stay in registers). Called when `enabled()` said so.
    #[inline(never)]
    pub fn enter<A>(
        &'static self,
        args: A,
        mut attrs: impl FnMut(&A, &mut Attrs),
    ) -> (CallGuard, A) {
        let guard =
            CallGuard::enter(self.start_span(Start::default(), &mut |sink| attrs(&args, sink)));
        (guard, args)
    }

    /// [`Callsite::enter`] with a parent, `root` or links.
    #[inline(never)]
    pub fn enter_with<A>(
        &'static self,
        start: Start,
        args: A,
        mut attrs: impl FnMut(&A, &mut Attrs),
    ) -> (CallGuard, A) {
        let guard = CallGuard::enter(self.start_span(start, &mut |sink| attrs(&args, sink)));
        (guard, args)
    }

    /// Starts this call's span (not current), with the arguments moved in and
    /// given back: for an `async fn`, whose arguments then go to its body.
    #[inline(never)]
    pub fn start_moving<A>(
        &'static self,
        args: A,
        mut attrs: impl FnMut(&A, &mut Attrs),
    ) -> (Span, A) {
        let span = self.start_span(Start::default(), &mut |sink| attrs(&args, sink));
        (span, args)
    }

    #[inline(never)]
    fn start_span(&'static self, start: Start, attrs: &mut dyn FnMut(&mut Attrs)) -> Span {
        // Called from a thread-local's destructor late in the thread's teardown,
        // the function runs untraced.
        if !teardown::alive() || !self.switch.is_on() {
            return Span::none();
        }
        start::start(&mut At(self), start, &mut |base, sink| {
            self.write_attributes(base, sink, attrs);
        })
    }

    /// The code attributes, the arguments and `attrs`, and the `baggage` entries.
    fn write_attributes(
        &self,
        base: &Context,
        sink: &mut Attrs,
        attrs: &mut dyn FnMut(&mut Attrs),
    ) {
        let meta = &self.meta;
        sink.code(meta.function, meta.file, meta.line);
        attrs(sink);
        if !meta.baggage.is_empty() {
            let baggage = opentelemetry::baggage::BaggageExt::baggage(base);
            for key in meta.baggage {
                if let Some(value) = baggage.get(*key) {
                    sink.push(KeyValue::new(*key, value.to_string()));
                }
            }
        }
    }

    /// Runs `f` with the route of epoch `epoch`, fetching it first if the one kept
    /// is older.
    fn with_route<R>(&self, epoch: u64, f: impl FnOnce(&Route) -> R) -> R {
        {
            let kept = self.route.read().unwrap_or_else(PoisonError::into_inner);
            if let Some((at, route)) = kept.as_ref() {
                if *at == epoch {
                    return f(route);
                }
            }
        }
        let route = Route {
            tracer: start::global_tracer((self.meta.scope, Some(self.meta.version))),
            backend: provider::backend(epoch),
        };
        let out = f(&route);
        *self.route.write().unwrap_or_else(PoisonError::into_inner) = Some((epoch, route));
        out
    }
}

/// A call site starting a span.
struct At<'a>(&'a Callsite);

impl Site for At<'_> {
    fn origin(&mut self) -> Origin {
        let meta = &self.0.meta;
        Origin {
            name: Cow::Borrowed(meta.name),
            kind: meta.kind.clone(),
            scope: (meta.scope, Some(meta.version)),
        }
    }

    fn with_backend<R>(&self, epoch: u64, f: impl FnOnce(&dyn Backend) -> R) -> Option<R> {
        self.0
            .with_route(epoch, |route| route.backend.as_deref().map(f))
    }

    fn with_tracer<R>(&self, epoch: u64, f: impl FnOnce(&BoxedTracer) -> R) -> R {
        self.0.with_route(epoch, |route| f(&route.tracer))
    }
}
