//! The machine a run happened on, and the source it measured, for the report.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

/// What the report says about the machine.
#[derive(Clone, Debug)]
pub struct Machine {
    pub cpu: String,
    pub cores: usize,
    pub memory: String,
    pub kernel: String,
    pub rustc: String,
    /// UTC, `YYYY-MM-DD HH:MM`.
    pub date: String,
}

impl Machine {
    /// Reads `/proc` and asks `rustc -V`; anything unreadable reads "unknown".
    #[must_use]
    pub fn detect() -> Machine {
        let proc = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
        let cpuinfo = proc("/proc/cpuinfo");
        let field = |text: &str, name: &str| {
            text.lines()
                .find(|line| line.starts_with(name))
                .and_then(|line| line.split(':').nth(1))
                .map(|v| v.trim().to_owned())
        };
        let memory = field(&proc("/proc/meminfo"), "MemTotal")
            .and_then(|kb| kb.trim_end_matches("kB").trim().parse::<u64>().ok())
            .map_or_else(unknown, |kb| format!("{} GiB", kb / (1024 * 1024)));
        let rustc = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
            .arg("-V")
            .output()
            .ok()
            .and_then(|out| String::from_utf8(out.stdout).ok())
            .map_or_else(unknown, |v| v.trim().to_owned());
        Machine {
            cpu: field(&cpuinfo, "model name").unwrap_or_else(unknown),
            cores: std::thread::available_parallelism().map_or(0, usize::from),
            memory,
            kernel: proc("/proc/sys/kernel/osrelease").trim().to_owned(),
            rustc,
            date: utc_now(),
        }
    }

    /// One line: `AMD EPYC, 2 cores, 23 GiB, Linux 6.1, rustc 1.95.0 (...), 2026-05-01 10:00 UTC`.
    #[must_use]
    pub fn line(&self) -> String {
        let mut out = format!("{}, {} cores, {} memory", self.cpu, self.cores, self.memory);
        if !self.kernel.is_empty() {
            let _ = write!(out, ", Linux {}", self.kernel);
        }
        let _ = write!(out, ", {}, {} UTC", self.rustc, self.date);
        out
    }
}

/// The 1-minute load average, from `/proc/loadavg`.
#[must_use]
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|text| text.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(unknown)
}

/// The machine's CPU time so far, in clock ticks: (stolen, all). Stolen time is
/// time the hypervisor gave this virtual machine's CPUs to others: while it runs,
/// no thread of the benchmark does. `None` off Linux.
#[must_use]
pub fn cpu_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let ticks: Vec<u64> = line
        .split_whitespace()
        .map(|t| t.parse().unwrap_or(0))
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is in user).
    Some((*ticks.get(7)?, ticks.iter().take(8).sum()))
}

/// The share of CPU time stolen between two readings of [`cpu_ticks`], in percent.
#[must_use]
pub fn stolen_share(before: Option<(u64, u64)>, after: Option<(u64, u64)>) -> Option<f64> {
    let ((stolen0, all0), (stolen1, all1)) = (before?, after?);
    let all = all1.checked_sub(all0).filter(|all| *all > 0)?;
    #[allow(clippy::cast_precision_loss)]
    Some(100.0 * stolen1.saturating_sub(stolen0) as f64 / all as f64)
}

/// Which source of `traced` was measured: the commit of the checkout at `workspace`,
/// and any uncommitted change to the runtime or the macro. `TRACED_BENCH_SOURCE`
/// overrides it (for a copy that is not a git checkout).
#[must_use]
pub fn source(workspace: &Path) -> String {
    if let Ok(source) = std::env::var("TRACED_BENCH_SOURCE") {
        return source;
    }
    let git = |args: &[&str]| {
        Command::new("git")
            .arg("-C")
            .arg(workspace)
            .args(args)
            .output()
            .ok()
            .filter(|out| out.status.success())
            .map(|out| String::from_utf8_lossy(&out.stdout).trim_end().to_owned())
    };
    let Some(commit) = git(&["rev-parse", "--short", "HEAD"]) else {
        return "unknown (not a git checkout)".to_owned();
    };
    let status = git(&["status", "--porcelain", "--", "runtime", "macros"]).unwrap_or_default();
    let changed: Vec<&str> = status.lines().filter_map(|line| line.get(3..)).collect();
    if changed.is_empty() {
        format!("commit {commit}, runtime and macros as committed")
    } else {
        format!(
            "commit {commit} with uncommitted changes to {}",
            changed.join(", ")
        )
    }
}

fn unknown() -> String {
    "unknown".to_owned()
}

fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}",
        rest / 3600,
        rest % 3600 / 60
    )
}

/// Howard Hinnant's `civil_from_days`, for days since 1970-01-01 (non-negative).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::civil_from_days;

    #[test]
    fn days_since_the_epoch_become_calendar_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        assert_eq!(civil_from_days(20_454), (2026, 1, 1));
    }
}
