//! The terminal view of finished spans: a tree per trace, with durations, status,
//! key attributes and exceptions.
//!
//! ```text
//! trace 4bf92f3577b34da6a3ce929d0e0e4736 · 12.3ms · 3 spans
//! GET /users/{id} [server] 12.3ms http.request.method=GET
//! └─ load_user 9.00ms user.id=7
//!    └─ query 7.50ms ✗ io::Error: connection reset db.system.name=postgresql
//!         ! io::Error: connection reset by peer +7.40ms
//! ```
//!
//! With a width of 100 columns or more, a timeline column on the right shows when
//! each span ran within its trace. Every line fits in the width, cut with `…`.

use super::traces::{DrawnSpans, LinkedNames};
use opentelemetry::trace::{SpanId, SpanKind, Status};
use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::trace::SpanData;
use std::collections::HashMap;
use std::time::{Duration, SystemTime};

/// Cells in the timeline column.
const TIMELINE: usize = 30;
/// The narrowest terminal that gets a timeline; below it the text needs the room.
const TIMELINE_MIN_WIDTH: usize = 100;

// Styles are the ANSI codes that start them.
const PLAIN: &str = "";
const DIM: &str = "\x1b[2m";
const BOLD: &str = "\x1b[1m";
const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";

/// Where the rendering goes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RenderOptions {
    /// Columns, counting a character as one; `None` for no limit (and no timeline).
    pub(crate) width: Option<usize>,
    /// Whether to use ANSI colours.
    pub(crate) color: bool,
}

/// Renders the finished `spans` of one trace, in any order, as a tree; `earlier` are
/// the spans of the trace drawn before, which parents among them are named after.
/// `early`: drawn before the trace was whole, since the console held too much of
/// it; a parent not among the spans has not ended yet.
pub(crate) fn render(
    spans: &[SpanData],
    earlier: &DrawnSpans,
    linked: &LinkedNames,
    early: bool,
    options: &RenderOptions,
) -> String {
    let mut spans: Vec<&SpanData> = spans.iter().collect();
    spans.sort_by_key(|span| span.start_time);
    let Some(first) = spans.first() else {
        return String::new();
    };
    let start = first.start_time;
    let end = spans.iter().map(|span| span.end_time).max();
    let total = since(start, end.unwrap_or(start));
    let timeline = options.width >= Some(TIMELINE_MIN_WIDTH);
    let column = if timeline { TIMELINE + 1 } else { 0 };
    let mut view = View {
        color: options.color,
        text_width: options.width.map(|width| width - column),
        timeline,
        start,
        total,
        out: String::new(),
    };
    view.header(&spans, !earlier.is_empty());

    let ids = spans
        .iter()
        .enumerate()
        .map(|(i, span)| (span.span_context.span_id(), i));
    let position: HashMap<SpanId, usize> = ids.collect();
    let mut children = vec![Vec::new(); spans.len()];
    let mut roots = Vec::new();
    for (i, span) in spans.iter().enumerate() {
        match position.get(&span.parent_span_id) {
            Some(&parent) if parent != i => children[parent].push(i),
            _ => roots.push(i),
        }
    }
    // Each span is drawn once; trying every span as a root after the real roots
    // draws the spans that a (malformed) parent cycle leaves unreachable.
    let mut drawn = vec![false; spans.len()];
    for root in roots.into_iter().chain(0..spans.len()) {
        // (span, prefix before its glyph, whether it is its parent's last child)
        let mut stack = vec![(root, String::new(), None)];
        while let Some((i, prefix, last)) = stack.pop() {
            if std::mem::replace(&mut drawn[i], true) {
                continue;
            }
            let (glyph, inner) = match last {
                None => ("", prefix.clone()),
                Some(true) => ("└─ ", prefix.clone() + "   "),
                Some(false) => ("├─ ", prefix.clone() + "│  "),
            };
            let kids: Vec<usize> = children[i].iter().copied().filter(|&k| !drawn[k]).collect();
            let parent = spans[i].parent_span_id;
            let parent = if parent == SpanId::INVALID || position.contains_key(&parent) {
                Parent::Shown
            } else if let Some(name) = earlier.name(parent) {
                Parent::DrawnAbove(name)
            } else if spans[i].parent_span_is_remote {
                Parent::Remote(parent)
            } else if early {
                Parent::NotEnded(parent)
            } else {
                Parent::Missing(parent)
            };
            view.span(spans[i], &(prefix + glyph), parent, linked);
            let under = inner.clone() + if kids.is_empty() { "  " } else { "│ " };
            view.events(spans[i], &under);
            for (n, &kid) in kids.iter().enumerate().rev() {
                stack.push((kid, inner.clone(), Some(n + 1 == kids.len())));
            }
        }
    }
    view.out
}

/// Where a span's parent is, as far as the drawing shows.
#[derive(Clone, Copy)]
enum Parent<'a> {
    /// None, or the line it hangs from.
    Shown,
    /// In an earlier drawing of the trace, under this name.
    DrawnAbove(&'a str),
    Remote(SpanId),
    /// Not ended when the trace was drawn early.
    NotEnded(SpanId),
    /// Not among the spans the console holds or drew.
    Missing(SpanId),
}

/// One trace being rendered.
struct View {
    color: bool,
    /// Columns for text, when there is a limit.
    text_width: Option<usize>,
    timeline: bool,
    start: SystemTime,
    total: Duration,
    out: String,
}

impl View {
    fn header(&mut self, spans: &[&SpanData], continued: bool) {
        let plural = if spans.len() == 1 { "" } else { "s" };
        let continued = if continued { " · continued" } else { "" };
        let total = human(self.total);
        let rest = format!("{continued} · {total} · {} span{plural}", spans.len());
        let id = spans[0].span_context.trace_id().to_string();
        let full = format!("trace {id}{rest}").chars().count();
        let fits = self.text_width.is_none_or(|max| full <= max);
        let id = if fits { id } else { format!("{}…", &id[..8]) };
        let mut line = Line::default();
        line.add(BOLD, &format!("trace {id}")).add(DIM, &rest);
        let axis = format!("0{:>width$}", human(self.total), width = TIMELINE - 1);
        self.emit(line, Some((DIM, axis)));
    }

    fn span(&mut self, span: &SpanData, tree: &str, parent: Parent<'_>, linked: &LinkedNames) {
        let mut line = Line::default();
        line.add(DIM, tree).add(BOLD, &span.name);
        if span.span_kind != SpanKind::Internal {
            line.add(PLAIN, &format!(" [{:?}]", span.span_kind).to_lowercase());
        }
        let duration = human(since(span.start_time, span.end_time));
        line.add(DIM, &format!(" {duration}"));
        let mut bar_style = PLAIN;
        match &span.status {
            Status::Unset => {}
            Status::Ok => _ = line.add(GREEN, " ✓"),
            Status::Error { description } => {
                bar_style = RED;
                let error_type = attr(&span.attributes, "error.type");
                let text = type_and_message(error_type, Some(description));
                line.add(RED, format!(" ✗ {text}").trim_end());
            }
        }
        let marker = match parent {
            Parent::Shown => None,
            Parent::DrawnAbove(name) => Some(format!(" ↖ child of {name}, drawn above")),
            Parent::Remote(id) => Some(format!(" ↖ remote parent {id}")),
            Parent::Missing(id) => Some(format!(" ↖ missing parent {id}")),
            Parent::NotEnded(id) => Some(format!(" ↖ parent {id} not ended yet")),
        };
        if let Some(marker) = marker {
            line.add(DIM, &marker);
        }
        // A link says where the work came from: a message's producer, say.
        for link in span.links.iter() {
            let target = &link.span_context;
            if target.span_id() == span.parent_span_id
                && target.trace_id() == span.span_context.trace_id()
            {
                // The parent is drawn above: the link says nothing more.
                continue;
            }
            let trace = target.trace_id().to_string();
            let trace = if target.trace_id() == span.span_context.trace_id() {
                "this trace".to_owned()
            } else {
                format!("trace {}…", &trace[..8])
            };
            let marker = match linked.name(target.span_id()) {
                Some(name) => format!(" ⇠ link to {name} in {trace}"),
                None => format!(" ⇠ link to span {} in {trace}", target.span_id()),
            };
            line.add(DIM, &marker);
        }
        for kv in &span.attributes {
            let key = kv.key.as_str();
            if key.starts_with("code.") || (bar_style == RED && key == "error.type") {
                continue;
            }
            add_attribute(&mut line, key, &kv.value);
        }
        let from = self.cell(span.start_time, false).min(TIMELINE - 1);
        let to = self.cell(span.end_time, true).clamp(from + 1, TIMELINE);
        let bar = " ".repeat(from) + &"█".repeat(to - from);
        self.emit(line, Some((bar_style, bar)));
    }

    /// A line per event: exceptions with their type and message, others by name.
    fn events(&mut self, span: &SpanData, tree: &str) {
        for event in span.events.iter() {
            let mut line = Line::default();
            line.add(DIM, tree);
            if event.name == "exception" {
                let message = attr(&event.attributes, "exception.message").map(Value::as_str);
                let error_type = attr(&event.attributes, "exception.type");
                let text = type_and_message(error_type, message.as_deref());
                line.add(RED, &format!("! {text}"));
            } else {
                // A `tracing` event's level first, its fields after its message.
                let level = attr(&event.attributes, "level").map(Value::as_str);
                match level {
                    Some(level) => line.add(PLAIN, &format!("• {level} {}", event.name)),
                    None => line.add(PLAIN, &format!("• {}", event.name)),
                };
                for kv in &event.attributes {
                    let key = kv.key.as_str();
                    if !(key.starts_with("code.") || key == "level" || key == "target") {
                        add_attribute(&mut line, key, &kv.value);
                    }
                }
            }
            let offset = human(since(span.start_time, event.timestamp));
            line.add(DIM, &format!(" +{offset}"));
            self.emit(line, None);
        }
    }

    /// The timeline cell that `at` falls in, rounded up when `up`.
    fn cell(&self, at: SystemTime, up: bool) -> usize {
        let total = self.total.as_nanos().max(1);
        let offset = since(self.start, at).as_nanos().min(total);
        let round = if up { total - 1 } else { 0 };
        usize::try_from((offset * TIMELINE as u128 + round) / total).unwrap_or(TIMELINE)
    }

    /// Writes `line` cut to the width, with `timeline` in the timeline column.
    fn emit(&mut self, mut line: Line, timeline: Option<(&'static str, String)>) {
        if let Some(max) = self.text_width {
            line.fit(max);
            if let Some((style, timeline)) = timeline.filter(|_| self.timeline) {
                let pad = " ".repeat(max + 1 - line.width());
                line.add(PLAIN, &pad).add(style, &timeline);
            }
        }
        for (style, text) in &line.0 {
            if self.color && !style.is_empty() && !text.is_empty() {
                self.out.extend([style, text.as_str(), "\x1b[0m"]);
            } else {
                self.out.push_str(text);
            }
        }
        self.out.push('\n');
    }
}

/// A line as runs of styled text, one terminal column per character.
#[derive(Default)]
struct Line(Vec<(&'static str, String)>);

impl Line {
    /// Appends `text` without its control characters: span data must not move the
    /// cursor, break the layout or sneak in escape codes.
    fn add(&mut self, style: &'static str, text: &str) -> &mut Self {
        let clean = text.chars().map(|c| match c {
            c if !c.is_control() => c,
            c if c.is_whitespace() => ' ',
            _ => '�',
        });
        self.0.push((style, clean.collect()));
        self
    }

    fn width(&self) -> usize {
        self.0.iter().map(|(_, text)| text.chars().count()).sum()
    }

    /// Cuts the line to `max` columns, ending it with `…` when something was cut.
    fn fit(&mut self, max: usize) {
        if self.width() <= max {
            return;
        }
        let mut room = max.saturating_sub(1);
        for (_, text) in &mut self.0 {
            *text = text.chars().take(room).collect();
            room -= text.chars().count();
        }
        if max > 0 {
            self.0.push((PLAIN, "…".to_owned()));
        }
    }
}

fn attr<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a Value> {
    attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| &kv.value)
}

/// ` key=value`, the value quoted when it is an empty string or holds spaces or `=`.
fn add_attribute(line: &mut Line, key: &str, value: &Value) {
    let text = value.to_string();
    let quote = matches!(value, Value::String(_))
        && (text.is_empty() || text.contains(|c: char| c.is_whitespace() || c == '='));
    let text = if quote { format!("{text:?}") } else { text };
    line.add(DIM, &format!(" {key}=")).add(PLAIN, &text);
}

/// `type: message`, or whichever of the two there is (once if they are the same).
fn type_and_message(error_type: Option<&Value>, message: Option<&str>) -> String {
    let error_type = error_type.map(Value::as_str).filter(|ty| !ty.is_empty());
    match (error_type, message.filter(|m| !m.is_empty())) {
        (Some(ty), Some(message)) if *ty != *message => format!("{ty}: {message}"),
        (Some(ty), _) => ty.into_owned(),
        (None, message) => message.unwrap_or_default().to_owned(),
    }
}

/// Time from `start` to `end`; zero if the clock went backwards.
fn since(start: SystemTime, end: SystemTime) -> Duration {
    end.duration_since(start).unwrap_or_default()
}

/// A duration with three significant digits, in the largest unit that keeps it
/// at least one: `850ns`, `1.23µs`, `12.3ms`, `123ms`, `2.50s`.
fn human(duration: Duration) -> String {
    if duration.as_nanos() < 1_000 {
        return format!("{}ns", duration.as_nanos());
    }
    let nanos = duration.as_secs_f64() * 1e9;
    let (value, unit) = [(1e3, "µs"), (1e6, "ms")]
        .into_iter()
        .map(|(scale, unit)| (nanos / scale, unit))
        .find(|(value, _)| *value < 999.5)
        .unwrap_or((nanos / 1e9, "s"));
    // Two decimals under 10, one under 100 (after rounding), none above.
    let decimals = usize::from(value < 9.995) + usize::from(value < 99.95);
    format!("{value:.decimals$}{unit}")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use opentelemetry::trace::TraceId;
    use opentelemetry::trace::{Event, SpanContext, TraceFlags, TraceState};
    use opentelemetry::InstrumentationScope;
    use opentelemetry_sdk::trace::{SpanEvents, SpanLinks};
    use std::ops::Range;
    use std::time::UNIX_EPOCH;

    const TRACE: u128 = 0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736;

    /// The lines rendered without colour.
    fn plain(spans: &[SpanData], width: Option<usize>) -> Vec<String> {
        drawn_after(&DrawnSpans::default(), spans, width)
    }

    /// The lines rendered without colour, after `drawn` were drawn.
    fn drawn_after(drawn: &DrawnSpans, spans: &[SpanData], width: Option<usize>) -> Vec<String> {
        let color = false;
        let text = render(
            spans,
            drawn,
            &LinkedNames::default(),
            false,
            &RenderOptions { width, color },
        );
        text.lines().map(str::to_owned).collect()
    }

    fn at(micros: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_micros(1_700_000_000_000_000 + micros)
    }

    /// A finished internal span over `micros`; `parent` 0 means none.
    pub(crate) fn span(
        trace: u128,
        id: u64,
        parent: u64,
        name: &'static str,
        micros: Range<u64>,
    ) -> SpanData {
        let context = SpanContext::new(
            TraceId::from(trace),
            SpanId::from(id),
            TraceFlags::SAMPLED,
            false,
            TraceState::default(),
        );
        SpanData {
            span_context: context,
            parent_span_id: SpanId::from(parent),
            parent_span_is_remote: false,
            span_kind: SpanKind::Internal,
            name: name.into(),
            start_time: at(micros.start),
            end_time: at(micros.end),
            attributes: Vec::new(),
            dropped_attributes_count: 0,
            events: SpanEvents::default(),
            links: SpanLinks::default(),
            status: Status::Unset,
            instrumentation_scope: InstrumentationScope::default(),
        }
    }

    /// A request whose database query failed, in end order.
    fn failed_request() -> Vec<SpanData> {
        let mut query = span(TRACE, 3, 2, "query", 2_000..9_500);
        query.status = Status::error("connection reset");
        query.attributes = vec![
            KeyValue::new("error.type", "io::Error"),
            KeyValue::new("db.system.name", "postgresql"),
            KeyValue::new("code.function.name", "query"),
        ];
        let exception = vec![
            KeyValue::new("exception.type", "io::Error"),
            KeyValue::new("exception.message", "connection reset by peer"),
        ];
        query.events.events = vec![Event::new("exception", at(9_400), exception, 0)];
        let mut load = span(TRACE, 2, 1, "load_user", 1_000..10_000);
        load.attributes = vec![KeyValue::new("user.id", 7)];
        let mut request = span(TRACE, 1, 0, "GET /users/{id}", 0..12_300);
        request.span_kind = SpanKind::Server;
        request.attributes = vec![
            KeyValue::new("http.request.method", "GET"),
            KeyValue::new("http.response.status_code", 500),
        ];
        vec![query, load, request]
    }

    #[test]
    fn nested_trace_renders_parents_before_children_with_errors_and_exceptions() {
        let expected = [
            "trace 4bf92f3577b34da6a3ce929d0e0e4736 · 12.3ms · 3 spans",
            "GET /users/{id} [server] 12.3ms http.request.method=GET http.response.status_code=500",
            "└─ load_user 9.00ms user.id=7",
            "   └─ query 7.50ms ✗ io::Error: connection reset db.system.name=postgresql",
            "        ! io::Error: connection reset by peer +7.40ms",
        ];
        assert_eq!(plain(&failed_request(), None), expected);
    }

    #[test]
    fn siblings_are_ordered_by_start_time() {
        let spans = [
            span(TRACE, 4, 1, "late", 500..600),
            span(TRACE, 3, 2, "grandchild", 200..300),
            span(TRACE, 2, 1, "early", 100..700),
            span(TRACE, 1, 0, "root", 0..1_000),
        ];
        let expected = [
            "root 1.00ms",
            "├─ early 600µs",
            "│  └─ grandchild 100µs",
            "└─ late 100µs",
        ];
        assert_eq!(plain(&spans, None)[1..], expected);
    }

    #[test]
    fn a_tracing_event_shows_its_level_and_fields() {
        let mut lookup = span(TRACE, 1, 0, "lookup", 0..5_000);
        let attributes = vec![
            KeyValue::new("level", "WARN"),
            KeyValue::new("target", "app::db"),
            KeyValue::new("code.line.number", 12_i64),
            KeyValue::new("attempt", 2_i64),
            KeyValue::new("who", "ada lovelace"),
        ];
        lookup.events.events = vec![Event::new("retrying", at(1_020), attributes, 0)];
        assert_eq!(
            plain(&[lookup], None)[2],
            "  • WARN retrying attempt=2 who=\"ada lovelace\" +1.02ms"
        );
    }

    #[test]
    fn other_events_show_their_name_and_offset() {
        let mut lookup = span(TRACE, 1, 0, "lookup", 0..5_000);
        lookup.events.events = vec![Event::new("cache miss", at(1_020), vec![], 0)];
        assert_eq!(plain(&[lookup], None)[2], "  • cache miss +1.02ms");
    }

    #[test]
    fn escape_codes_only_with_color() {
        let mut spans = failed_request();
        spans[0].name = "evil\x1b[2J".into();
        let (width, color) = (Some(120), true);
        let colored = render(
            &spans,
            &DrawnSpans::default(),
            &LinkedNames::default(),
            false,
            &RenderOptions { width, color },
        );
        assert!(colored.contains("\x1b[1mload_user\x1b[0m"), "{colored:?}");
        assert!(colored.contains("\x1b[31m ✗ io::Error: connection reset\x1b[0m"));
        for width in [None, Some(120)] {
            let text = plain(&spans, width).join("\n");
            assert!(!text.contains('\x1b'), "{text}");
            assert!(text.contains("evil�[2J"), "control characters are replaced");
        }
    }

    #[test]
    fn timeline_only_on_a_wide_terminal() {
        for width in [None, Some(99)] {
            assert!(!plain(&failed_request(), width).concat().contains('█'));
        }
        let lines = plain(&failed_request(), Some(120));
        let column: Vec<String> = lines.iter().map(|l| l.chars().skip(90).collect()).collect();
        assert_eq!(column[0], format!("0{:>29}", "12.3ms"));
        assert_eq!(column[1], "█".repeat(30));
        // 2.0ms..9.5ms of 12.3ms: cells 4 (rounded down) to 24 (rounded up).
        assert_eq!(column[3], " ".repeat(4) + &"█".repeat(20));
        assert_eq!(column[4], "", "no timeline for events");
    }

    #[test]
    fn lines_never_exceed_the_width() {
        let mut spans = failed_request();
        let note = KeyValue::new("note", "long ".repeat(40));
        spans[1].attributes.push(note);
        for width in [0, 1, 10, 40, 99, 100, 120, 200] {
            for line in plain(&spans, Some(width)) {
                assert!(line.chars().count() <= width, "{width}: {line}");
            }
        }
        let narrow = plain(&spans, Some(40));
        let header = &narrow[0];
        assert!(header.starts_with("trace 4bf92f35… · 12.3ms"), "{header}");
        assert!(narrow[2].ends_with('…'), "{narrow:?}");
    }

    #[test]
    fn spans_with_missing_parents_become_marked_roots() {
        let mut handler = span(TRACE, 3, 0xabc, "handle", 50..250);
        handler.parent_span_is_remote = true;
        let orphan = span(TRACE, 2, 99, "orphan", 100..200);
        let spans = [orphan, handler, span(TRACE, 1, 0, "root", 0..300)];
        let expected = [
            "root 300µs",
            "handle 200µs ↖ remote parent 0000000000000abc",
            "orphan 100µs ↖ missing parent 0000000000000063",
        ];
        assert_eq!(plain(&spans, None)[1..], expected);
    }

    #[test]
    fn a_continuation_names_the_parent_drawn_above() {
        let drawn: DrawnSpans = [(SpanId::from(1), "root".into())].into_iter().collect();
        let spans = [span(TRACE, 2, 1, "task", 0..2_000)];
        let lines = drawn_after(&drawn, &spans, None);
        let header = "trace 4bf92f3577b34da6a3ce929d0e0e4736 · continued · 2.00ms · 1 span";
        assert_eq!(lines, [header, "task 2.00ms ↖ child of root, drawn above"]);
    }

    #[test]
    fn an_early_drawing_says_the_parent_has_not_ended() {
        let spans = [span(TRACE, 2, 1, "child", 0..2_000)];
        let options = RenderOptions {
            width: None,
            color: false,
        };
        let text = render(
            &spans,
            &DrawnSpans::default(),
            &LinkedNames::default(),
            true,
            &options,
        );
        assert!(
            text.contains("child 2.00ms ↖ parent 0000000000000001 not ended yet"),
            "{text}"
        );
    }

    #[test]
    fn no_line_is_wider_than_80_or_40_columns() {
        let long = "a_rather_long_span_name_for_a_function_in_a_module".repeat(2);
        let mut spans = vec![span(TRACE, 1, 0xabc, "GET /orders/{id}/items", 0..50_000)];
        spans[0].parent_span_is_remote = true;
        spans[0].span_kind = SpanKind::Server;
        for depth in 2..12 {
            let mut child = span(TRACE, depth, depth - 1, "step", depth * 100..40_000);
            child.name = long.clone().into();
            child.attributes = vec![KeyValue::new("payload", "x ".repeat(60))];
            child.status = Status::error("something went wrong ".repeat(5));
            let exception = vec![KeyValue::new("exception.message", "e".repeat(100))];
            child.events.events = vec![Event::new("exception", at(depth * 200), exception, 0)];
            spans.push(child);
        }
        spans.push(span(TRACE, 50, 49, "orphan", 1_000..2_000));
        for width in [80, 40] {
            let lines = plain(&spans, Some(width));
            assert!(lines.len() > spans.len(), "{lines:?}");
            for line in lines {
                assert!(line.chars().count() <= width, "{width}: {line}");
            }
        }
    }

    #[test]
    fn a_link_names_the_span_it_goes_to_and_its_trace() {
        let producer = span(TRACE, 1, 0, "publish users:user.updated", 0..100);
        let mut process = span(0x77, 9, 0, "process users:user.updated:notifier", 200..900);
        process
            .links
            .links
            .push(opentelemetry::trace::Link::with_context(
                producer.span_context.clone(),
            ));
        let names: LinkedNames = [(producer.span_context.span_id(), producer.name.to_string())]
            .into_iter()
            .collect();
        let text = render(
            &[process.clone()],
            &DrawnSpans::default(),
            &names,
            false,
            &RenderOptions {
                width: None,
                color: false,
            },
        );
        assert!(
            text.contains("⇠ link to publish users:user.updated in trace 4bf92f35…"),
            "{text}"
        );
        let text = render(
            &[process],
            &DrawnSpans::default(),
            &LinkedNames::default(),
            false,
            &RenderOptions {
                width: None,
                color: false,
            },
        );
        assert!(
            text.contains("⇠ link to span 0000000000000001 in trace 4bf92f35…"),
            "{text}"
        );
    }

    #[test]
    fn an_empty_trace_renders_nothing() {
        assert_eq!(plain(&[], Some(80)), Vec::<String>::new());
    }

    #[test]
    fn durations_keep_three_significant_digits() {
        let cases = [
            (0, "0ns"),
            (850, "850ns"),
            (1_234, "1.23µs"),
            (999_700, "1.00ms"),
        ];
        for (nanos, text) in cases {
            assert_eq!(human(Duration::from_nanos(nanos)), text);
        }
        assert_eq!(human(Duration::from_micros(12_345)), "12.3ms");
        assert_eq!(human(Duration::from_millis(2_500)), "2.50s");
    }
}
