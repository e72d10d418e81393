//! Log lines that carry their trace: `tracing_subscriber::fmt` lines with the
//! current OpenTelemetry span's `trace_id` and `span_id`.

use opentelemetry::trace::{SpanId, TraceContextExt as _, TraceId};
use std::fmt;
use tracing_core::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// A `tracing_subscriber::fmt` event format that writes the current
/// OpenTelemetry span's ids on every line: `trace_id=… span_id=… ` before a text
/// line ([`WithTraceIds::new`]), and `"trace_id":"…","span_id":"…"` as the first
/// members of a JSON one ([`WithTraceIds::json`], for the `json()` format). A
/// line with no span current is written as it was.
/// Backends find the trace of a log line by these: Grafana's Loki-to-Tempo
/// "derived fields", Jaeger's and Tempo's "logs for this span" links, and the
/// Collector's log parsers all read `trace_id` as 32 and `span_id` as 16
/// lower-case hex digits.
///
/// ```
/// use tracing_subscriber::layer::SubscriberExt as _;
///
/// let text = tracing_subscriber::fmt::layer()
///     .event_format(traced_tracing::WithTraceIds::new(tracing_subscriber::fmt::format()));
/// let json = tracing_subscriber::fmt::layer()
///     .event_format(traced_tracing::WithTraceIds::json(tracing_subscriber::fmt::format().json()));
/// let subscriber = tracing_subscriber::registry().with(text).with(json);
/// # drop(subscriber);
/// ```
#[derive(Debug, Clone)]
pub struct WithTraceIds<F> {
    inner: F,
    /// The lines are JSON objects: the ids go inside.
    json: bool,
}

impl<F> WithTraceIds<F> {
    /// `inner`, a text format, with the ids before each line.
    pub fn new(inner: F) -> Self {
        WithTraceIds { inner, json: false }
    }

    /// `inner`, a JSON format, with the ids as each object's first members.
    pub fn json(inner: F) -> Self {
        WithTraceIds { inner, json: true }
    }
}

/// The current span's ids (written as hex), when a valid span context is current.
pub(crate) fn current_ids() -> Option<(TraceId, SpanId)> {
    opentelemetry::Context::map_current(|cx| {
        let span = cx.span();
        let context = span.span_context();
        context
            .is_valid()
            .then(|| (context.trace_id(), context.span_id()))
    })
}

impl<S, N, F> FormatEvent<S, N> for WithTraceIds<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let Some((trace_id, span_id)) = current_ids() else {
            return self.inner.format_event(ctx, writer, event);
        };
        if !self.json {
            write!(writer, "trace_id={trace_id} span_id={span_id} ")?;
            return self.inner.format_event(ctx, writer, event);
        }
        // Formatted apart first, to put the ids inside the object.
        let mut line = String::new();
        self.inner
            .format_event(ctx, Writer::new(&mut line), event)?;
        match line.strip_prefix('{') {
            Some(members) => {
                let comma = if members.trim_start().starts_with('}') {
                    ""
                } else {
                    ","
                };
                write!(
                    writer,
                    "{{\"trace_id\":\"{trace_id}\",\"span_id\":\"{span_id}\"{comma}{members}"
                )
            }
            None => write!(writer, "trace_id={trace_id} span_id={span_id} {line}"),
        }
    }
}
