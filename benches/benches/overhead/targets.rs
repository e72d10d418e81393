//! The targets, as checks on the cases of [`crate::cases`].

use traced_benches::targets::{Check, Target};

/// The targets, one line per case they apply to.
#[allow(clippy::too_many_lines)]
pub fn all() -> Vec<Target> {
    use Check::{AtMostPlus, AtMostTimes, Below, Compile, NoAllocations};
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
            "no provider, async",
            "traced/async/ok/none",
            "plain/async/ok",
            10.0,
        ),
        plus(
            "no provider, async",
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
        times(
            "unsampled",
            "traced/sync/ok/unsampled",
            "by-hand/sync/ok/unsampled",
            0.35,
        ),
        times(
            "unsampled",
            "traced/sync/ok/unsampled",
            "by-hand-current/sync/ok/unsampled",
            0.35,
        ),
        times(
            "unsampled",
            "traced/sync/ok/setup-unsampled",
            "by-hand/sync/ok/unsampled",
            0.35,
        ),
        times(
            "unsampled",
            "traced/sync/ok/setup-unsampled-child",
            "by-hand-current/sync/ok/unsampled-child",
            0.35,
        ),
        times(
            "unsampled",
            "traced/sync/err/unsampled",
            "by-hand/sync/err/unsampled",
            0.35,
        ),
        times(
            "unsampled",
            "traced/async/ok/unsampled",
            "by-hand/async/ok/unsampled",
            0.35,
        ),
        times(
            "unsampled",
            "traced/async/ok/setup-unsampled",
            "by-hand/async/ok/unsampled",
            0.35,
        ),
        times(
            "unsampled",
            "traced/async/ok/setup-unsampled-child",
            "by-hand/async/ok/unsampled-child",
            0.35,
        ),
        times(
            "unsampled",
            "traced/async/err/unsampled",
            "by-hand/async/err/unsampled",
            0.35,
        ),
        times(
            "sampled, sync `Ok`, span current",
            "traced/sync/ok/sampled",
            "by-hand-current/sync/ok/sampled",
            0.75,
        ),
        times(
            "sampled, sync `Ok`, span current",
            "traced/sync/ok/setup-sampled",
            "by-hand-current/sync/ok/sampled",
            0.75,
        ),
        times(
            "sampled, sync `Ok`, span current",
            "traced/sync/ok/sampled",
            "tracing/sync/ok/otel",
            0.25,
        ),
        times(
            "sampled, sync `Ok`, span current",
            "traced/sync/ok/setup-sampled",
            "tracing/sync/ok/otel",
            0.25,
        ),
        Target {
            what: "sampled, sync `Ok`, span current",
            check: Below {
                case: "traced/sync/ok/sampled",
                reference: "fastrace/sync/ok/root",
            },
        },
        Target {
            what: "sampled, sync `Ok`, span current",
            check: Below {
                case: "traced/sync/ok/setup-sampled",
                reference: "fastrace/sync/ok/root",
            },
        },
        times(
            "sampled `Err` path with `record_err`",
            "traced/sync/err/sampled",
            "by-hand/sync/err/sampled",
            0.8,
        ),
        times(
            "sampled `Err` path with `record_err`",
            "traced/sync/err/sampled",
            "by-hand-current/sync/err/sampled",
            0.8,
        ),
        times(
            "sampled `Err` path with `record_err`",
            "traced/sync/err/setup-sampled",
            "by-hand-current/sync/err/sampled",
            0.8,
        ),
        times(
            "sampled async",
            "traced/async/ok/setup-sampled",
            "by-hand/async/ok/sampled",
            0.8,
        ),
        times(
            "sampled async",
            "traced/async/ok/sampled",
            "by-hand/async/ok/sampled",
            0.8,
        ),
        times(
            "sampled async",
            "traced/async/err/sampled",
            "by-hand/async/err/sampled",
            0.8,
        ),
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
