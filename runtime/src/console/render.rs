//! The terminal view of finished spans: one tree per trace, with durations, status,
//! key attributes and exceptions, and a timeline when the terminal is wide enough.
//!
//! ```text
//! trace 4bf92f3577b34da6a3ce929d0e0e4736 · 12.3ms · 3 spans   0             12.3ms
//! GET /users/{id} [server] 12.3ms http.request.method=GET     ████████████████████
//! └─ load_user 9.00ms user.id=7                                 ██████████████
//!    └─ query 7.50ms ✗ io::Error: connection reset               ██████████
//!         ! io::Error: connection reset by peer +7.40ms
//! ```

use opentelemetry::trace::{SpanId, SpanKind, Status, TraceId};
use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::trace::SpanData;
use std::collections::HashMap;
use std::time::{Duration, SystemTime};

/// Cells in the timeline column.
const TIMELINE: usize = 30;
/// The narrowest terminal that gets a timeline; below it the text needs the room.
const TIMELINE_MIN_WIDTH: usize = 100;

/// Where the rendering goes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RenderOptions {
    /// Terminal columns; `None` when not a terminal (no truncation, no timeline).
    pub(crate) width: Option<usize>,
    /// Whether to use ANSI colours.
    pub(crate) color: bool,
}

/// Renders finished `spans`, in any order and from any number of traces, as one
/// tree per trace, traces in the order they started.
pub(crate) fn render(spans: &[SpanData], options: &RenderOptions) -> String {
    let mut traces: Vec<Vec<&SpanData>> = Vec::new();
    let mut by_id: HashMap<TraceId, usize> = HashMap::new();
    for span in spans {
        let next = traces.len();
        let index = *by_id.entry(span.span_context.trace_id()).or_insert(next);
        if index == next {
            traces.push(Vec::new());
        }
        traces[index].push(span);
    }
    for trace in &mut traces {
        trace.sort_by_key(|span| span.start_time);
    }
    traces.sort_by_key(|trace| trace[0].start_time);
    let mut out = String::new();
    for (n, trace) in traces.iter().enumerate() {
        if n > 0 {
            out.push('\n');
        }
        render_trace(trace, options, &mut out);
    }
    out
}

/// Renders one trace's spans, sorted by start time.
fn render_trace(spans: &[&SpanData], options: &RenderOptions, out: &mut String) {
    let start = spans[0].start_time;
    let end = spans
        .iter()
        .map(|span| span.end_time)
        .max()
        .unwrap_or(start);
    let view = View {
        options,
        start,
        total: since(start, end),
    };
    view.header(spans, out);

    let position: HashMap<SpanId, usize> = spans
        .iter()
        .enumerate()
        .map(|(i, span)| (span.span_context.span_id(), i))
        .collect();
    let mut children = vec![Vec::new(); spans.len()];
    let mut roots = Vec::new();
    for (i, span) in spans.iter().enumerate() {
        match position.get(&span.parent_span_id) {
            Some(&parent) if parent != i => children[parent].push(i),
            _ => roots.push(i),
        }
    }
    // Every span is drawn once; trying each span as a root after the real roots
    // draws spans that a (malformed) parent cycle leaves unreachable.
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
            let missing_parent = parent != SpanId::INVALID && !position.contains_key(&parent);
            view.span(spans[i], &(prefix + glyph), missing_parent, out);
            let under = inner.clone() + if kids.is_empty() { "  " } else { "│ " };
            view.events(spans[i], &under, out);
            for (n, &kid) in kids.iter().enumerate().rev() {
                stack.push((kid, inner.clone(), Some(n + 1 == kids.len())));
            }
        }
    }
}

/// How one trace is laid out.
struct View<'a> {
    options: &'a RenderOptions,
    start: SystemTime,
    total: Duration,
}

impl View<'_> {
    fn timeline(&self) -> bool {
        self.options
            .width
            .is_some_and(|width| width >= TIMELINE_MIN_WIDTH)
    }

    /// Columns left for text, when there is a limit.
    fn text_width(&self) -> Option<usize> {
        let timeline = if self.timeline() { TIMELINE + 1 } else { 0 };
        self.options.width.map(|width| width - timeline)
    }

    fn header(&self, spans: &[&SpanData], out: &mut String) {
        let count = spans.len();
        let plural = if count == 1 { "" } else { "s" };
        let rest = format!(" · {} · {count} span{plural}", human(self.total));
        let id = spans[0].span_context.trace_id().to_string();
        let fits = self
            .text_width()
            .is_none_or(|max| 6 + id.len() + rest.chars().count() <= max);
        let id = if fits { id } else { format!("{}…", &id[..8]) };
        let mut line = Line::default();
        line.add(Style::Bold, &format!("trace {id}"))
            .add(Style::Dim, &rest);
        let total = human(self.total);
        let axis = format!("0{total:>width$}", width = TIMELINE - 1);
        self.emit(line, Some((Style::Dim, axis)), out);
    }

    fn span(&self, span: &SpanData, tree: &str, missing_parent: bool, out: &mut String) {
        let mut line = Line::default();
        line.add(Style::Dim, tree).add(Style::Bold, &span.name);
        let kind = match span.span_kind {
            SpanKind::Internal => "",
            SpanKind::Server => " [server]",
            SpanKind::Client => " [client]",
            SpanKind::Producer => " [producer]",
            SpanKind::Consumer => " [consumer]",
        };
        line.add(Style::Plain, kind);
        line.add(
            Style::Dim,
            &format!(" {}", human(since(span.start_time, span.end_time))),
        );
        let failed = matches!(span.status, Status::Error { .. });
        match &span.status {
            Status::Unset => {}
            Status::Ok => _ = line.add(Style::Green, " ✓"),
            Status::Error { description } => {
                let error_type = attr(&span.attributes, "error.type").map(Value::as_str);
                let text = match error_type {
                    Some(ty) if !description.is_empty() && **description != *ty => {
                        format!(" {ty}: {description}")
                    }
                    Some(ty) => format!(" {ty}"),
                    None if description.is_empty() => String::new(),
                    None => format!(" {description}"),
                };
                line.add(Style::Red, &format!(" ✗{text}"));
            }
        }
        if missing_parent {
            let whose = if span.parent_span_is_remote {
                "remote"
            } else {
                "missing"
            };
            line.add(
                Style::Dim,
                &format!(" ↖ {whose} parent {}", span.parent_span_id),
            );
        }
        for kv in &span.attributes {
            let key = kv.key.as_str();
            if key.starts_with("code.") || (failed && key == "error.type") {
                continue;
            }
            let value = kv.value.to_string();
            let quote = matches!(kv.value, Value::String(_))
                && (value.is_empty() || value.contains(|c: char| c.is_whitespace() || c == '='));
            let value = if quote { format!("{value:?}") } else { value };
            line.add(Style::Dim, &format!(" {key}="))
                .add(Style::Plain, &value);
        }
        let from = self.cell(span.start_time, false).min(TIMELINE - 1);
        let to = self.cell(span.end_time, true).clamp(from + 1, TIMELINE);
        let bar = " ".repeat(from) + &"█".repeat(to - from);
        self.emit(
            line,
            Some((if failed { Style::Red } else { Style::Plain }, bar)),
            out,
        );
    }

    /// One line per event: exceptions with their type and message, others by name.
    fn events(&self, span: &SpanData, tree: &str, out: &mut String) {
        for event in span.events.iter() {
            let mut line = Line::default();
            line.add(Style::Dim, tree);
            if event.name == "exception" {
                let text: Vec<_> = ["exception.type", "exception.message"]
                    .into_iter()
                    .filter_map(|key| attr(&event.attributes, key).map(Value::as_str))
                    .collect();
                let text = if text.is_empty() {
                    "exception".to_owned()
                } else {
                    text.join(": ")
                };
                line.add(Style::Red, &format!("! {text}"));
            } else {
                line.add(Style::Plain, &format!("• {}", event.name));
            }
            let offset = human(since(span.start_time, event.timestamp));
            line.add(Style::Dim, &format!(" +{offset}"));
            self.emit(line, None, out);
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
    fn emit(&self, mut line: Line, timeline: Option<(Style, String)>, out: &mut String) {
        if let Some(max) = self.text_width() {
            line.fit(max);
            if let Some((style, timeline)) = timeline.filter(|_| self.timeline()) {
                let pad = max + 1 - line.width();
                line.add(Style::Plain, &" ".repeat(pad))
                    .add(style, &timeline);
            }
        }
        for (style, text) in &line.0 {
            match style.ansi().filter(|_| self.options.color) {
                Some(code) => out.extend([code, text.as_str(), "\x1b[0m"]),
                None => out.push_str(text),
            }
        }
        out.push('\n');
    }
}

#[derive(Clone, Copy)]
enum Style {
    Plain,
    Dim,
    Bold,
    Red,
    Green,
}

impl Style {
    fn ansi(self) -> Option<&'static str> {
        match self {
            Style::Plain => None,
            Style::Dim => Some("\x1b[2m"),
            Style::Bold => Some("\x1b[1m"),
            Style::Red => Some("\x1b[31m"),
            Style::Green => Some("\x1b[32m"),
        }
    }
}

/// A line of styled text, measured in characters (one terminal column each).
#[derive(Default)]
struct Line(Vec<(Style, String)>);

impl Line {
    /// Appends `text`, with control characters escaped: span data must not move
    /// the cursor, break the layout or sneak in escape codes.
    fn add(&mut self, style: Style, text: &str) -> &mut Self {
        let mut clean = String::with_capacity(text.len());
        for c in text.chars() {
            if c.is_control() {
                clean.extend(c.escape_debug());
            } else {
                clean.push(c);
            }
        }
        self.0.push((style, clean));
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
            let keep = text
                .char_indices()
                .nth(room)
                .map_or(text.len(), |(at, _)| at);
            text.truncate(keep);
            room -= text.chars().count();
        }
        if max > 0 {
            self.0.push((Style::Plain, "…".to_owned()));
        }
    }
}

fn attr<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a Value> {
    attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| &kv.value)
}

/// Time from `start` to `end`; zero if the clock went backwards.
fn since(start: SystemTime, end: SystemTime) -> Duration {
    end.duration_since(start).unwrap_or_default()
}

/// A duration with three significant digits in the largest unit that keeps it
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
    let decimals = if value < 9.995 {
        2
    } else if value < 99.95 {
        1
    } else {
        0
    };
    format!("{value:.decimals$}{unit}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::trace::{Event, SpanContext, TraceFlags, TraceState};
    use opentelemetry::InstrumentationScope;
    use opentelemetry_sdk::trace::{SpanEvents, SpanLinks};
    use std::time::UNIX_EPOCH;

    const TRACE: u128 = 0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736;
    const PLAIN: RenderOptions = RenderOptions {
        width: None,
        color: false,
    };

    fn wide(width: usize) -> RenderOptions {
        RenderOptions {
            width: Some(width),
            color: false,
        }
    }

    fn at(micros: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_700_000_000) + Duration::from_micros(micros)
    }

    /// A finished internal span from `start` to `end` µs; `parent` 0 means none.
    fn span(
        trace: u128,
        id: u64,
        parent: u64,
        name: &'static str,
        start: u64,
        end: u64,
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
            start_time: at(start),
            end_time: at(end),
            attributes: Vec::new(),
            dropped_attributes_count: 0,
            events: SpanEvents::default(),
            links: SpanLinks::default(),
            status: Status::Unset,
            instrumentation_scope: InstrumentationScope::default(),
        }
    }

    fn event(name: &'static str, micros: u64, attributes: Vec<KeyValue>) -> Event {
        Event::new(name, at(micros), attributes, 0)
    }

    /// A request whose database query failed, in end order.
    fn failed_request() -> Vec<SpanData> {
        let mut query = span(TRACE, 3, 2, "query", 2_000, 9_500);
        query.status = Status::error("connection reset");
        query.attributes = vec![
            KeyValue::new("error.type", "io::Error"),
            KeyValue::new("db.system.name", "postgresql"),
            KeyValue::new("code.function.name", "query"),
        ];
        let exception = [
            KeyValue::new("exception.type", "io::Error"),
            KeyValue::new("exception.message", "connection reset by peer"),
        ];
        query
            .events
            .events
            .push(event("exception", 9_400, exception.into()));
        let mut load = span(TRACE, 2, 1, "load_user", 1_000, 10_000);
        load.attributes = vec![KeyValue::new("user.id", 7)];
        let mut request = span(TRACE, 1, 0, "GET /users/{id}", 0, 12_300);
        request.span_kind = SpanKind::Server;
        request.attributes = vec![
            KeyValue::new("http.request.method", "GET"),
            KeyValue::new("http.response.status_code", 500),
        ];
        vec![query, load, request]
    }

    #[test]
    fn nested_trace_renders_parents_before_children_with_errors_and_exceptions() {
        let text = render(&failed_request(), &PLAIN);
        let expected = [
            "trace 4bf92f3577b34da6a3ce929d0e0e4736 · 12.3ms · 3 spans",
            "GET /users/{id} [server] 12.3ms http.request.method=GET http.response.status_code=500",
            "└─ load_user 9.00ms user.id=7",
            "   └─ query 7.50ms ✗ io::Error: connection reset db.system.name=postgresql",
            "        ! io::Error: connection reset by peer +7.40ms",
        ];
        assert_eq!(text.lines().collect::<Vec<_>>(), expected);
    }

    #[test]
    fn siblings_are_ordered_by_start_time_under_continuing_glyphs() {
        let spans = [
            span(TRACE, 4, 2, "late", 500, 600),
            span(TRACE, 3, 2, "grandchild", 200, 300),
            span(TRACE, 2, 1, "early", 100, 700),
            span(TRACE, 1, 0, "root", 0, 1_000),
        ];
        let text = render(&spans, &PLAIN);
        let tree: Vec<_> = text
            .lines()
            .skip(1)
            .map(|line| line.split(' ').next().unwrap())
            .collect();
        let names: Vec<_> = text
            .lines()
            .skip(1)
            .map(|line| line.split(" 1").next().unwrap())
            .collect();
        assert_eq!(tree, ["root", "├─", "│", "└─"], "{text}");
        assert_eq!(
            names[..3],
            ["root", "├─ early 600µs", "│  └─ grandchild"],
            "{text}"
        );
        assert!(
            text.lines().nth(4).unwrap().starts_with("└─ late 100µs"),
            "{text}"
        );
    }

    #[test]
    fn other_events_show_their_name_and_offset() {
        let mut lookup = span(TRACE, 1, 0, "lookup", 0, 5_000);
        lookup
            .events
            .events
            .push(event("cache miss", 1_020, Vec::new()));
        let text = render(&[lookup], &PLAIN);
        assert_eq!(text.lines().nth(2), Some("  • cache miss +1.02ms"));
    }

    #[test]
    fn no_escape_codes_without_color() {
        let mut spans = failed_request();
        spans[0].name = "evil\x1b[2J".into();
        for width in [None, Some(120)] {
            let text = render(
                &spans,
                &RenderOptions {
                    width,
                    color: false,
                },
            );
            assert!(!text.contains('\x1b'), "{text}");
            assert!(text.contains("evil\\u{1b}[2J"), "{text}");
        }
    }

    #[test]
    fn color_makes_names_bold_and_errors_red() {
        let text = render(
            &failed_request(),
            &RenderOptions {
                width: Some(120),
                color: true,
            },
        );
        assert!(text.contains("\x1b[1mquery\x1b[0m"), "{text:?}");
        assert!(
            text.contains("\x1b[31m ✗ io::Error: connection reset\x1b[0m"),
            "{text:?}"
        );
    }

    #[test]
    fn no_timeline_without_a_wide_terminal() {
        for options in [PLAIN, wide(99)] {
            let text = render(&failed_request(), &options);
            assert!(!text.contains('█'), "{text}");
        }
    }

    #[test]
    fn timeline_places_each_span_within_its_trace() {
        let text = render(&failed_request(), &wide(120));
        let column = |line: &str| line.chars().skip(120 - TIMELINE).collect::<String>();
        let lines: Vec<_> = text.lines().map(column).collect();
        assert_eq!(lines[0], format!("0{:>29}", "12.3ms"), "{text}");
        assert_eq!(lines[1], "█".repeat(30), "{text}");
        // 2.0ms..9.5ms of 12.3ms: cells 4 (rounded down) to 24 (rounded up).
        assert_eq!(lines[3], " ".repeat(4) + &"█".repeat(20), "{text}");
        assert_eq!(lines[4], "", "{text}");
    }

    #[test]
    fn lines_never_exceed_the_width() {
        let mut spans = failed_request();
        spans[1]
            .attributes
            .push(KeyValue::new("note", "long ".repeat(40)));
        for width in [0, 1, 10, 40, 99, 100, 120, 200] {
            let text = render(&spans, &wide(width));
            for line in text.lines() {
                assert!(line.chars().count() <= width, "{width}: {line}");
            }
        }
        let text = render(&spans, &wide(60));
        assert!(text.lines().nth(2).unwrap().ends_with('…'), "{text}");
        assert!(text.starts_with("trace 4bf92f35… · 12.3ms"), "{text}");
    }

    #[test]
    fn span_with_missing_parent_becomes_a_root() {
        let spans = [
            span(TRACE, 2, 99, "orphan", 100, 200),
            span(TRACE, 1, 0, "root", 0, 300),
        ];
        let text = render(&spans, &PLAIN);
        let lines: Vec<_> = text.lines().collect();
        assert_eq!(lines[1], "root 300µs");
        assert_eq!(lines[2], "orphan 100µs ↖ missing parent 0000000000000063");
    }

    #[test]
    fn remote_parent_is_marked() {
        let mut handler = span(TRACE, 2, 0xabc, "handle", 0, 100);
        handler.parent_span_is_remote = true;
        let text = render(&[handler], &PLAIN);
        assert_eq!(
            text.lines().nth(1),
            Some("handle 100µs ↖ remote parent 0000000000000abc")
        );
    }

    #[test]
    fn each_trace_gets_a_header_in_start_order() {
        let spans = [
            span(1, 1, 0, "later", 500, 600),
            span(2, 2, 0, "earlier", 100, 900),
        ];
        let text = render(&spans, &PLAIN);
        let headers: Vec<_> = text
            .lines()
            .filter(|line| line.starts_with("trace "))
            .collect();
        assert_eq!(headers.len(), 2, "{text}");
        assert!(
            text.find("earlier").unwrap() < text.find("later").unwrap(),
            "{text}"
        );
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
