//! Issue 4: the per-call cost of `#[traced]` and of its peers, side by side, in one
//! process and one run.
//!
//! ```text
//! cargo bench -p traced-benches --bench overhead                           # tables on stdout
//! cargo bench -p traced-benches --bench overhead -- --write BENCHMARKS.md  # and the report
//! ```
//!
//! Options (after `--`): `--write PATH` (relative to the workspace root), `--rounds N`,
//! `--batches N`, `--batch-ms MS`, `--quick` (a smoke run: numbers not worth quoting),
//! `--only A,B` (only the cases whose id contains A or B, or is exactly A for `=A`: for profiling one
//! configuration, e.g. `perf record` on the bench binary with `--only traced/sync/ok/sampled`).

#[path = "overhead/cases.rs"]
mod cases;
#[path = "overhead/targets.rs"]
mod targets;
#[path = "overhead/telemetry.rs"]
mod telemetry;
#[path = "overhead/workloads.rs"]
mod workloads;

use cases::{Env, SPAN_BATCH, Spec};
use opentelemetry::trace::TracerProvider as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use telemetry::{FASTRACE_ROOT, Global, Telemetry};
use traced_benches::alloc::CountingAlloc;
use traced_benches::compile::{self, CompileCost};
use traced_benches::machine::Machine;
use traced_benches::measure::{self, Bench, Case, Plan};
use traced_benches::report::{Document, Results};
use traced_benches::targets::Check;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

struct Suite {
    specs: Vec<Spec>,
    cases: Vec<Case>,
    telemetry: Telemetry,
    dispatch: Option<tracing::Dispatch>,
    setup: Option<traced_sdk::TracingGuard>,
    /// Per case: the spans that arrived while it ran.
    arrived: Vec<u64>,
    /// The exporter's count of the entered case's span name when it was entered.
    arrived_before: u64,
}

impl Bench for Suite {
    fn cases(&self) -> &[Case] {
        &self.cases
    }

    fn enter(&mut self, case: usize) {
        if let Some(name) = self.specs[case].case.exports {
            self.arrived_before = self.telemetry.arrivals.of(name);
        }
        match self.specs[case].env {
            Env::Provider(global) => self.telemetry.install(global),
            Env::TracingOtel => self.dispatch = Some(self.telemetry.tracing_dispatch()),
            Env::TracedSetup => {
                self.telemetry.forget();
                self.setup = Some(telemetry::traced_setup_unsampled());
            }
            Env::TracedSetupSampled => {
                self.telemetry.forget();
                let arrivals = self.telemetry.arrivals.clone();
                self.setup = Some(telemetry::traced_setup_sampled(
                    arrivals,
                    self.telemetry.queue,
                ));
            }
            Env::SwitchedOff => {
                self.telemetry.forget();
                let arrivals = self.telemetry.arrivals.clone();
                self.setup = Some(telemetry::traced_setup_sampled(
                    arrivals,
                    self.telemetry.queue,
                ));
                let off: traced::filter::Filter =
                    "overhead::workloads=off".parse().expect("a valid filter");
                traced::filter::set(off);
            }
            Env::Any | Env::FastraceRoot => {}
        }
    }

    fn batch(&mut self, case: usize, calls: u64) -> Duration {
        let Spec { run, ok, env, .. } = self.specs[case];
        match env {
            Env::TracingOtel => {
                let dispatch = self.dispatch.as_ref().expect("entered");
                tracing::dispatcher::with_default(dispatch, || time(run, calls, ok))
            }
            Env::FastraceRoot => {
                let start = Instant::now();
                let root =
                    fastrace::Span::root(FASTRACE_ROOT, fastrace::collector::SpanContext::random());
                {
                    let _parent = root.set_local_parent();
                    run(calls, ok);
                }
                drop(root);
                start.elapsed()
            }
            Env::Any
            | Env::Provider(_)
            | Env::TracedSetup
            | Env::TracedSetupSampled
            | Env::SwitchedOff => time(run, calls, ok),
        }
    }

    fn leave(&mut self, case: usize) {
        match self.specs[case].env {
            Env::Provider(Global::Sampled) => self.telemetry.flush_sampled(),
            Env::TracingOtel => {
                self.dispatch = None;
                self.telemetry.flush_sampled();
                // Forget the subscriber's interest, so that "no subscriber" stays the
                // state of a program that never set one.
                tracing::callsite::rebuild_interest_cache();
            }
            Env::FastraceRoot => fastrace::flush(),
            Env::TracedSetup | Env::TracedSetupSampled | Env::SwitchedOff => {
                traced::filter::clear();
                if let Some(guard) = self.setup.take() {
                    guard.flush();
                    let _ = guard.shutdown();
                }
            }
            Env::Any | Env::Provider(_) => {}
        }
        if let Some(name) = self.specs[case].case.exports {
            self.arrived[case] += self.telemetry.arrivals.of(name) - self.arrived_before;
        }
    }
}

fn time(run: fn(u64, bool), calls: u64, ok: bool) -> Duration {
    let start = Instant::now();
    run(calls, ok);
    start.elapsed()
}

struct Options {
    plan: Plan,
    /// Queues large enough that nothing is dropped, and only the rows that export.
    large_queue: bool,
    /// Instructions per call of every row, under callgrind.
    instructions: bool,
    /// Only make this many calls of each case (run under callgrind by `--instructions`).
    calls: Option<u64>,
    write: Option<PathBuf>,
    only: Vec<String>,
    args: Vec<String>,
}

fn options() -> Result<Options, String> {
    let mut plan = Plan::default();
    let mut large_queue = false;
    let mut instructions = false;
    let mut calls = None;
    let mut write = None;
    let mut only = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--bench" => continue, // added by `cargo bench`
            "--write" => write = Some(workspace_path(&value("--write")?)),
            "--rounds" => plan.rounds = number(&value("--rounds")?)?,
            "--batches" => plan.batches = number(&value("--batches")?)?,
            "--batch-ms" => plan.batch_time = Duration::from_secs_f64(number::<f64>(&value("--batch-ms")?)? / 1e3),
            "--only" => only = value("--only")?.split(',').map(str::to_owned).collect(),
            "--large-queue" => large_queue = true,
            "--instructions" => instructions = true,
            "--calls" => calls = Some(number(&value("--calls")?)?),
            "--quick" => {
                plan.rounds = 3;
                plan.batches = 3;
                plan.batch_time = Duration::from_micros(300);
            }
            "-h" | "--help" => return Err("usage: cargo bench -p traced-benches --bench overhead -- [--write PATH] [--rounds N] [--batches N] [--batch-ms MS] [--quick] [--only A,B] [--large-queue] [--instructions]".into()),
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    if write.is_some() && !only.is_empty() {
        return Err("--write needs every case: drop --only".into());
    }
    Ok(Options {
        plan,
        large_queue,
        instructions,
        calls,
        write,
        only,
        args: traced_benches::cli::arguments(),
    })
}

fn number<T: std::str::FromStr>(text: &str) -> Result<T, String> {
    text.parse().map_err(|_| format!("not a number: {text:?}"))
}

/// `cargo bench` runs benches in the package's directory: relative paths are taken
/// from the workspace root instead, where the user most likely typed the command.
fn workspace_path(path: &str) -> PathBuf {
    let path = Path::new(path);
    if path.is_absolute() {
        path.to_owned()
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
    }
}

fn main() {
    let options = match options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    let plan = options.plan;
    let mut specs = cases::all();
    check_references(&specs);
    if options.large_queue {
        // The rows that export, and the rows their ratios refer to.
        let exporting: Vec<&'static str> = specs
            .iter()
            .filter(|s| s.case.exports.is_some())
            .flat_map(|s| [Some(s.case.id), s.case.plain, s.case.by_hand])
            .flatten()
            .collect();
        specs.retain(|s| exporting.contains(&s.case.id));
    }
    if !options.only.is_empty() {
        specs.retain(|s| {
            options
                .only
                .iter()
                .any(|pattern| match pattern.strip_prefix('=') {
                    Some(exact) => s.case.id == exact,
                    None => s.case.id.contains(pattern.as_str()),
                })
        });
    }

    // Each tool's default queue, or one that holds a round's spans of one
    // configuration until its flush.
    let queue = options
        .large_queue
        .then(|| usize::try_from(SPAN_BATCH).expect("small") * (plan.batches + 1) + 4096);
    let telemetry = Telemetry::new(queue);
    workloads::HELD_SAMPLED.get_or_init(|| telemetry.sampled.tracer("traced-benches"));
    workloads::HELD_UNSAMPLED.get_or_init(|| telemetry.unsampled.tracer("traced-benches"));

    let cases: Vec<Case> = specs.iter().map(|s| s.case.clone()).collect();
    let mut suite = Suite {
        arrived: vec![0; cases.len()],
        arrived_before: 0,
        specs,
        cases,
        telemetry,
        dispatch: None,
        setup: None,
    };
    if let Some(calls) = options.calls {
        // In batches of at most the case's own, each followed by its flush, as
        // in the timed rounds.
        for case in 0..suite.cases.len() {
            let mut left = calls;
            while left > 0 {
                let n = left.min(suite.cases[case].max_batch.max(1));
                suite.enter(case);
                suite.batch(case, n);
                suite.leave(case);
                left -= n;
            }
        }
        suite.telemetry.shutdown();
        return;
    }
    let load_before = traced_benches::machine::load_average();
    let measured = measure::run(plan, &mut suite);
    let load_after = traced_benches::machine::load_average();
    suite.telemetry.shutdown();
    let mut results = Results::new(&suite.cases, measured, std::mem::take(&mut suite.arrived));
    if options.instructions {
        let mut queue_args = Vec::new();
        if options.large_queue {
            queue_args.push("--large-queue");
        }
        for row in &mut results.rows {
            eprintln!(
                "counting instructions of {} under callgrind ...",
                row.case.id
            );
            let only = format!("={}", row.case.id);
            let mut args = vec!["--only", only.as_str()];
            args.extend(&queue_args);
            row.instructions = measure::thread_instructions_per_call(
                &args,
                "overhead::workloads::repeat",
                10_000,
                30_000,
            );
        }
    }

    let mut command = String::from("cargo bench -p traced-benches --bench overhead");
    if !options.args.is_empty() {
        command += &format!(" -- {}", options.args.join(" "));
    }
    let machine = Machine::detect();
    let compile = CompileCost::load(Path::new(compile::RESULTS));
    let targets = targets::all();
    let profiles = std::fs::read_to_string(workspace_path("benches/profiles.md")).ok();
    let throughput = std::fs::read_to_string(workspace_path("benches/throughput.md")).ok();
    let throughput_slow =
        std::fs::read_to_string(workspace_path("benches/throughput-slow.md")).ok();
    let services = std::fs::read_to_string(workspace_path("benches/services.md")).ok();
    let messages_queries =
        std::fs::read_to_string(workspace_path("benches/messages_queries.md")).ok();
    let metrics = std::fs::read_to_string(workspace_path("benches/metrics.md")).ok();
    let events = std::fs::read_to_string(workspace_path("benches/events.md")).ok();
    let large_queue =
        std::fs::read_to_string(workspace_path("benches/overhead-large-queue.md")).ok();
    let queue = match queue {
        Some(n) => format!(
            "{n} spans for the OpenTelemetry SDK's `BatchSpanProcessor` and traced-sdk's queue (`OTEL_BSP_MAX_QUEUE_SIZE`): \
             large enough that nothing is dropped, which is not the default"
        ),
        None => "each tool's default: 2048 spans for the OpenTelemetry SDK's `BatchSpanProcessor` and for traced-sdk's queue, \
                 batches of 512; fastrace's default `Config`"
            .to_owned(),
    };
    let document = Document {
        results: &results,
        targets: &targets,
        machine: &machine,
        command: &command,
        source: &traced_benches::machine::source(&workspace_path(".")),
        load: (&load_before, &load_after),
        compile: compile.as_ref(),
        configurations: cases::DESCRIPTION,
        profiles: profiles.as_deref(),
        throughput: throughput.as_deref(),
        messages_queries: messages_queries.as_deref(),
        metrics: metrics.as_deref(),
        events: events.as_deref(),
        throughput_slow: throughput_slow.as_deref(),
        services: services.as_deref(),
        queue: &queue,
        large_queue: large_queue.as_deref(),
    };
    print!("{}", document.text());
    if let Some(path) = &options.write {
        let text = if options.large_queue {
            document.sampled_tables()
        } else {
            document.markdown()
        };
        std::fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        eprintln!("wrote {}", path.display());
    }
    if options.large_queue && !results.span_mismatches().is_empty() {
        eprintln!("spans were lost with queues meant to hold them all: see above");
        std::process::exit(1);
    }
}

/// Every reference names a case, and ids are unique: a typo would silently drop a ratio.
fn check_references(specs: &[Spec]) {
    let ids: Vec<&str> = specs.iter().map(|s| s.case.id).collect();
    for (i, id) in ids.iter().enumerate() {
        assert!(!ids[..i].contains(id), "case {id} twice");
    }
    for spec in specs {
        for reference in [spec.case.plain, spec.case.by_hand].into_iter().flatten() {
            assert!(
                ids.contains(&reference),
                "{} refers to unknown case {reference}",
                spec.case.id
            );
        }
    }
    for target in targets::all() {
        let named = match target.check {
            Check::AtMostPlus {
                case, reference, ..
            }
            | Check::AtMostTimes {
                case, reference, ..
            }
            | Check::Below { case, reference }
            | Check::BelowInCpu { case, reference } => {
                vec![case, reference]
            }
            Check::NoAllocations { case } | Check::AtMostAllocations { case, .. } => vec![case],
            Check::Compile { .. } => vec![],
        };
        for id in named {
            assert!(ids.contains(&id), "a target names unknown case {id}");
        }
    }
}
