//! The targets, as checks on the cases of [`crate::cases`].

use traced_benches::targets::{Check, Target};

/// The targets, one line per case they apply to.
#[allow(clippy::too_many_lines)]
pub fn all() -> Vec<Target> {
    use Check::{
        AtMostAllocations, AtMostPlus, AtMostTimes, Below, BelowInCpu, Compile, NoAllocations,
    };
    let plus = |what, case, reference, ns| Target {
        what,
        check: AtMostPlus {
            case,
            reference,
            ns,
        },
    };
    let times = |what, case, reference, factor| Target {
        what,
        check: AtMostTimes {
            case,
            reference,
            factor,
        },
    };
    vec![
        plus(
            "no provider, sync",
            "traced/sync/ok/none",
            "plain/sync/ok",
            2.0,
        ),
        plus(
            "no provider, sync",
            "traced/sync/err/none",
            "plain/sync/err",
            2.0,
        ),
        plus(
            "no provider, async (a real await)",
            "traced/async/ok/none",
            "plain/async/ok",
            10.0,
        ),
        plus(
            "no provider, async (a real await)",
            "traced/async/err/none",
            "plain/async/err",
            10.0,
        ),
        plus(
            "switched off by the filter (issue 14)",
            "traced/sync/ok/switched-off",
            "plain/sync/ok",
            2.0,
        ),
        plus(
            "switched off by the filter (issue 14)",
            "traced/async/ok/switched-off",
            "plain/async/ok",
            2.0,
        ),
        Target {
            what: "no provider, any configuration",
            check: NoAllocations {
                case: "traced/sync/ok/none",
            },
        },
        Target {
            what: "no provider, any configuration",
            check: NoAllocations {
                case: "traced/sync/err/none",
            },
        },
        Target {
            what: "no provider, any configuration",
            check: NoAllocations {
                case: "traced/async/ok/none",
            },
        },
        Target {
            what: "no provider, any configuration",
            check: NoAllocations {
                case: "traced/async/err/none",
            },
        },
        // Issue 16: a sampled span, and an unsampled root.
        times(
            "unsampled root",
            "traced/sync/ok/unsampled",
            "by-hand-current/sync/ok/unsampled",
            0.35,
        ),
        times(
            "unsampled root",
            "traced/sync/ok/setup-unsampled",
            "by-hand-current/sync/ok/unsampled",
            0.35,
        ),
        times(
            "sampled sync `Ok`, calling thread",
            "traced/sync/ok/sampled",
            "by-hand-current/sync/ok/sampled",
            0.5,
        ),
        times(
            "sampled sync `Ok`, calling thread",
            "traced/sync/ok/setup-sampled",
            "by-hand-current/sync/ok/sampled",
            0.5,
        ),
        Target {
            what: "sampled sync `Ok`, below fastrace (same arguments)",
            check: Below {
                case: "traced/sync/ok/setup-sampled",
                reference: "fastrace/sync/ok/root",
            },
        },
        Target {
            what: "sampled sync `Ok`, below fastrace (same arguments)",
            check: BelowInCpu {
                case: "traced/sync/ok/setup-sampled",
                reference: "fastrace/sync/ok/root",
            },
        },
        times(
            "sampled sync `Ok`, against tracing",
            "traced/sync/ok/setup-sampled",
            "tracing/sync/ok/otel",
            0.2,
        ),
        times(
            "sampled `Err` with `record_err`",
            "traced/sync/err/setup-sampled",
            "by-hand-current/sync/err/sampled",
            0.6,
        ),
        times(
            "sampled async",
            "traced/async/ok/setup-sampled",
            "by-hand/async/ok/sampled",
            0.6,
        ),
        Target {
            what: "allocations per sampled span",
            check: AtMostAllocations {
                case: "traced/sync/ok/setup-sampled",
                n: 2.0,
            },
        },
        Target {
            what: "allocations per sampled span",
            check: AtMostAllocations {
                case: "traced/sync/err/setup-sampled",
                n: 2.0,
            },
        },
        Target {
            what: "allocations per sampled span",
            check: AtMostAllocations {
                case: "traced/async/ok/setup-sampled",
                n: 2.0,
            },
        },
        Target {
            what: "compile cost per function",
            check: Compile {
                key: "lines_per_fn",
                what: "expanded lines per function",
                factor: 0.5,
            },
        },
        Target {
            what: "compile cost per function",
            check: Compile {
                key: "rebuild_over_plain_ms",
                what: "rebuild time over plain",
                factor: 0.5,
            },
        },
        Target {
            what: "compile cost per function",
            check: Compile {
                key: "text_per_fn",
                what: "release `.text` bytes per function",
                factor: 1.0,
            },
        },
        Target {
            what: "compile cost per function",
            check: Compile {
                key: "text_marginal_per_fn",
                what: "release `.text` bytes per extra function",
                factor: 1.0,
            },
        },
    ]
}
