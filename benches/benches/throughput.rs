//! Issue 11: how many spans per second `traced-sdk` exports from one application
//! thread with its default settings, to a loopback collector that answers at once,
//! over OTLP/gRPC and OTLP/HTTP, and how many it drops at each offered rate.
//!
//! ```text
//! cargo bench -p traced-benches --bench throughput                   # the table on stdout
//! cargo bench -p traced-benches --bench throughput -- --write        # and benches/throughput.md,
//!                                                                    # which BENCHMARKS.md includes
//! ```
//!
//! Options (after `--`): `--seconds S` (how long each rate is offered, default 2),
//! `--runs N` (runs of each configuration, default 3: the median one is shown),
//! `--rates A,B` (spans per second, default 100000,200000,500000,1000000), `--write`,
//! `--slow MS`: the receiver answers each request after MS ms, a slow collector
//! (default rates then 400,800,1600 for 10 s each; `--write` writes
//! benches/throughput-slow.md, which BENCHMARKS.md includes too):
//!
//! ```text
//! cargo bench -p traced-benches --bench throughput -- --slow 5000 --runs 1 --write
//! ```
//!
//! Each configuration starts a fresh counting receiver (`traced_otlp_receiver::
//! Receiver::start_counting`: it counts the spans of each request by walking the
//! protobuf wire format and answers at once, on a thread of its own) and a fresh
//! `traced_sdk::Setup` with no environment (every setting at its default; the
//! sampler `AlwaysOn`, so that every call is a span to export). The application
//! thread calls a `#[traced]` function with three arguments (the overhead bench's
//! `work`) at the offered rate, paced against the clock (sleeping when ahead of
//! it, so that it leaves the cores to the exporter); a rate the thread cannot
//! reach is offered as fast as it can, and the table says so. Then the guard shuts
//! down (within its 5 s timeout) and the receiver's count settles. Dropped spans
//! are those made and never received.

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::{Duration, Instant};
use traced_benches::cli::{self, number};
use traced_benches::machine::{self, Machine};
use traced_otlp_receiver::{Answer, Options as ReceiverOptions, Receiver};
use traced_sdk::{ExporterKind, Protocol, SamplerKind};

#[derive(Debug)]
pub struct WorkError;

impl std::fmt::Display for WorkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("work failed")
    }
}

#[traced::traced(record_err)]
fn work(a: u64, b: &str, c: bool) -> Result<u64, WorkError> {
    if c {
        Ok(a.wrapping_add(b.len() as u64))
    } else {
        Err(WorkError)
    }
}

struct Options {
    seconds: f64,
    runs: usize,
    rates: Vec<u64>,
    write: bool,
    /// How long the receiver takes to answer each request, if not at once.
    slow: Option<Duration>,
    args: Vec<String>,
}

fn options() -> Options {
    let args = cli::arguments();
    let mut options = Options {
        seconds: 2.0,
        runs: 3,
        rates: vec![100_000, 200_000, 500_000, 1_000_000],
        write: false,
        slow: None,
        args: args.clone(),
    };
    let (mut rates_given, mut seconds_given) = (false, false);
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => {
                options.seconds = number(args.next(), "--seconds");
                seconds_given = true;
            }
            "--slow" => options.slow = Some(Duration::from_millis(number(args.next(), "--slow"))),
            "--runs" => options.runs = number::<usize>(args.next(), "--runs").max(1),
            "--rates" => {
                rates_given = true;
                options.rates = args
                    .next()
                    .unwrap_or_default()
                    .split(',')
                    .map(|r| number(Some(r.to_owned()), "--rates"))
                    .collect();
            }
            "--write" => options.write = true,
            other => {
                eprintln!("unknown option {other}; see the bench's doc comment");
                std::process::exit(2);
            }
        }
    }
    if options.slow.is_some() {
        if !rates_given {
            options.rates = vec![400, 800, 1600];
        }
        if !seconds_given {
            options.seconds = 10.0;
        }
    }
    options
}

/// What one configuration did, in its median run (by spans received), with the
/// range of the drop share over all its runs.
struct Row {
    runs: usize,
    dropped_range: (f64, f64),
    protocol: &'static str,
    offered: u64,
    made: u64,
    achieved: f64,
    received: u64,
    shutdown: Duration,
    /// The share of CPU time the hypervisor took during the run, in percent.
    stolen: Option<f64>,
}

/// `runs` runs of one configuration: the median one, with the range of drops.
fn median_run(options: &Options, protocol: Protocol, rate: u64) -> Row {
    let runs = options.runs;
    let mut rows: Vec<Row> = (0..runs)
        .map(|_| run(protocol, rate, options.seconds, options.slow))
        .collect();
    let share = |row: &Row| {
        #[allow(clippy::cast_precision_loss)]
        let share = 100.0 * row.made.saturating_sub(row.received) as f64 / row.made.max(1) as f64;
        share
    };
    let shares: Vec<f64> = rows.iter().map(share).collect();
    let range = (
        shares.iter().copied().fold(f64::INFINITY, f64::min),
        shares.iter().copied().fold(0.0, f64::max),
    );
    rows.sort_by_key(|row| row.received);
    let mut row = rows.swap_remove(runs / 2);
    row.runs = runs;
    row.dropped_range = range;
    row
}

fn run(protocol: Protocol, rate: u64, seconds: f64, slow: Option<Duration>) -> Row {
    let ticks = machine::cpu_ticks();
    let receiver = Receiver::start_with(&ReceiverOptions {
        counting: true,
        answer: slow.map_or(Answer::Accept, Answer::Slow),
        ..ReceiverOptions::default()
    });
    let endpoint = match protocol {
        Protocol::Grpc => receiver.grpc_endpoint(),
        Protocol::HttpProtobuf => format!("{}/v1/traces", receiver.http_endpoint()),
    };
    let guard = traced_sdk::setup!()
        .environment(|_| None)
        .exporters(&[ExporterKind::Otlp])
        .otlp_endpoint(endpoint)
        .otlp_protocol(protocol)
        .sampler(SamplerKind::AlwaysOn)
        .install();
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let total = (rate as f64 * seconds) as u64;
    let start = Instant::now();
    let mut made = 0u64;
    while made < total {
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let due = ((start.elapsed().as_secs_f64() * rate as f64) as u64).min(total);
        if made >= due {
            // Ahead of the clock: sleep until the next span is due, leaving the
            // cores to the exporter and the receiver, as a real caller would.
            #[allow(clippy::cast_precision_loss)]
            let next = Duration::from_secs_f64((made + 1) as f64 / rate as f64);
            std::thread::sleep(next.saturating_sub(start.elapsed()));
            continue;
        }
        while made < due {
            let _ = black_box(work(black_box(made), black_box("abc"), black_box(true)));
            made += 1;
        }
    }
    let offering = start.elapsed();
    let stopping = Instant::now();
    drop(guard.shutdown());
    let shutdown = stopping.elapsed();
    let received =
        receiver.wait_for_count(made, Duration::from_secs(10), Duration::from_millis(500));
    Row {
        runs: 1,
        dropped_range: (0.0, 0.0),
        protocol: match protocol {
            Protocol::Grpc => "gRPC",
            Protocol::HttpProtobuf => "HTTP/protobuf",
        },
        offered: rate,
        made,
        #[allow(clippy::cast_precision_loss)]
        achieved: made as f64 / offering.as_secs_f64(),
        received,
        shutdown,
        stolen: machine::stolen_share(ticks, machine::cpu_ticks()),
    }
}

fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| transport | offered spans/s | reached spans/s | spans made | received | dropped | dropped % | dropped %, all runs | shutdown | CPU stolen % |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for row in rows {
        let dropped = row.made.saturating_sub(row.received);
        #[allow(clippy::cast_precision_loss)]
        let share = 100.0 * dropped as f64 / row.made.max(1) as f64;
        let _ = writeln!(
            out,
            "| {} | {} | {:.0} | {} | {} | {} | {:.1} | {:.1} … {:.1} ({} runs) | {} ms | {} |",
            row.protocol,
            row.offered,
            row.achieved,
            row.made,
            row.received,
            dropped,
            share,
            row.dropped_range.0,
            row.dropped_range.1,
            row.runs,
            row.shutdown.as_millis(),
            row.stolen
                .map_or_else(|| "?".to_owned(), |s| format!("{s:.1}"))
        );
    }
    out
}

fn main() {
    let options = options();
    let load_before = machine::load_average();
    let mut rows = Vec::new();
    for protocol in [Protocol::Grpc, Protocol::HttpProtobuf] {
        for &rate in &options.rates {
            eprintln!(
                "throughput: {protocol:?} at {rate} spans/s for {} s ...",
                options.seconds
            );
            rows.push(median_run(&options, protocol, rate));
        }
    }
    let load_after = machine::load_average();
    let machine = Machine::detect();
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut command = String::from("cargo bench -p traced-benches --bench throughput");
    if !options.args.is_empty() {
        let _ = write!(command, " -- {}", options.args.join(" "));
    }
    let text = format!(
        "Measured by `{command}` on {}; source: {}; load average (1 min) {load_before} before, {load_after} after.\n\n\
         One application thread calls `#[traced(record_err)] fn work(a: u64, b: &str, c: bool)` at the offered \
         rate for {} s, with `traced_sdk::setup!()` at its defaults (no environment; sampler `AlwaysOn`) exporting \
         over OTLP to a counting `traced_otlp_receiver::Receiver` on loopback, a receiver that counts each \
         request's spans without decoding them as they arrive and answers {answer}, on a thread of its own on the same machine. \
         *Reached* is the rate the thread managed (below *offered* when one thread cannot make spans that fast); \
         *dropped* is spans made and never received, after the guard's shutdown and 500 ms of quiet at the receiver. \
         Each configuration runs {} times; the row is its median run by spans received, with the range of the drop share over all runs beside it. \
         *CPU stolen* is the share of the machine's CPU time its hypervisor gave to others during the median run \
         (from `/proc/stat`): a stolen stretch of a few milliseconds stops the exporter while spans keep coming, and at \
         500 000 spans/s the default queue of 2048 spans holds 4 ms.{slow_note}\n\n{}",
        machine.line(),
        machine::source(&workspace),
        options.seconds,
        options.runs,
        table(&rows),
        slow_note = options.slow.map_or_else(String::new, |slow| format!(
            " A run ends with the guard's shutdown, within its timeout of 5 s: the batches still waiting for \
             their {} ms answer then may not be answered in time, and count as dropped.",
            slow.as_millis()
        )),
        answer = options.slow.map_or_else(
            || "at once".to_owned(),
            |slow| format!("each request after {} ms (a slow collector)", slow.as_millis())
        ),
    );
    print!("{text}");
    if options.write {
        let file = if options.slow.is_some() {
            "benches/throughput-slow.md"
        } else {
            "benches/throughput.md"
        };
        let path = workspace.join(file);
        std::fs::write(&path, &text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        eprintln!("wrote {}", path.display());
    }
}
