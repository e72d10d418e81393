//! The light bridge: `tracing` spans (`#[instrument]`, `info_span!`) as
//! OpenTelemetry spans made by traced, for programs without tracing-opentelemetry.

use crate::event::Fields;
use opentelemetry::trace::TraceContextExt as _;
use opentelemetry::{ContextGuard, KeyValue};
use opentelemetry_semantic_conventions::attribute::{CODE_FILE_PATH, CODE_LINE_NUMBER};
use std::cell::RefCell;
use tracing_core::span::{Attributes, Id, Record};
use tracing_core::Subscriber;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

/// A `tracing_subscriber` layer that makes every `tracing` span an
/// OpenTelemetry span through traced, current while the `tracing` span is
/// entered: `#[instrument]` and `#[traced]` spans then nest in one trace either
/// way round, and `EventsLayer` records events on them. Use it *instead of*
/// tracing-opentelemetry, not beside it (both would make a span for each).
///
/// The span is named by the `tracing` span's name, with `code.file.path`,
/// `code.line.number` and its fields (as `EventsLayer` types them, recorded
/// later with `Span::record` too). Its parent is the span explicitly given, else
/// the OpenTelemetry context current where it was made (a `#[traced]` span, an
/// entered `tracing` span, or a remote parent made current); a root `tracing`
/// span starts a trace. It ends when the `tracing` span closes.
///
/// ```
/// use tracing_subscriber::layer::SubscriberExt as _;
///
/// let subscriber = tracing_subscriber::registry()
///     .with(traced_tracing::SpansLayer::new())
///     .with(traced_tracing::EventsLayer::new());
/// # drop(subscriber);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct SpansLayer {
    _private: (),
}

impl SpansLayer {
    /// The layer.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
}

/// The OpenTelemetry span of a `tracing` span, in its extensions.
struct Bridged(traced::Span);

thread_local! {
    /// The contexts attached by entered `tracing` spans on this thread, in order.
    static ENTERED: RefCell<Vec<(Id, ContextGuard)>> = const { RefCell::new(Vec::new()) };
}

impl<S> tracing_subscriber::Layer<S> for SpansLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if !traced::enabled() {
            return;
        }
        let Some(span) = ctx.span(id) else { return };
        let meta = attrs.metadata();
        let builder = traced::span(meta.name())
            .scope("traced-tracing", Some(env!("CARGO_PKG_VERSION")))
            .without_code_location();
        let explicit = attrs.parent().and_then(|parent| {
            let parent = ctx.span(parent)?;
            let extensions = parent.extensions();
            extensions.get::<Bridged>().map(|b| b.0.context().clone())
        });
        let builder = match explicit {
            Some(parent) => builder.parent(parent),
            None if attrs.is_root() => builder.root(),
            None => builder,
        };
        let started = builder.start_with_attributes(|attributes| {
            if let Some(file) = meta.file() {
                attributes.push(KeyValue::new(CODE_FILE_PATH, file));
            }
            if let Some(line) = meta.line() {
                attributes.push(KeyValue::new(CODE_LINE_NUMBER, i64::from(line)));
            }
            let mut fields = Fields::with(std::mem::take(attributes));
            attrs.record(&mut fields);
            *attributes = fields.into_attributes();
        });
        span.extensions_mut().insert(Bridged(started));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let extensions = span.extensions();
        let Some(Bridged(bridged)) = extensions.get::<Bridged>() else {
            return;
        };
        if !bridged.is_recording() {
            return;
        }
        let mut fields = Fields::with(Vec::new());
        values.record(&mut fields);
        let cx = bridged.context();
        for attribute in fields.into_attributes() {
            cx.span().set_attribute(attribute);
        }
    }

    fn on_enter(&self, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let extensions = span.extensions();
        let Some(Bridged(bridged)) = extensions.get::<Bridged>() else {
            return;
        };
        let guard = bridged.context().clone().attach();
        let _ = ENTERED.try_with(|entered| entered.borrow_mut().push((id.clone(), guard)));
    }

    fn on_exit(&self, id: &Id, _ctx: Context<'_, S>) {
        // The guard taken out before it drops: dropping it may run other code.
        let guard = ENTERED
            .try_with(|entered| {
                let mut entered = entered.borrow_mut();
                let at = entered.iter().rposition(|(entered, _)| entered == id)?;
                Some(entered.remove(at))
            })
            .ok()
            .flatten();
        drop(guard);
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(&id) else { return };
        // Ends the span, when its extensions let it go.
        let bridged = span.extensions_mut().remove::<Bridged>();
        drop(bridged);
    }
}
