//! The targets, checked against the numbers of one run.

use crate::compile::CompileCost;
use crate::report::Results;
use crate::stats::Summary;
use crate::table::{number, ratio};

/// How a target is checked. Case ids are those of [`crate::measure::Case::id`].
#[derive(Clone, Debug)]
pub enum Check {
    /// `case` costs at most `ns` more than `reference` (median of per-round differences).
    AtMostPlus {
        case: &'static str,
        reference: &'static str,
        ns: f64,
    },
    /// `case` costs at most `factor` times `reference` (median of per-round ratios).
    AtMostTimes {
        case: &'static str,
        reference: &'static str,
        factor: f64,
    },
    /// `case` costs less than `reference` (median per-round ratio below 1).
    Below {
        case: &'static str,
        reference: &'static str,
    },
    /// `case` costs less than `reference` in CPU time over all threads (median
    /// per-round ratio of the process CPU per call below 1).
    BelowInCpu {
        case: &'static str,
        reference: &'static str,
    },
    /// `case` allocates nothing on the calling thread.
    NoAllocations { case: &'static str },
    /// `case` makes at most `n` allocations per call on the calling thread.
    AtMostAllocations { case: &'static str, n: f64 },
    /// `#[traced]`'s compile-cost `key` is at most `factor` times `#[instrument]`'s.
    Compile {
        key: &'static str,
        what: &'static str,
        factor: f64,
    },
}

/// One line of the target table.
#[derive(Clone, Debug)]
pub struct Target {
    /// The row: "no provider, sync".
    pub what: &'static str,
    pub check: Check,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Met,
    Missed,
    NotMeasured,
}

impl Verdict {
    #[must_use]
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Met => "met",
            Verdict::Missed => "MISSED",
            Verdict::NotMeasured => "not measured",
        }
    }
}

/// A target checked: what was asked, what was measured, and the verdict.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub what: &'static str,
    pub subject: String,
    pub goal: String,
    pub measured: String,
    pub verdict: Verdict,
}

impl Target {
    #[must_use]
    pub fn evaluate(&self, results: &Results, compile: Option<&CompileCost>) -> Outcome {
        let label = |id: &str| results.label(id).unwrap_or("?").to_owned();
        // The subject names its table too: labels repeat across tables.
        let subject = |id: &str| match results.row(id) {
            Some(row) => format!("{} — {}", row.case.label, row.case.section),
            None => "?".to_owned(),
        };
        let verdict = |ok: bool| if ok { Verdict::Met } else { Verdict::Missed };
        let (subject, goal, measured, verdict) = match &self.check {
            Check::AtMostPlus {
                case,
                reference,
                ns,
            } => {
                let diff = results.per_round(case, reference, |a, b| a - b);
                (
                    subject(case),
                    format!("≤ {} + {} ns", label(reference), number(*ns)),
                    diff.map_or_else(String::new, |s| {
                        format!("{:+.2} ns (IQR {:+.2} … {:+.2})", s.median, s.p25, s.p75)
                    }),
                    diff.map_or(Verdict::NotMeasured, |s| verdict(s.median <= *ns)),
                )
            }
            Check::AtMostTimes {
                case,
                reference,
                factor,
            } => {
                let r = results.per_round(case, reference, |a, b| a / b);
                (
                    subject(case),
                    format!("≤ {factor} × {}", label(reference)),
                    r.map_or_else(String::new, ratio_text),
                    r.map_or(Verdict::NotMeasured, |s| verdict(s.median <= *factor)),
                )
            }
            Check::Below { case, reference } => {
                let r = results.per_round(case, reference, |a, b| a / b);
                (
                    subject(case),
                    format!("< {}", label(reference)),
                    r.map_or_else(String::new, ratio_text),
                    r.map_or(Verdict::NotMeasured, |s| verdict(s.median < 1.0)),
                )
            }
            Check::BelowInCpu { case, reference } => {
                let r = results.per_round_cpu(case, reference, |a, b| a / b);
                (
                    subject(case),
                    format!("< {} (CPU, all threads)", label(reference)),
                    r.map_or_else(String::new, ratio_text),
                    r.map_or(Verdict::NotMeasured, |s| verdict(s.median < 1.0)),
                )
            }
            Check::AtMostAllocations { case, n } => {
                let allocs = results.row(case).map(|row| row.allocs);
                (
                    subject(case),
                    format!("≤ {n} allocations per call"),
                    allocs.map_or_else(String::new, |a| format!("{a:.2} per call")),
                    allocs.map_or(Verdict::NotMeasured, |a| verdict(a <= *n)),
                )
            }
            Check::NoAllocations { case } => {
                let allocs = results.row(case).map(|row| row.allocs);
                (
                    subject(case),
                    "0 allocations per call".to_owned(),
                    allocs.map_or_else(String::new, |a| format!("{a:.3} per call")),
                    allocs.map_or(Verdict::NotMeasured, |a| verdict(a == 0.0)),
                )
            }
            Check::Compile { key, what, factor } => {
                let pair =
                    compile.and_then(|c| Some((c.get("traced", key)?, c.get("instrument", key)?)));
                (
                    format!("{what}, `#[traced]` vs `#[instrument]`"),
                    format!("≤ {factor} × `#[instrument]`'s"),
                    pair.map_or_else(
                        || "run benches/compile-cost.sh".to_owned(),
                        |(t, i)| format!("{} vs {} ({})", number(t), number(i), ratio(t / i)),
                    ),
                    pair.map_or(Verdict::NotMeasured, |(t, i)| verdict(t <= factor * i)),
                )
            }
        };
        Outcome {
            what: self.what,
            subject,
            goal,
            measured,
            verdict,
        }
    }
}

fn ratio_text(s: Summary) -> String {
    format!(
        "{} (IQR {} … {})",
        ratio(s.median),
        ratio(s.p25),
        ratio(s.p75)
    )
}
