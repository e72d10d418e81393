//! The traces the console holds until it draws them, and the rule for when.
//!
//! A process holds the part of a trace under its local roots: spans whose parent is
//! remote, or that have none. Those spans end in any order (a task spawned by a
//! span can outlive it, so a child may end after the root) and reach the exporter
//! in batches, so no one span says that its trace is complete. The console draws a
//! trace when:
//!
//! - it is *whole*: the parent of every span held is held too, or was drawn
//!   already, or is remote or none (so the local root has ended), and
//! - it is *quiet*: no span of it arrived for the quiet period, one and a half
//!   schedule delays of the console's export queue (300 ms by default). A span
//!   that ended by the time the root was exported comes in the next batch, at most
//!   one delay later, so it makes the same tree.
//!
//! A flush draws every whole trace at once; shutdown draws everything. A trace that
//! is not whole is drawn anyway once its first span has waited [`PATIENCE`] (its
//! parent may never end, or be sampled out): the spans without a parent then are
//! marked `↖ missing parent`.
//!
//! A span that arrives after its trace was drawn (a task that outlived the root)
//! is drawn by the same rule, as a continuation of that trace: its parent is named
//! as drawn above, not reported missing. The console remembers the spans of the
//! last [`REMEMBERED`] traces it drew for this.
//!
//! What the console holds is bounded: a trace that reaches [`TRACE_SPANS`] spans
//! (the children of a long-lived root, say) is drawn at once with what it has, and
//! when all held traces together reach [`HELD_SPANS`], the oldest are drawn so. The
//! spans of such a drawing whose parent has not come yet are marked
//! `↖ parent … not ended yet`; the rest of the trace follows as continuations.

use opentelemetry::trace::{SpanId, TraceId};
use opentelemetry_sdk::trace::SpanData;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

/// How long a trace that is not whole waits for the parents it lacks.
pub(crate) const PATIENCE: Duration = Duration::from_secs(10);
/// How many drawn traces are remembered, for spans that arrive after them.
pub(crate) const REMEMBERED: usize = 1024;
/// The most spans of one trace the console holds before it draws them.
pub(crate) const TRACE_SPANS: usize = 2048;
/// The most spans the console holds in all.
pub(crate) const HELD_SPANS: usize = 16_384;

/// Which held traces to draw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Draw {
    /// Those whole and quiet, or past patience: the rule above.
    Settled,
    /// Those whole, quiet or not (and those past patience): on a flush.
    Whole,
    /// All of them: on shutdown.
    Everything,
}

/// The spans of one trace that were drawn, with their names.
#[derive(Debug, Default)]
pub(crate) struct DrawnSpans(HashMap<SpanId, Cow<'static, str>>);

impl DrawnSpans {
    /// The name of the drawn span `id`, if it was drawn.
    pub(crate) fn name(&self, id: SpanId) -> Option<&str> {
        self.0.get(&id).map(|name| &**name)
    }

    /// Whether anything of this trace was drawn before.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The names of the spans a trace's spans link to, where they are known.
#[derive(Debug, Default)]
pub(crate) struct LinkedNames(HashMap<SpanId, String>);

impl LinkedNames {
    /// The name of the linked span `id`, if it is known.
    pub(crate) fn name(&self, id: SpanId) -> Option<&str> {
        self.0.get(&id).map(String::as_str)
    }
}

#[cfg(test)]
impl FromIterator<(SpanId, String)> for LinkedNames {
    fn from_iter<I: IntoIterator<Item = (SpanId, String)>>(names: I) -> Self {
        LinkedNames(names.into_iter().collect())
    }
}

#[cfg(test)]
impl FromIterator<(SpanId, Cow<'static, str>)> for DrawnSpans {
    fn from_iter<I: IntoIterator<Item = (SpanId, Cow<'static, str>)>>(names: I) -> Self {
        DrawnSpans(names.into_iter().collect())
    }
}

/// The traces held, and the ones drawn recently.
#[derive(Debug)]
pub(crate) struct Traces {
    quiet: Duration,
    held: HashMap<TraceId, Held>,
    drawn: HashMap<TraceId, DrawnSpans>,
    /// Drawn traces, oldest first, to forget beyond [`REMEMBERED`].
    drawn_order: VecDeque<TraceId>,
    /// The spans held, in all traces.
    total: usize,
}

#[derive(Debug)]
struct Held {
    spans: Vec<SpanData>,
    /// The ids of `spans`.
    ids: HashSet<SpanId>,
    /// The parents some span held waits for: not held, not drawn, not remote.
    missing: HashSet<SpanId>,
    /// When its first span held arrived.
    first: Instant,
    /// When its latest span arrived.
    last: Instant,
    /// Drawn as soon as possible, whole or not: it went past a bound.
    early: bool,
}

impl Held {
    fn whole(&self) -> bool {
        self.missing.is_empty()
    }
}

impl Traces {
    /// No trace held yet; whole traces are drawn after `quiet`.
    pub(crate) fn new(quiet: Duration) -> Self {
        Traces {
            quiet,
            held: HashMap::new(),
            drawn: HashMap::new(),
            drawn_order: VecDeque::new(),
            total: 0,
        }
    }

    /// Holds `batch`, which arrived `now`.
    pub(crate) fn add(&mut self, batch: Vec<SpanData>, now: Instant) {
        self.total += batch.len();
        for span in batch {
            let trace = span.span_context.trace_id();
            let held = self.held.entry(trace).or_insert_with(|| Held {
                spans: Vec::new(),
                ids: HashSet::new(),
                missing: HashSet::new(),
                first: now,
                last: now,
                early: false,
            });
            let (id, parent) = (span.span_context.span_id(), span.parent_span_id);
            held.missing.remove(&id);
            held.ids.insert(id);
            let drawn = self.drawn.get(&trace);
            let present = parent == SpanId::INVALID
                || span.parent_span_is_remote
                || held.ids.contains(&parent)
                || drawn.is_some_and(|drawn| drawn.name(parent).is_some());
            if !present {
                held.missing.insert(parent);
            }
            held.last = now;
            held.spans.push(span);
            held.early |= held.spans.len() >= TRACE_SPANS;
        }
        self.bound();
    }

    /// Marks the oldest held traces to be drawn early, until what is left is within
    /// [`HELD_SPANS`].
    fn bound(&mut self) {
        let mut over = self
            .held
            .values()
            .filter(|held| !held.early)
            .map(|held| held.spans.len())
            .sum::<usize>()
            .saturating_sub(HELD_SPANS);
        if over == 0 {
            return;
        }
        let mut oldest: Vec<&mut Held> = self.held.values_mut().filter(|h| !h.early).collect();
        oldest.sort_unstable_by_key(|held| held.first);
        for held in oldest {
            if over == 0 {
                break;
            }
            held.early = true;
            over = over.saturating_sub(held.spans.len());
        }
    }

    /// How many spans are held, in all traces.
    #[cfg(test)]
    pub(crate) fn held_spans(&self) -> usize {
        self.total
    }

    /// When the next held trace becomes due under [`Draw::Settled`].
    pub(crate) fn next_due(&self) -> Option<Instant> {
        self.held.values().map(|held| self.due_at(held)).min()
    }

    /// Takes the traces due at `now` under `rule` and gives each to `draw`, in the
    /// order they started, with the spans of it drawn before, and whether it is
    /// drawn before it was whole because it went past a bound.
    pub(crate) fn take(
        &mut self,
        now: Instant,
        rule: Draw,
        mut draw: impl FnMut(&[SpanData], &DrawnSpans, &LinkedNames, bool),
    ) {
        let patience = self.patience();
        let mut due: Vec<_> = self
            .held
            .iter()
            .filter(|(_, held)| match rule {
                Draw::Settled => now >= self.due_at(held),
                Draw::Whole => held.whole() || held.early || now >= held.first + patience,
                Draw::Everything => true,
            })
            .map(|(trace, held)| {
                let start = held.spans.iter().map(|span| span.start_time).min();
                (start, u128::from_be_bytes(trace.to_bytes()), *trace)
            })
            .collect();
        due.sort_unstable_by_key(|&(start, id, _)| (start, id));
        for (_, _, trace) in due {
            let Some(held) = self.held.remove(&trace) else {
                continue;
            };
            self.total -= held.spans.len();
            let linked = self.linked_names(&held.spans);
            let drawn = self.drawn.entry(trace).or_insert_with(|| {
                self.drawn_order.push_back(trace);
                DrawnSpans::default()
            });
            draw(&held.spans, drawn, &linked, held.early && !held.whole());
            let names = held
                .spans
                .into_iter()
                .map(|span| (span.span_context.span_id(), span.name));
            drawn.0.extend(names);
        }
        while self.drawn_order.len() > REMEMBERED {
            if let Some(trace) = self.drawn_order.pop_front() {
                self.drawn.remove(&trace);
            }
        }
    }

    /// The names of the spans `spans` link to, among them and the spans drawn
    /// before (in any trace still remembered).
    fn linked_names(&self, spans: &[SpanData]) -> LinkedNames {
        let mut names = LinkedNames::default();
        for link in spans.iter().flat_map(|span| span.links.iter()) {
            let target = &link.span_context;
            let name = spans
                .iter()
                .find(|span| span.span_context.span_id() == target.span_id())
                .map(|span| &*span.name)
                .or_else(|| {
                    self.drawn
                        .get(&target.trace_id())
                        .and_then(|drawn| drawn.name(target.span_id()))
                });
            if let Some(name) = name {
                names.0.insert(target.span_id(), name.to_owned());
            }
        }
        names
    }

    fn patience(&self) -> Duration {
        PATIENCE.max(self.quiet)
    }

    fn due_at(&self, held: &Held) -> Instant {
        if held.early {
            held.first
        } else if held.whole() {
            held.last + self.quiet
        } else {
            held.first + self.patience()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::render::tests::span;

    const QUIET: Duration = Duration::from_millis(300);

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// The names of the spans of each trace drawn by `rule` at `now`, and whether
    /// that trace was drawn before.
    fn take(traces: &mut Traces, now: Instant, rule: Draw) -> Vec<(Vec<String>, bool)> {
        let mut out = Vec::new();
        traces.take(now, rule, |spans, drawn, _, _| {
            let mut names: Vec<String> = spans.iter().map(|s| s.name.to_string()).collect();
            names.sort();
            out.push((names, !drawn.is_empty()));
        });
        out
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|&name| name.to_owned()).collect()
    }

    #[test]
    fn a_link_to_a_trace_drawn_before_is_named() {
        let t0 = Instant::now();
        let mut traces = Traces::new(QUIET);
        let producer = span(1, 5, 0, "publish tasks", 0..10);
        let mut consumer = span(2, 9, 0, "process tasks", 20..30);
        consumer
            .links
            .links
            .push(opentelemetry::trace::Link::with_context(
                producer.span_context.clone(),
            ));
        traces.add(vec![producer], t0);
        traces.take(t0, Draw::Everything, |_, _, _, _| {});
        traces.add(vec![consumer], t0);
        let mut seen = None;
        traces.take(t0, Draw::Everything, |_, _, linked, _| {
            seen = linked.name(SpanId::from(5)).map(str::to_owned);
        });
        assert_eq!(seen.as_deref(), Some("publish tasks"));
    }

    #[test]
    fn a_whole_trace_waits_for_the_quiet_period() {
        let t0 = Instant::now();
        let mut traces = Traces::new(QUIET);
        traces.add(
            vec![span(1, 2, 1, "child", 10..20), span(1, 1, 0, "root", 0..30)],
            t0,
        );
        assert_eq!(traces.next_due(), Some(t0 + QUIET));
        assert!(take(&mut traces, t0 + ms(299), Draw::Settled).is_empty());
        let drawn = take(&mut traces, t0 + QUIET, Draw::Settled);
        assert_eq!(drawn, [(names(&["child", "root"]), false)]);
        assert_eq!(traces.next_due(), None);
    }

    #[test]
    fn a_child_in_a_later_batch_than_its_root_joins_its_tree() {
        let t0 = Instant::now();
        let mut traces = Traces::new(QUIET);
        traces.add(vec![span(1, 1, 0, "root", 0..30)], t0);
        // The child outlived the root and came with the next batch.
        traces.add(vec![span(1, 2, 1, "task", 10..40)], t0 + ms(200));
        assert!(
            take(&mut traces, t0 + QUIET, Draw::Settled).is_empty(),
            "quiet again from its arrival"
        );
        let drawn = take(&mut traces, t0 + ms(500), Draw::Settled);
        assert_eq!(drawn, [(names(&["root", "task"]), false)]);
    }

    #[test]
    fn a_root_with_a_remote_parent_makes_its_trace_whole() {
        let t0 = Instant::now();
        let mut traces = Traces::new(QUIET);
        let mut root = span(1, 1, 0xabc, "handle", 0..30);
        root.parent_span_is_remote = true;
        traces.add(vec![span(1, 2, 1, "query", 10..20)], t0);
        traces.add(vec![root], t0 + ms(100));
        let drawn = take(&mut traces, t0 + ms(400), Draw::Settled);
        assert_eq!(drawn, [(names(&["handle", "query"]), false)]);
    }

    #[test]
    fn children_wait_for_their_root_to_end() {
        let t0 = Instant::now();
        let mut traces = Traces::new(QUIET);
        traces.add(vec![span(1, 2, 1, "child", 10..20)], t0);
        assert_eq!(traces.next_due(), Some(t0 + PATIENCE));
        assert!(take(&mut traces, t0 + ms(5_000), Draw::Settled).is_empty());
        assert!(
            take(&mut traces, t0 + ms(5_000), Draw::Whole).is_empty(),
            "a flush leaves it too"
        );
        traces.add(vec![span(1, 1, 0, "root", 0..30)], t0 + ms(6_000));
        let drawn = take(&mut traces, t0 + ms(6_300), Draw::Settled);
        assert_eq!(drawn, [(names(&["child", "root"]), false)]);
    }

    #[test]
    fn a_trace_missing_a_parent_is_drawn_after_the_patience() {
        let t0 = Instant::now();
        let mut traces = Traces::new(QUIET);
        traces.add(vec![span(1, 2, 1, "orphan", 10..20)], t0);
        // Later spans of it do not put it off.
        traces.add(vec![span(1, 3, 1, "sibling", 20..30)], t0 + ms(9_999));
        let drawn = take(&mut traces, t0 + PATIENCE, Draw::Settled);
        assert_eq!(drawn, [(names(&["orphan", "sibling"]), false)]);
    }

    #[test]
    fn a_span_after_its_trace_was_drawn_continues_it() {
        let t0 = Instant::now();
        let mut traces = Traces::new(QUIET);
        traces.add(vec![span(1, 1, 0, "root", 0..30)], t0);
        assert_eq!(take(&mut traces, t0 + QUIET, Draw::Settled).len(), 1);
        traces.add(vec![span(1, 2, 1, "task", 10..5_000)], t0 + ms(5_000));
        assert_eq!(
            traces.next_due(),
            Some(t0 + ms(5_000) + QUIET),
            "whole: its parent was drawn"
        );
        let drawn = take(&mut traces, t0 + ms(5_300), Draw::Settled);
        assert_eq!(drawn, [(names(&["task"]), true)]);
    }

    #[test]
    fn a_flush_draws_whole_traces_without_waiting() {
        let t0 = Instant::now();
        let mut traces = Traces::new(QUIET);
        traces.add(
            vec![span(1, 1, 0, "done", 0..30), span(2, 2, 1, "open", 0..30)],
            t0,
        );
        assert_eq!(
            take(&mut traces, t0, Draw::Whole),
            [(names(&["done"]), false)]
        );
        assert_eq!(
            take(&mut traces, t0, Draw::Everything),
            [(names(&["open"]), false)]
        );
    }

    #[test]
    fn traces_are_drawn_in_the_order_they_started() {
        let t0 = Instant::now();
        let mut traces = Traces::new(QUIET);
        traces.add(
            vec![
                span(1, 1, 0, "later", 500..600),
                span(2, 2, 0, "earlier", 100..900),
            ],
            t0,
        );
        let drawn = take(&mut traces, t0, Draw::Everything);
        assert_eq!(
            drawn,
            [(names(&["earlier"]), false), (names(&["later"]), false)]
        );
    }

    #[test]
    fn only_the_latest_drawn_traces_are_remembered() {
        let t0 = Instant::now();
        let mut traces = Traces::new(QUIET);
        for trace in 1..=u128::try_from(REMEMBERED).unwrap() + 1 {
            traces.add(vec![span(trace, 1, 0, "root", 0..1)], t0);
            traces.take(t0, Draw::Everything, |_, _, _, _| {});
        }
        assert_eq!(traces.drawn.len(), REMEMBERED);
        assert!(
            !traces.drawn.contains_key(&TraceId::from(1)),
            "the oldest is forgotten"
        );
    }

    /// `n` children of root 1 (which has not ended) in trace `trace`.
    fn children(trace: u128, n: usize) -> Vec<SpanData> {
        (0..n)
            .map(|i| span(trace, 100 + i as u64, 1, "child", 0..1))
            .collect()
    }

    #[test]
    fn a_trace_reaching_its_bound_is_drawn_at_once_and_continued() {
        let t0 = Instant::now();
        let mut traces = Traces::new(QUIET);
        traces.add(children(1, TRACE_SPANS - 1), t0);
        assert!(
            take(&mut traces, t0, Draw::Settled).is_empty(),
            "its root has not ended"
        );
        traces.add(children(1, 1), t0);
        let mut early = Vec::new();
        traces.take(t0, Draw::Settled, |spans, _, _, is_early| {
            early.push((spans.len(), is_early))
        });
        assert_eq!(early, [(TRACE_SPANS, true)], "drawn at once, marked early");
        assert_eq!(traces.held_spans(), 0);
        // The root ends later: drawn as a continuation, whole.
        traces.add(vec![span(1, 1, 0, "root", 0..9)], t0 + ms(1));
        let drawn = take(&mut traces, t0 + ms(1) + QUIET, Draw::Settled);
        assert_eq!(drawn, [(names(&["root"]), true)]);
    }

    #[test]
    fn the_console_holds_at_most_its_bound_in_all() {
        let t0 = Instant::now();
        let mut traces = Traces::new(QUIET);
        let per_trace = TRACE_SPANS / 2;
        let traces_over = HELD_SPANS / per_trace + 2;
        for trace in 0..traces_over {
            let at = t0 + ms(trace as u64);
            traces.add(children(trace as u128 + 1, per_trace), at);
            traces.take(at, Draw::Settled, |_, _, _, _| {});
            assert!(traces.held_spans() <= HELD_SPANS, "{}", traces.held_spans());
        }
        // The oldest went first.
        assert!(!traces.held.contains_key(&TraceId::from(1)));
        assert!(traces
            .held
            .contains_key(&TraceId::from(traces_over as u128)));
    }

    #[test]
    fn many_children_in_small_batches_keep_the_wholeness_check_incremental() {
        let t0 = Instant::now();
        let mut traces = Traces::new(QUIET);
        // 1000 batches of one child each, then the root: whole only at the end.
        for i in 0..1000 {
            traces.add(vec![span(1, 100 + i, 1, "child", 0..1)], t0);
            assert!(!traces.held[&TraceId::from(1)].whole());
        }
        traces.add(vec![span(1, 1, 0, "root", 0..9)], t0);
        assert!(traces.held[&TraceId::from(1)].whole());
    }
}
