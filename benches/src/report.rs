//! From measurements to the report: per-case summaries, the tables, the charts,
//! and `BENCHMARKS.md`.

use crate::compile::CompileCost;
use crate::machine::Machine;
use crate::measure::{Case, Measured};
use crate::stats::Summary;
use crate::table::{Table, bars, number, ratio};
use crate::targets::{Outcome, Target, Verdict};
use std::fmt::Write as _;

/// One case, summarised over rounds.
#[derive(Clone, Debug)]
pub struct Row {
    pub case: Case,
    pub ns: Option<Summary>,
    pub cpu: Option<Summary>,
    /// Per-round ratio to [`Case::plain`].
    pub x_plain: Option<Summary>,
    /// Per-round ratio to [`Case::by_hand`].
    pub x_hand: Option<Summary>,
    pub allocs: f64,
    pub bytes: f64,
    /// Spans that arrived under [`Case::exports`], and calls made.
    pub spans: Option<(u64, u64)>,
    /// Instructions per call under callgrind (`--instructions`): on the calling
    /// thread, and over all threads.
    pub instructions: Option<(f64, f64)>,
}

/// A run's measurements, summarised.
#[derive(Clone, Debug)]
pub struct Results {
    pub rows: Vec<Row>,
    pub measured: Measured,
    /// Per case: the spans that arrived at the exporter while it ran.
    pub arrived: Vec<u64>,
}

impl Results {
    #[must_use]
    pub fn new(cases: &[Case], measured: Measured, arrived: Vec<u64>) -> Results {
        let mut results = Results {
            rows: Vec::new(),
            measured,
            arrived,
        };
        // Rows first, so that references can be looked up by id.
        results.rows = cases
            .iter()
            .enumerate()
            .map(|(i, case)| Row {
                case: case.clone(),
                ns: Summary::of(&results.measured.ns[i]),
                cpu: Summary::of(&results.measured.cpu_ns[i]),
                x_plain: None,
                x_hand: None,
                allocs: results.measured.allocs[i].0,
                bytes: results.measured.allocs[i].1,
                spans: case.exports.map(|_| {
                    (
                        results.arrived.get(i).copied().unwrap_or(0),
                        results.measured.calls[i],
                    )
                }),
                instructions: None,
            })
            .collect();
        for (i, case) in cases.iter().enumerate() {
            let x_plain = case
                .plain
                .and_then(|p| results.per_round_at(i, p, |a, b| a / b));
            let x_hand = case
                .by_hand
                .and_then(|h| results.per_round_at(i, h, |a, b| a / b));
            results.rows[i].x_plain = x_plain;
            results.rows[i].x_hand = x_hand;
        }
        results
    }

    fn index(&self, id: &str) -> Option<usize> {
        self.rows.iter().position(|r| r.case.id == id)
    }

    #[must_use]
    pub fn row(&self, id: &str) -> Option<&Row> {
        self.index(id).map(|i| &self.rows[i])
    }

    #[must_use]
    pub fn label(&self, id: &str) -> Option<&'static str> {
        self.row(id).map(|r| r.case.label)
    }

    /// `op(case, reference)` taken within each round, summarised over rounds.
    #[must_use]
    pub fn per_round(
        &self,
        case: &str,
        reference: &str,
        op: fn(f64, f64) -> f64,
    ) -> Option<Summary> {
        self.per_round_at(self.index(case)?, reference, op)
    }

    /// [`Results::per_round`] on the process CPU time per call.
    #[must_use]
    pub fn per_round_cpu(
        &self,
        case: &str,
        reference: &str,
        op: fn(f64, f64) -> f64,
    ) -> Option<Summary> {
        let (case, reference) = (self.index(case)?, self.index(reference)?);
        let (a, b) = (
            &self.measured.cpu_ns[case],
            &self.measured.cpu_ns[reference],
        );
        let values: Vec<f64> = a.iter().zip(b).map(|(x, y)| op(*x, *y)).collect();
        Summary::of(&values)
    }

    fn per_round_at(
        &self,
        case: usize,
        reference: &str,
        op: fn(f64, f64) -> f64,
    ) -> Option<Summary> {
        let reference = self.index(reference)?;
        let (a, b) = (&self.measured.ns[case], &self.measured.ns[reference]);
        let values: Vec<f64> = a.iter().zip(b).map(|(x, y)| op(*x, *y)).collect();
        Summary::of(&values)
    }

    /// The rows whose spans arrived short of the calls made (dropped by a full
    /// queue), or beyond them: (label — section, arrived, made).
    #[must_use]
    pub fn span_mismatches(&self) -> Vec<(String, u64, u64)> {
        self.rows
            .iter()
            .filter_map(|row| {
                let (arrived, made) = row.spans?;
                (arrived != made).then(|| {
                    (
                        format!("{} ({})", row.case.label, row.case.section),
                        arrived,
                        made,
                    )
                })
            })
            .collect()
    }

    fn sections(&self) -> Vec<&'static str> {
        let mut sections = Vec::new();
        for row in &self.rows {
            if !sections.contains(&row.case.section) {
                sections.push(row.case.section);
            }
        }
        sections
    }

    /// The cost table of one section.
    #[must_use]
    pub fn table(&self, section: &str) -> Table {
        let mut table = Table::new(&[
            "configuration",
            "ns/call",
            "IQR",
            "× plain",
            "× by hand",
            "CPU ns/call",
            "allocs/call",
            "bytes/call",
            "instr/call (thread)",
            "instr/call (all threads)",
            "spans arrived / made (dropped)",
        ]);
        let summary = |s: Option<Summary>| s.map_or(f64::NAN, |s| s.median);
        for row in self.rows.iter().filter(|r| r.case.section == section) {
            table.row(vec![
                row.case.label.to_owned(),
                number(summary(row.ns)),
                row.ns.map_or_else(String::new, |s| {
                    format!("{}–{}", number(s.p25), number(s.p75))
                }),
                row.x_plain
                    .map_or_else(|| "–".to_owned(), |s| ratio(s.median)),
                row.x_hand
                    .map_or_else(|| "–".to_owned(), |s| ratio(s.median)),
                number(summary(row.cpu)),
                format!("{:.2}", row.allocs),
                format!("{:.0}", row.bytes),
                row.instructions
                    .map_or_else(|| "–".to_owned(), |(t, _)| format!("{t:.0}")),
                row.instructions
                    .map_or_else(|| "–".to_owned(), |(_, a)| format!("{a:.0}")),
                row.spans.map_or_else(
                    || "–".to_owned(),
                    |(arrived, made)| format!("{arrived}/{made} ({})", dropped(arrived, made)),
                ),
            ]);
        }
        table
    }

    /// Bar charts of the median ns/call: calls that record a span, and calls that do not.
    #[must_use]
    pub fn charts(&self) -> String {
        let chart = |exporting: bool| {
            let values: Vec<(&str, f64)> = self
                .rows
                .iter()
                .filter(|r| r.case.exports.is_some() == exporting)
                .map(|r| (r.case.id, r.ns.map_or(0.0, |s| s.median)))
                .collect();
            bars(&values, 48, "ns")
        };
        format!(
            "Calls that record and export a span (median ns/call):\n\n{}\nCalls that record nothing (median ns/call, another scale):\n\n{}",
            chart(true),
            chart(false)
        )
    }
}

/// The share of `made` spans that did not arrive, as a percentage.
fn dropped(arrived: u64, made: u64) -> String {
    if made == 0 {
        return "–".to_owned();
    }
    #[allow(clippy::cast_precision_loss)]
    let share = made.saturating_sub(arrived) as f64 / made as f64 * 100.0;
    format!("{share:.1}%")
}

/// Everything the report shows.
#[derive(Debug)]
pub struct Document<'a> {
    pub results: &'a Results,
    pub targets: &'a [Target],
    pub machine: &'a Machine,
    /// The command that produced the numbers.
    pub command: &'a str,
    /// The source measured ([`crate::machine::source`]).
    pub source: &'a str,
    /// The 1-minute load average before and after the run.
    pub load: (&'a str, &'a str),
    pub compile: Option<&'a CompileCost>,
    /// What each configuration does exactly (Markdown).
    pub configurations: &'a str,
    /// Why the missed targets are missed: the profiles (Markdown, written by hand
    /// in `benches/profiles.md`).
    pub profiles: Option<&'a str>,
    /// The export throughput table the throughput bench left in
    /// `benches/throughput.md` (Markdown).
    pub throughput: Option<&'a str>,
    /// The same against a slow collector, from `benches/throughput-slow.md`.
    pub throughput_slow: Option<&'a str>,
    /// What a request costs with each HTTP and gRPC server layer, from
    /// `benches/services.md`.
    pub services: Option<&'a str>,
    /// What a query and a message cost with traced-sqlx and traced-lapin, from
    /// `benches/messages_queries.md`.
    pub messages_queries: Option<&'a str>,
    /// What `#[traced(metrics)]` adds to a call, from `benches/metrics.md`.
    pub metrics: Option<&'a str>,
    /// What a `tracing` event costs with traced-tracing and with
    /// tracing-opentelemetry, from `benches/events.md`.
    pub events: Option<&'a str>,
    /// The export queues' size: each tool's default (2048 spans), or one large
    /// enough that nothing is dropped (`--large-queue`).
    pub queue: &'a str,
    /// The sampled rows again with the large queue, from
    /// `benches/overhead-large-queue.md`.
    pub large_queue: Option<&'a str>,
}

/// A section holding a table another bench wrote, or the command that writes it.
fn included(out: &mut String, title: &str, table: Option<&str>, command: &str) {
    let _ = write!(out, "## {title}\n\n");
    match table {
        Some(table) => out.push_str(table.trim()),
        None => {
            let _ = write!(out, "Not measured yet: run `{command}`.");
        }
    }
    out.push_str("\n\n");
}

impl Document<'_> {
    /// The per-call tables of the sections that export spans, for
    /// `benches/overhead-large-queue.md`.
    #[must_use]
    pub fn sampled_tables(&self) -> String {
        let mut out = format!(
            "- **Command:** `{}` ({}).\n- **Machine:** {}.\n- **Export queues:** {}.\n\n",
            self.command,
            self.source,
            self.machine.line(),
            self.queue
        );
        out += &self.section_tables();
        let _ = writeln!(out, "{}", self.spans_line());
        out
    }

    /// Each section's per-call table, in Markdown.
    fn section_tables(&self) -> String {
        let mut out = String::new();
        for section in self.results.sections() {
            let _ = write!(
                out,
                "### {section}\n\n{}\n",
                self.results.table(section).markdown()
            );
        }
        out
    }

    #[must_use]
    pub fn outcomes(&self) -> Vec<Outcome> {
        self.targets
            .iter()
            .map(|t| t.evaluate(self.results, self.compile))
            .collect()
    }

    fn targets_table(&self) -> Table {
        let mut table = Table::new(&[
            "target",
            "configuration",
            "goal",
            "measured (median over rounds)",
            "verdict",
        ])
        .text_only();
        for o in self.outcomes() {
            let verdict = match o.verdict {
                Verdict::Missed => format!("**{}**", o.verdict.word()),
                _ => o.verdict.word().to_owned(),
            };
            table.row(vec![
                o.what.to_owned(),
                o.subject,
                o.goal,
                o.measured,
                verdict,
            ]);
        }
        table
    }

    fn spans_line(&self) -> String {
        let mismatches = self.results.span_mismatches();
        if mismatches.is_empty() {
            let total: u64 = self.results.arrived.iter().sum();
            return format!(
                "Spans arrived at the exporters: {total}, exactly the calls made while sampled, in every configuration."
            );
        }
        let mut out = String::from("Spans not exported (the queue was full when they ended): ");
        for (i, (label, arrived, made)) in mismatches.iter().enumerate() {
            let sep = if i == 0 { "" } else { "; " };
            let _ = write!(
                out,
                "{sep}{label}: {arrived} of {made} ({} dropped)",
                dropped(*arrived, *made)
            );
        }
        out.push('.');
        out
    }

    /// The report for a terminal.
    #[must_use]
    pub fn text(&self) -> String {
        let mut out = format!(
            "{}\nsource: {}\nload average: {} before, {} after\n\n",
            self.machine.line(),
            self.source,
            self.load.0,
            self.load.1
        );
        for section in self.results.sections() {
            let _ = write!(
                out,
                "== {section}\n{}\n",
                self.results.table(section).text()
            );
        }
        let _ = writeln!(out, "{}\n", self.spans_line());
        let _ = write!(out, "== targets\n{}", self.targets_table().text());
        if let Some(compile) = self.compile {
            let _ = write!(
                out,
                "\n== compile cost (from benches/compile-cost.md)\n{}",
                compile.markdown.trim()
            );
            out.push('\n');
        }
        out
    }

    /// `BENCHMARKS.md`.
    #[must_use]
    pub fn markdown(&self) -> String {
        let m = self.machine;
        let plan = self.results.measured.plan.unwrap_or_default();
        let mut out = String::new();
        let _ = write!(
            out,
            "# Benchmarks\n\n\
             Written by `{}` — do not edit by hand; run it again.\n\n\
             The cost of one call of a tiny function, `fn work(a: u64, b: &str, c: bool) -> Result<u64, WorkError>`, \
             plain and instrumented every way [issue 4](#targets-of-issue-4) lists, measured side by side in one process and one run.\n\n",
            self.command
        );
        let _ = write!(
            out,
            "## Machine\n\n\
             | | |\n|---|---|\n\
             | CPU | {} |\n| cores | {} |\n| memory | {} |\n| kernel | Linux {} |\n| compiler | {} |\n| date | {} UTC |\n| source measured | {} |\n| load average (1 min) | {} before the run, {} after |\n\n\
             The machine has {} cores and the exporters' background threads (the SDK's batch span processor, fastrace's collector) run on them too: \
             while the measured thread makes calls, the export thread works on the other core, and on a busy machine it would take time from the caller. \
             `ns/call` is what the calling thread waits; `CPU ns/call` adds the export thread's work. \
             The run itself keeps about one core busy, more while spans are exported; a load average well above that \
             before the run means another process shared the machine.\n\n",
            m.cpu,
            m.cores,
            m.memory,
            m.kernel,
            m.rustc,
            m.date,
            self.source,
            self.load.0,
            self.load.1,
            m.cores
        );
        let _ = write!(
            out,
            "## Targets\n\nThe targets of issue 16 (issue 14's for the switched-off call site, issue 4's for the compile cost), each verdict computed from the numbers below.\n\n{}\n",
            self.targets_table().markdown()
        );
        let _ = writeln!(out, "{}\n", self.spans_line());
        if let Some(profiles) = self.profiles {
            out += "## Where a target is missed, and why\n\n";
            out += profiles.trim();
            out += "\n\n";
        }
        let _ = write!(
            out,
            "## Per-call cost\n\nExport queues: {}.\n\n",
            self.queue
        );
        out += &self.section_tables();
        let _ = write!(out, "## Chart\n\n```text\n{}```\n\n", self.results.charts());
        included(
            &mut out,
            "Sampled rows with a queue that drops nothing (not the default settings)",
            self.large_queue,
            "cargo bench -p traced-benches --bench overhead -- --large-queue --write benches/overhead-large-queue.md",
        );
        included(
            &mut out,
            "Export throughput",
            self.throughput,
            "cargo bench -p traced-benches --bench throughput -- --write",
        );
        if let Some(slow) = self.throughput_slow {
            out += "### Against a slow collector\n\n";
            out += slow.trim();
            out += "\n\n";
        }
        included(
            &mut out,
            "HTTP and gRPC services",
            self.services,
            "cargo bench -p traced-benches --bench services -- --write",
        );
        included(
            &mut out,
            "RabbitMQ and SQL",
            self.messages_queries,
            "cargo bench -p traced-benches --bench messages_queries -- --instructions --write",
        );
        included(
            &mut out,
            "Metrics",
            self.metrics,
            "cargo bench -p traced-benches --bench metrics -- --instructions --write",
        );
        included(
            &mut out,
            "Events from `tracing`",
            self.events,
            "cargo bench -p traced-benches --bench events -- --instructions --write",
        );
        out += "## Compile cost\n\n";
        match self.compile {
            Some(compile) => out += compile.markdown.trim(),
            None => out += "Not measured yet: run `bash benches/compile-cost.sh`.",
        }
        out += "\n\n";
        let _ = write!(
            out,
            "## Commands\n\n\
             ```sh\n\
             # the per-call tables, the targets and this file (CARGO_TARGET_DIR as you like)\n\
             cargo bench -p traced-benches --bench overhead -- --write BENCHMARKS.md\n\
             # the sampled rows again with queues that drop nothing (benches/overhead-large-queue.md, included on the next --write)\n\
             cargo bench -p traced-benches --bench overhead -- --large-queue --write benches/overhead-large-queue.md\n\
             # the compile-cost table (benches/compile-cost.md, included above on the next --write)\n\
             bash benches/compile-cost.sh\n\
             # the export throughput table (benches/throughput.md, included above on the next --write)\n\
             cargo bench -p traced-benches --bench throughput -- --write\n\
             # the same against a collector answering in 5 s (benches/throughput-slow.md)\n\
             cargo bench -p traced-benches --bench throughput -- --slow 5000 --runs 1 --write\n\
             # what a request costs with each HTTP and gRPC server layer (benches/services.md)\n\
             cargo bench -p traced-benches --bench services -- --write\n\
             # what traced-sqlx adds to a query and traced-lapin to a message (benches/messages_queries.md;\n\
             # RabbitMQ at AMQP_ADDR, valgrind for the instruction counts)\n\
             cargo bench -p traced-benches --bench messages_queries -- --instructions --write\n\
             # what #[traced(metrics)] adds to a call, beside a hand-written histogram and autometrics\n\
             # (benches/metrics.md; valgrind for the instruction counts)\n\
             cargo bench -p traced-benches --bench metrics -- --instructions --write\n\
             # what a tracing event costs with traced-tracing and with tracing-opentelemetry, and the ids\n\
             # on a fmt line (benches/events.md; valgrind for the instruction counts)\n\
             cargo bench -p traced-benches --bench events -- --instructions --write\n\
             # one configuration alone, under a profiler\n\
             cargo bench -p traced-benches --bench overhead --no-run   # prints the binary's path\n\
             perf record -g <binary> --only traced/sync/ok/sampled --rounds 50\n\
             # instructions per call of each traced/* configuration, under callgrind\n\
             bash benches/instructions.sh\n\
             ```\n\n\
             `--rounds N`, `--batches N` and `--batch-ms MS` change the plan; `--quick` is a smoke run whose numbers are not worth quoting; \
             `--only A,B` keeps the configurations whose id contains `A` or `B`, `--only =A` the one whose id is `A` (the ids are the labels of the chart).\n\n"
        );
        let _ = write!(
            out,
            "## How to read them\n\n\
             - **ns/call**: wall time per call on the calling thread. Each round times every configuration over {batches} batches \
             of N calls (N is chosen per configuration so a batch lasts about {batch_ms} ms, at most 8000 for a configuration that exports spans) and keeps the median batch; \
             the table gives the median of {rounds} rounds and the interquartile range (IQR) over rounds. Configurations run in a different order every round.\n\
             - **× plain**, **× by hand**: ratios taken *within each round* against the uninstrumented function on the same path \
             (sync or async, `Ok` or `Err`) and against the hand-written OpenTelemetry code that does the same thing \
             (same sampling, same path, span made current), then the median over rounds. A ratio is what to quote; \
             absolute nanoseconds move with the machine.\n\
             - **CPU ns/call**: CPU time of the whole process (every thread) from the first batch of a round to the end of the flush that follows it, \
             per call: it includes the exporter thread's work on the spans. Close to ns/call when nothing is exported.\n\
             - **allocs/call**, **bytes/call**: allocations the calling thread asks for per call, counted by a counting global allocator over {alloc} calls (at most a batch) \
             that follow {alloc_warm} calls of warm-up, in batches that each end with the flush a round ends with: a tracer fetched once per provider change does not count, nor do the span records traced's pipeline allocates \
             while its pool of spare records grows to the spans in flight (a few thousand records, once per process). The exporter thread's allocations are not in it.\n\
             - **instr/call (thread)**, **(all threads)**: instructions per call counted by callgrind (`--instructions`): the bench binary \
             run again for one configuration alone with 10 000 and with 30 000 calls (`--calls N`, in the configuration's own batches, each \
             followed by its flush). *thread* is what runs inside the loop that makes the calls, on the calling (main) thread, per call of \
             the longer run; *all threads* adds the other threads' (export) counts, differenced between the two runs so that their setup \
             cancels. They reproduce on a noisy machine where nanoseconds do not.\n\
             - **spans arrived / made (dropped)**: spans the counting exporter received while this configuration ran / calls it made while sampled \
             (warm-ups included), after the flush that ends each of its runs. Export queues: {queue}. A span that ends while its queue is full is \
             dropped, as the specification's batch processor does; the share dropped stands beside every figure.\n\
             - The targets compare medians of per-round differences or ratios; the IQR shows how firm a verdict is.\n\
             - Allocation goes through the system allocator (glibc malloc here, wrapped by the counting allocator). With spans exported, \
             the export thread frees what the calling thread allocated, so allocator locks, page faults and the export thread's wake-ups \
             are part of every sampled row: a different allocator or a different span processor moves all the sampled rows.\n\n",
            batches = plan.batches,
            batch_ms = plan.batch_time.as_secs_f64() * 1e3,
            rounds = plan.rounds,
            alloc = plan.alloc_calls,
            alloc_warm = plan.alloc_warm_up,
            queue = self.queue,
        );
        let _ = write!(
            out,
            "## The configurations\n\n{}\n",
            self.configurations.trim()
        );
        out
    }
}
