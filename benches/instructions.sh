#!/usr/bin/env bash
# Instructions per call of `#[traced]` on the calling thread, under callgrind:
# stable from run to run on a noisy machine, where nanoseconds are not.
#
#   bash benches/instructions.sh                  # every traced/* case of the bench
#   bash benches/instructions.sh sync/ok/sampled  # the cases whose id contains it
#   BENCH_BIN=/path/to/overhead bash benches/instructions.sh   # another build of the bench
#
# For each case, callgrind collects inside the measured function only (the
# instrumented function and, for an async one, its future's poll), and the total is
# divided by the calls made to it, read from callgrind's own call counts (the
# future's polls when the async fn itself was inlined: each call is polled once).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -z "${BENCH_BIN:-}" ]]; then
    echo "building the bench binary (release)..." >&2
    BENCH_BIN=$(cargo bench -p traced-benches --bench overhead --no-run --message-format=json 2>/dev/null |
        sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -1)
fi
[[ -x "$BENCH_BIN" ]] || { echo "no bench binary (set BENCH_BIN)" >&2; exit 1; }

CASES=(
    traced/sync/ok/none traced/sync/ok/switched-off traced/sync/ok/unsampled traced/sync/ok/setup-unsampled
    traced/sync/ok/setup-unsampled-child traced/sync/ok/sampled traced/sync/ok/setup-sampled
    traced/sync/err/none traced/sync/err/unsampled traced/sync/err/sampled
    traced/sync/err/setup-sampled
    traced/async/ok/none traced/async/ok/switched-off traced/async/ok/unsampled traced/async/ok/setup-unsampled
    traced/async/ok/setup-unsampled-child traced/async/ok/sampled traced/async/ok/setup-sampled
    traced/async/err/none traced/async/err/unsampled traced/async/err/sampled
)

function_of() {
    case "$1" in
        traced/sync/ok/*) echo traced_work ;;
        traced/sync/err/*) echo traced_work_err ;;
        traced/async/ok/*) echo traced_work_async ;;
        traced/async/err/*) echo traced_work_err_async ;;
    esac
}

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
printf '%-40s %12s %10s\n' case instructions calls
for id in "${CASES[@]}"; do
    [[ $# -gt 0 && "$id" != *"$1"* ]] && continue
    f="overhead::workloads::$(function_of "$id")"
    echo "callgrind: $id ..." >&2
    valgrind --tool=callgrind --callgrind-out-file="$out/cg.out" \
        --toggle-collect="$f" --toggle-collect="$f::{{closure}}" \
        "$BENCH_BIN" --only "=$id" --quick >/dev/null 2>"$out/log" || {
        cat "$out/log" >&2
        exit 1
    }
    # Totals from the summary line; calls from the `calls=` lines that follow a
    # `cfn=` naming the function itself (its id is defined where first named).
    awk -v want="$f" -v id="$id" '
        /^summary:/ { total = $2 }
        /^totals:/ { total = $2 }
        /^c?fn=\(/ {
            match($0, /\([0-9]+\)/)
            key = substr($0, RSTART, RLENGTH)
            rest = substr($0, RSTART + RLENGTH + 1)
            if (rest != "") names[key] = rest
            if ($0 ~ /^cfn=/) callee = key
            else callee = ""
            next
        }
        /^calls=/ {
            split($0, a, /[= ]/)
            if (callee != "" && names[callee] == want) calls += a[2]
            if (callee != "" && names[callee] == want "::{{closure}}") polls += a[2]
            callee = ""
            next
        }
        END {
            # An async fn whose constructor was inlined: its future is polled once a call.
            if (calls == 0) calls = polls
            if (calls == 0) { printf "%-40s %12s %10s\n", id, "?", 0; exit }
            printf "%-40s %12.0f %10d\n", id, total / calls, calls
        }
    ' "$out/cg.out"
done
