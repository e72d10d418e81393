//! Issue 15: what a `tracing` event costs inside a sampled span with
//! traced-tracing's layer, against the same event under tracing-opentelemetry,
//! and what the ids cost on a log line.
//!
//! ```text
//! cargo bench -p traced-benches --bench events                          # the table on stdout
//! cargo bench -p traced-benches --bench events -- --instructions --write  # and benches/events.md,
//!                                                                         # which BENCHMARKS.md includes
//! ```
//!
//! Options (after `--`): `--calls N` per row and round (default 50 000),
//! `--rounds R` (default 21), `--only ROW` (that row alone, for callgrind),
//! `--instructions`, `--write`.
//!
//! Every row calls `work(a: u64, b: &str, c: bool)` under a sampled span, with
//! traced-sdk's setup and its default queue exporting into a counting exporter;
//! an event row logs `tracing::info!(a, b, c, "work")` in it. The event's cost is
//! an event row minus its span-only row, in the same round.

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;
use traced_benches::alloc::CountingAlloc;
use traced_benches::cli;
use traced_benches::export::Counting;
use traced_benches::machine::{self, Machine};
use traced_benches::measure::{costs_per_call, instructions_per_call};
use traced_benches::stats::{Summary, median};
use tracing_subscriber::layer::SubscriberExt as _;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

#[traced::traced]
#[inline(never)]
fn traced_span(a: u64, b: &str, c: bool) -> u64 {
    a ^ b.len() as u64 ^ u64::from(c)
}

#[traced::traced]
#[inline(never)]
fn traced_event(a: u64, b: &str, c: bool) -> u64 {
    tracing::info!(a, b, c, "work");
    a ^ b.len() as u64 ^ u64::from(c)
}

#[tracing::instrument]
#[inline(never)]
fn instrument_span(a: u64, b: &str, c: bool) -> u64 {
    a ^ b.len() as u64 ^ u64::from(c)
}

#[tracing::instrument]
#[inline(never)]
fn instrument_event(a: u64, b: &str, c: bool) -> u64 {
    tracing::info!(a, b, c, "work");
    a ^ b.len() as u64 ^ u64::from(c)
}

/// Which subscriber a row runs under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum With {
    /// `EventsLayer` alone.
    Events,
    /// tracing-opentelemetry's layer, at its defaults.
    TracingOtel,
    /// A fmt layer writing to `io::sink`, and `EventsLayer`.
    Fmt,
    /// The same with `WithTraceIds`.
    FmtIds,
}

struct Row {
    id: &'static str,
    label: &'static str,
    with: With,
    work: fn(u64, &str, bool) -> u64,
}

const ROWS: &[Row] = &[
    Row {
        id: "traced/span",
        label: "#[traced], no event (EventsLayer installed)",
        with: With::Events,
        work: traced_span,
    },
    Row {
        id: "traced/event",
        label: "#[traced] + `info!` → EventsLayer",
        with: With::Events,
        work: traced_event,
    },
    Row {
        id: "instrument/span",
        label: "#[instrument], no event (tracing-opentelemetry)",
        with: With::TracingOtel,
        work: instrument_span,
    },
    Row {
        id: "instrument/event",
        label: "#[instrument] + `info!` → tracing-opentelemetry",
        with: With::TracingOtel,
        work: instrument_event,
    },
    Row {
        id: "fmt/line",
        label: "#[traced] + `info!`, a fmt line (to `io::sink`)",
        with: With::Fmt,
        work: traced_event,
    },
    Row {
        id: "fmt/ids",
        label: "#[traced] + `info!`, a fmt line with `WithTraceIds`",
        with: With::FmtIds,
        work: traced_event,
    },
];

fn dispatch(with: With) -> tracing::Dispatch {
    let events = traced_tracing::EventsLayer::new();
    match with {
        With::Events => tracing::Dispatch::new(tracing_subscriber::registry().with(events)),
        With::TracingOtel => tracing::Dispatch::new(tracing_subscriber::registry().with(
            tracing_opentelemetry::layer().with_tracer(opentelemetry::global::tracer("events")),
        )),
        With::Fmt => tracing::Dispatch::new(
            tracing_subscriber::registry()
                .with(events)
                .with(tracing_subscriber::fmt::layer().with_writer(std::io::sink)),
        ),
        With::FmtIds => tracing::Dispatch::new(
            tracing_subscriber::registry().with(events).with(
                tracing_subscriber::fmt::layer()
                    .with_writer(std::io::sink)
                    .event_format(traced_tracing::WithTraceIds::new(
                        tracing_subscriber::fmt::format(),
                    )),
            ),
        ),
    }
}

/// (thread ns/call, process ns/call, allocations/call) of `calls` calls.
fn batch(row: &Row, dispatch: &tracing::Dispatch, calls: u64) -> (f64, f64, f64) {
    tracing::dispatcher::with_default(dispatch, || {
        costs_per_call(calls, |i| {
            black_box((row.work)(
                black_box(i),
                black_box("user-7"),
                black_box(true),
            ));
        })
    })
}

fn setup(exported: &Counting) -> traced_sdk::TracingGuard {
    traced_sdk::Setup::new("traced-benches", "0.1.0")
        .environment(|_| None)
        .sampler(traced_sdk::SamplerKind::AlwaysOn)
        .exporter(exported.clone())
        .metrics_exporters(&[])
        .install()
}

#[allow(clippy::too_many_lines)]
fn main() {
    let (mut calls, mut rounds, mut only, mut instructions, mut write) =
        (50_000_u64, 21_usize, None::<String>, false, false);
    let mut args = cli::arguments().into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--calls" => calls = cli::number(args.next(), "--calls"),
            "--rounds" => rounds = cli::number(args.next(), "--rounds"),
            "--only" => only = args.next(),
            "--instructions" => instructions = true,
            "--write" => write = true,
            _ => {}
        }
    }
    let exported = Counting::default();
    if let Some(only) = only {
        let row = ROWS.iter().find(|r| r.id == only).expect("a row id");
        let tracing = setup(&exported);
        batch(row, &dispatch(row.with), calls);
        drop(tracing);
        return;
    }
    let load_before = machine::load_average();
    let tracing = setup(&exported);
    let dispatches: Vec<tracing::Dispatch> = ROWS.iter().map(|r| dispatch(r.with)).collect();
    for (row, d) in ROWS.iter().zip(&dispatches) {
        batch(row, d, 1000);
    }
    let mut thread = vec![Vec::new(); ROWS.len()];
    let mut process = vec![Vec::new(); ROWS.len()];
    let mut allocs = vec![0.0; ROWS.len()];
    for round in 0..rounds {
        let mut order: Vec<usize> = (0..ROWS.len()).collect();
        order.rotate_left(round % ROWS.len());
        for i in order {
            let (t, p, a) = batch(&ROWS[i], &dispatches[i], calls);
            thread[i].push(t);
            process[i].push(p);
            allocs[i] = a;
        }
        // Let the export thread catch up between rounds: the rows measure the
        // calling thread, not a full queue.
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(dispatches);
    drop(tracing);
    let load_after = machine::load_average();
    #[allow(clippy::cast_precision_loss)]
    let sent = (ROWS.len() as u64) * (rounds as u64 * calls + 1000);
    let instructions: Vec<Option<f64>> = ROWS
        .iter()
        .map(|r| {
            if !instructions {
                return None;
            }
            instructions_per_call(r.id, 10_000, 20_000)
        })
        .collect();

    let at = |id: &str| ROWS.iter().position(|r| r.id == id).expect("a row");
    let diff = |a: &str, b: &str| -> Summary {
        let per_round: Vec<f64> = thread[at(a)]
            .iter()
            .zip(&thread[at(b)])
            .map(|(x, y)| x - y)
            .collect();
        Summary::of(&per_round).expect("rounds")
    };
    let machine = Machine::detect();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "- **Command:** `cargo bench -p traced-benches --bench events -- --instructions --write` (source {}).",
        machine::source(&Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
    );
    let _ = writeln!(out, "- **Machine:** {}.", machine.line());
    let _ = writeln!(
        out,
        "- **Load average** (1 min) before and after: {load_before}, {load_after}."
    );
    let _ = writeln!(
        out,
        "- **Rounds:** {rounds} × {calls} calls per row, in a different order each round, all sampled, with traced-sdk's setup at its default queue into a counting exporter. *Thread* is the calling thread's CPU time per call, *process* all threads'; medians over rounds. Instructions per call from callgrind (runs of 20 000 and 10 000 calls, differenced).\n"
    );
    out.push_str("| row | thread ns/call | process ns/call | instructions/call | allocations/call |\n|---|---:|---:|---:|---:|\n");
    for (i, row) in ROWS.iter().enumerate() {
        let _ = writeln!(
            out,
            "| {} | {:.1} | {:.1} | {} | {:.2} |",
            row.label,
            median(&thread[i]),
            median(&process[i]),
            instructions[i].map_or("—".into(), |n| format!("{n:.0}")),
            allocs[i],
        );
    }
    let ours = diff("traced/event", "traced/span");
    let theirs = diff("instrument/event", "instrument/span");
    let ids = diff("fmt/ids", "fmt/line");
    let instr = |a: &str, b: &str| match (instructions[at(a)], instructions[at(b)]) {
        (Some(x), Some(y)) => format!(", {:+.0} instructions", x - y),
        _ => String::new(),
    };
    let ratio = ours.median / theirs.median;
    let _ = writeln!(
        out,
        "\n| measure | figure | target | verdict |\n|---|---:|---:|---|\n\
         | an event with EventsLayer | {:+.1} ns (IQR {:+.1} … {:+.1}){} | | |\n\
         | the same event under tracing-opentelemetry | {:+.1} ns (IQR {:+.1} … {:+.1}){} | | |\n\
         | ratio | {ratio:.2}× | ≤ 0.5× | {} |\n\
         | the ids on a fmt line (`WithTraceIds`) | {:+.1} ns (IQR {:+.1} … {:+.1}){} | | |",
        ours.median,
        ours.p25,
        ours.p75,
        instr("traced/event", "traced/span"),
        theirs.median,
        theirs.p25,
        theirs.p75,
        instr("instrument/event", "instrument/span"),
        if ratio <= 0.5 { "met" } else { "missed" },
        ids.median,
        ids.p25,
        ids.p75,
        instr("fmt/ids", "fmt/line"),
    );
    let _ = writeln!(
        out,
        "\nSpans exported: {} of {sent} made (the rest dropped by the default queue).",
        exported.count()
    );
    print!("{out}");
    if write {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("events.md");
        std::fs::write(&path, &out).expect("benches/events.md written");
        eprintln!("events: wrote {}", path.display());
    }
}
