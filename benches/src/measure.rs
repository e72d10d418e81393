//! Timing configurations side by side, in interleaved rounds.
//!
//! Each round times every case once, in a fresh order: machine noise (another
//! process, a frequency change, the exporter thread) then falls on all cases alike,
//! and ratios taken within a round cancel most of it. In a round a case runs
//! `batches` batches of `calls` calls; the round's value is the median batch.

use crate::alloc;
use crate::stats::median;
use std::time::Duration;

/// One configuration to measure, and how the report treats it.
#[derive(Clone, Debug)]
pub struct Case {
    /// Short stable name, used to refer to the case: `traced/sync/ok/sampled`.
    pub id: &'static str,
    /// The row's name in the tables.
    pub label: &'static str,
    /// The table the row goes in.
    pub section: &'static str,
    /// The uninstrumented case it is compared with.
    pub plain: Option<&'static str>,
    /// The hand-written OpenTelemetry case it is compared with.
    pub by_hand: Option<&'static str>,
    /// The span name under which this case's calls reach the exporter, when they do.
    pub exports: Option<&'static str>,
    /// The most calls one batch may make (span queues are bounded).
    pub max_batch: u64,
}

/// What the harness needs from the bench.
pub trait Bench {
    fn cases(&self) -> &[Case];
    /// Puts the process in the state `case` needs (provider, subscriber, ...).
    fn enter(&mut self, case: usize);
    /// Makes `calls` calls of `case` and returns how long they took.
    fn batch(&mut self, case: usize, calls: u64) -> Duration;
    /// Leaves the state: flushes what `case` queued for export.
    fn leave(&mut self, case: usize);
}

/// How long and how often to measure.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    pub rounds: usize,
    pub batches: usize,
    /// The time one batch should take (the number of calls is chosen for it).
    pub batch_time: Duration,
    pub min_calls: u64,
    /// Calls over which allocations are counted.
    pub alloc_calls: u64,
    /// Calls made just before allocations are counted: long enough for a pool
    /// that grows to the spans in flight (traced's spare span records) to stop
    /// growing, so that the count is the steady state's.
    pub alloc_warm_up: u64,
}

impl Default for Plan {
    fn default() -> Plan {
        Plan {
            rounds: 31,
            batches: 5,
            batch_time: Duration::from_millis(5),
            min_calls: 1000,
            alloc_calls: 8_000,
            alloc_warm_up: 200_000,
        }
    }
}

/// Everything measured, per case (same order as [`Bench::cases`]).
#[derive(Clone, Debug, Default)]
pub struct Measured {
    /// ns per call, one value per round.
    pub ns: Vec<Vec<f64>>,
    /// Process CPU time (all threads, export included) per call, one value per round.
    pub cpu_ns: Vec<Vec<f64>>,
    /// Calls per batch.
    pub calls_per_batch: Vec<u64>,
    /// Every call made, warm-ups included.
    pub calls: Vec<u64>,
    /// Allocations and bytes per call, on the calling thread.
    pub allocs: Vec<(f64, f64)>,
    pub plan: Option<Plan>,
}

const WARM_UP: u64 = 64;

/// Calibrates, counts allocations, then times `plan.rounds` rounds.
pub fn run(plan: Plan, bench: &mut impl Bench) -> Measured {
    let n = bench.cases().len();
    let mut m = Measured {
        ns: vec![Vec::new(); n],
        cpu_ns: vec![Vec::new(); n],
        calls_per_batch: vec![0; n],
        calls: vec![0; n],
        allocs: vec![(0.0, 0.0); n],
        plan: Some(plan),
    };
    for case in 0..n {
        let max = bench.cases()[case].max_batch;
        bench.enter(case);
        m.batch(bench, case, WARM_UP);
        let probe = plan.min_calls.min(max);
        let mut best = f64::INFINITY;
        for _ in 0..3 {
            best = best.min(per_call(m.batch(bench, case, probe), probe));
        }
        let wanted = plan.batch_time.as_secs_f64() * 1e9 / best.max(0.1);
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let calls = (wanted as u64).clamp(plan.min_calls, max.max(1));
        m.calls_per_batch[case] = calls;

        m.warm_up(bench, case, plan.alloc_warm_up, max);
        let calls = plan.alloc_calls.min(max);
        let before = alloc::this_thread();
        m.batch(bench, case, calls);
        let used = alloc::this_thread() - before;
        #[allow(clippy::cast_precision_loss)]
        let per = |v: u64| v as f64 / calls as f64;
        m.allocs[case] = (per(used.count), per(used.bytes));
        bench.leave(case);
    }

    let mut order: Vec<usize> = (0..n).collect();
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    for round in 0..plan.rounds {
        shuffle(&mut order, &mut seed);
        eprint!("\rround {}/{}", round + 1, plan.rounds);
        for &case in &order {
            let calls = m.calls_per_batch[case];
            bench.enter(case);
            m.batch(bench, case, WARM_UP);
            let cpu_before = cpu_time();
            let mut times = Vec::with_capacity(plan.batches);
            for _ in 0..plan.batches {
                times.push(per_call(m.batch(bench, case, calls), calls));
            }
            bench.leave(case);
            let cpu = cpu_time().saturating_sub(cpu_before);
            m.ns[case].push(median(&times));
            m.cpu_ns[case].push(per_call(cpu, calls * plan.batches as u64));
        }
    }
    eprintln!();
    m
}

impl Measured {
    /// `calls` calls in batches of at most `max`, each but the last followed by
    /// the flush that ends a round (the state is left and entered again), so that
    /// no queue holds more than a round's batches do.
    fn warm_up(&mut self, bench: &mut impl Bench, case: usize, calls: u64, max: u64) {
        let mut left = calls;
        while left > 0 {
            let batch = left.min(max.max(1));
            self.batch(bench, case, batch);
            left -= batch;
            if left > 0 {
                bench.leave(case);
                bench.enter(case);
            }
        }
    }

    /// One batch, counted.
    fn batch(&mut self, bench: &mut impl Bench, case: usize, calls: u64) -> Duration {
        self.calls[case] += calls;
        bench.batch(case, calls)
    }
}

fn per_call(time: Duration, calls: u64) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let per = time.as_secs_f64() * 1e9 / calls as f64;
    per
}

/// Fisher–Yates with xorshift: a different order every round, the same every run.
fn shuffle(order: &mut [usize], seed: &mut u64) {
    for i in (1..order.len()).rev() {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        #[allow(clippy::cast_possible_truncation)]
        let j = (*seed % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
}

/// CPU time used so far by every thread of the process.
#[must_use]
pub fn cpu_time() -> Duration {
    clock(libc::CLOCK_PROCESS_CPUTIME_ID)
}

/// CPU time used so far by the calling thread.
#[must_use]
pub fn thread_cpu_time() -> Duration {
    clock(libc::CLOCK_THREAD_CPUTIME_ID)
}

fn clock(id: libc::clockid_t) -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable timespec.
    let status = unsafe { libc::clock_gettime(id, &raw mut now) };
    if status != 0 {
        return Duration::ZERO;
    }
    #[allow(clippy::cast_sign_loss)]
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

/// What `calls` calls of `call` cost: (calling thread's CPU ns per call, all
/// threads' CPU ns per call, allocations per call on the calling thread).
pub fn costs_per_call(calls: u64, mut call: impl FnMut(u64)) -> (f64, f64, f64) {
    let (thread, process, allocs) = (thread_cpu_time(), cpu_time(), alloc::this_thread());
    for i in 0..calls {
        call(i);
    }
    let (thread, process) = (thread_cpu_time() - thread, cpu_time() - process);
    let allocs = alloc::this_thread() - allocs;
    #[allow(clippy::cast_precision_loss)]
    let per = |d: Duration| d.as_secs_f64() * 1e9 / calls as f64;
    #[allow(clippy::cast_precision_loss)]
    (
        per(thread),
        per(process),
        allocs.count as f64 / calls as f64,
    )
}

/// Instructions per call of row `id` of this bench binary, from callgrind: the
/// difference between its runs of `long` and `short` calls (`--only id --calls
/// n`), so that setup and teardown cancel out.
#[must_use]
pub fn instructions_per_call(id: &str, short: u64, long: u64) -> Option<f64> {
    eprintln!("counting instructions of {id} under callgrind ...");
    let run = |n: u64| callgrind_instructions(&["--only", id, "--calls", &n.to_string()]);
    let (a, b) = (run(short)?, run(long)?);
    #[allow(clippy::cast_precision_loss)]
    Some(b.saturating_sub(a) as f64 / (long - short) as f64)
}

/// Instructions per call on the calling thread and over all threads, from
/// callgrind: this bench binary run again with `args` plus `--calls short` and
/// `--calls long`. On the calling thread (the main one: callgrind's
/// `--separate-threads`, thread 1), only what runs inside `collect` (the loop
/// that makes the calls) is counted; the other threads (export) are counted
/// whole and differenced between the two runs, so that their setup cancels.
#[must_use]
pub fn thread_instructions_per_call(
    args: &[&str],
    collect: &str,
    short: u64,
    long: u64,
) -> Option<(f64, f64)> {
    let run = |n: u64| {
        let n = n.to_string();
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--calls", n.as_str()]);
        callgrind_by_thread(&all, collect)
    };
    let (a, b) = (run(short)?, run(long)?);
    let main = |counts: &[(u64, u64)]| counts.first().map_or(0, |c| c.0);
    let others = |counts: &[(u64, u64)]| counts.iter().skip(1).map(|c| c.1).sum::<u64>();
    #[allow(clippy::cast_precision_loss)]
    let thread = main(&b) as f64 / long as f64;
    #[allow(clippy::cast_precision_loss)]
    let rest = others(&b).saturating_sub(others(&a)) as f64 / (long - short) as f64;
    Some((thread, thread + rest))
}

/// Runs this bench binary again with `args` under callgrind, writing to `out`
/// (`valgrind` needed, with `options` of its own); whether it ran and succeeded.
fn under_callgrind(options: &[&str], out: &std::path::Path, args: &[&str]) -> bool {
    let Ok(this) = std::env::current_exe() else {
        return false;
    };
    std::process::Command::new("valgrind")
        .arg("--tool=callgrind")
        .args(options)
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg(this)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// A temporary path for a callgrind run of `args`.
fn callgrind_path(args: &[&str]) -> std::path::PathBuf {
    std::env::temp_dir().join(format!(
        "traced-bench-{}-{}",
        std::process::id(),
        args.join("-").replace(['/', ' ', ',', '='], "_")
    ))
}

/// The `totals:` line of a callgrind file.
fn totals(text: &str) -> Option<u64> {
    text.lines()
        .find_map(|line| line.strip_prefix("totals: "))
        .and_then(|total| total.trim().parse().ok())
}

/// Per thread (the main one first): the instructions callgrind counts inside
/// `collect` running this bench binary again with `args`, and all of them.
fn callgrind_by_thread(args: &[&str], collect: &str) -> Option<Vec<(u64, u64)>> {
    let dir = callgrind_path(args);
    std::fs::create_dir_all(&dir).ok()?;
    let ran = under_callgrind(&["--separate-threads=yes"], &dir.join("cg"), args);
    let mut files: Vec<(u32, (u64, u64))> = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let thread: u32 = path.to_str()?.rsplit('-').next()?.parse().ok()?;
            let total = totals(&std::fs::read_to_string(&path).ok()?)?;
            Some((thread, (inclusive(&path, collect), total)))
        })
        .collect();
    let _ = std::fs::remove_dir_all(&dir);
    if !ran || files.is_empty() {
        return None;
    }
    files.sort_unstable();
    Some(files.into_iter().map(|(_, counts)| counts).collect())
}

/// The inclusive instructions of the functions whose name starts with `name` in
/// a callgrind file, from `callgrind_annotate --inclusive=yes`; 0 when absent.
fn inclusive(file: &std::path::Path, name: &str) -> u64 {
    let Ok(out) = std::process::Command::new("callgrind_annotate")
        .arg("--inclusive=yes")
        .arg("--threshold=100")
        .arg(file)
        .output()
    else {
        return 0;
    };
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| {
            let (count, rest) = line.trim().split_once(' ')?;
            let function = rest.split_once(':')?.1;
            function
                .starts_with(name)
                .then(|| count.replace(',', "").parse::<u64>().ok())
                .flatten()
        })
        .sum()
}

/// The instructions callgrind counts running this bench binary again with
/// `args` (`valgrind` needed); `None` when it cannot be run.
#[must_use]
pub fn callgrind_instructions(args: &[&str]) -> Option<u64> {
    let out = callgrind_path(args);
    let ran = under_callgrind(&[], &out, args);
    let text = std::fs::read_to_string(&out).ok();
    let _ = std::fs::remove_file(&out);
    if !ran {
        return None;
    }
    totals(&text?)
}
