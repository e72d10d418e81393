#!/usr/bin/env bash
# Compile cost of `#[traced]` next to `#[tracing::instrument]` and no attribute (issue 4).
#
# Generates three throwaway crates of N small functions each (same bodies, arguments like
# the overhead bench's `work`), one per attribute, and measures for each:
#   - expanded lines per function: `cargo rustc -- -Zunpretty=expanded`, minus the plain crate's;
#   - dev-profile rebuild time of the crate after `touch src/lib.rs` (median of RUNS runs,
#     the variants interleaved): a full rebuild (CARGO_INCREMENTAL=0) and an incremental one;
#   - release `.text` bytes per function: a binary calls all N through `black_box`ed function
#     pointers; (its .text - the plain one's) / N, and the marginal bytes of one more function
#     ((all N) - (first N/2)) / (N/2), which leaves out code every binary links once.
# Prints a table and writes it to benches/compile-cost.md, which
# `cargo bench -p traced-benches --bench overhead -- --write BENCHMARKS.md` puts in BENCHMARKS.md.
#
# Usage: bash benches/compile-cost.sh [--functions N] [--runs RUNS]
# The crates and their builds go to $CARGO_TARGET_DIR/compile-cost (default target/compile-cost).
set -euo pipefail

N=500
RUNS=5
while [ $# -gt 0 ]; do
    case "$1" in
        --functions) N="$2"; shift 2 ;;
        --runs) RUNS="$2"; shift 2 ;;
        -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
    esac
done
HALF=$((N / 2))

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
work="${CARGO_TARGET_DIR:-$root/target}/compile-cost"
out="$here/compile-cost.md"
variants=(plain traced instrument)
mkdir -p "$work"
export CARGO_TARGET_DIR="$work/target"
export CARGO_TERM_COLOR=never

# --- generation ------------------------------------------------------------------------

attribute() {
    case "$1" in
        plain) ;;
        traced) echo "#[traced::traced]" ;;
        instrument) echo "#[tracing::instrument]" ;;
    esac
}

generate() {
    local variant="$1" dir="$work/crates/$1"
    rm -rf "$dir"
    mkdir -p "$dir/src/bin"
    {
        echo "[package]"
        echo "name = \"cost-$variant\""
        echo "version = \"0.0.0\""
        echo "edition = \"2021\""
        echo "publish = false"
        echo
        echo "[dependencies]"
        case "$variant" in
            traced) echo "traced = { path = \"$root/runtime\", default-features = false }" ;;
            instrument) echo "tracing = { version = \"0.1\", default-features = false, features = [\"std\", \"attributes\"] }" ;;
        esac
        echo
        echo "[workspace]"
    } >"$dir/Cargo.toml"
    # The workspace's lock file, so that every crate resolves to the versions the bench uses.
    cp "$root/Cargo.lock" "$dir/Cargo.lock"
    {
        echo "#[derive(Debug)]"
        echo "pub struct WorkError(pub u64);"
        echo
        echo "impl core::fmt::Display for WorkError {"
        echo "    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {"
        echo "        write!(f, \"work {} failed\", self.0)"
        echo "    }"
        echo "}"
        echo
        echo "impl std::error::Error for WorkError {}"
        local attr i
        attr="$(attribute "$variant")"
        for ((i = 0; i < N; i++)); do
            echo
            [ -n "$attr" ] && echo "$attr"
            # The index keeps functions distinct, so the compiler cannot merge them.
            echo "pub fn work_$i(a: u64, b: &str, c: bool) -> Result<u64, WorkError> {"
            echo "    if c { Ok(a.wrapping_mul($((i + 2))) ^ b.len() as u64) } else { Err(WorkError(a)) }"
            echo "}"
        done
    } >"$dir/src/lib.rs"
    local bin count
    for bin in all half; do
        count=$N
        [ "$bin" = half ] && count=$HALF
        {
            echo "type Work = fn(u64, &str, bool) -> Result<u64, cost_$variant::WorkError>;"
            echo
            echo "fn main() {"
            echo "    let functions: [Work; $count] = std::hint::black_box(["
            for ((i = 0; i < count; i++)); do
                echo "        cost_$variant::work_$i,"
            done
            echo "    ]);"
            echo "    let mut total = 0u64;"
            echo "    for (i, work) in functions.iter().enumerate() {"
            echo "        total ^= work(i as u64, \"user-42\", i % 2 == 0).unwrap_or(1);"
            echo "    }"
            echo "    println!(\"{total}\");"
            echo "}"
        } >"$dir/src/bin/$bin.rs"
    done
}

# --- measurement -----------------------------------------------------------------------

now_ms() { date +%s%3N; }

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

text_bytes() { size -A "$1" | awk '$1 == ".text" { print $2 }'; }

declare -A lines rebuild rebuild_incr text_all text_half

for variant in "${variants[@]}"; do
    echo "== $variant: generating $N functions and building" >&2
    generate "$variant"
    dir="$work/crates/$variant"
    (cd "$dir" && cargo build -q --release --bins)
    lines[$variant]=$(cd "$dir" && RUSTC_BOOTSTRAP=1 cargo rustc -q --lib --profile check -- -Zunpretty=expanded | wc -l)
    text_all[$variant]=$(text_bytes "$CARGO_TARGET_DIR/release/all")
    text_half[$variant]=$(text_bytes "$CARGO_TARGET_DIR/release/half")
done

# A target directory per mode: switching CARGO_INCREMENTAL would rebuild the runtime too.
rebuild_once() {
    local variant="$1" incremental="$2" dir="$work/crates/$1" start
    touch "$dir/src/lib.rs"
    start=$(now_ms)
    (cd "$dir" && CARGO_INCREMENTAL=$incremental CARGO_TARGET_DIR="$work/target-incremental-$incremental" cargo build -q --lib)
    echo $(($(now_ms) - start))
}

declare -A full_times incr_times
for variant in "${variants[@]}"; do
    # Prime both modes, so that each timed run rebuilds only the crate.
    rebuild_once "$variant" 0 >/dev/null
    rebuild_once "$variant" 1 >/dev/null
done
for ((run = 1; run <= RUNS; run++)); do
    echo "== rebuilds, run $run/$RUNS" >&2
    for variant in "${variants[@]}"; do
        full_times[$variant]+="$(rebuild_once "$variant" 0) "
        incr_times[$variant]+="$(rebuild_once "$variant" 1) "
    done
done
for variant in "${variants[@]}"; do
    rebuild[$variant]=$(tr ' ' '\n' <<<"${full_times[$variant]}" | grep . | median)
    rebuild_incr[$variant]=$(tr ' ' '\n' <<<"${incr_times[$variant]}" | grep . | median)
done

# --- report ----------------------------------------------------------------------------

calc() { awk "BEGIN { printf \"%.${2:-1}f\", $1 }"; }

declare -A label=([plain]="no attribute" [traced]="\`#[traced]\`" [instrument]="\`#[tracing::instrument]\`")
data=""
table="| attribute | expanded lines per fn (over plain) | full rebuild, ms | full rebuild over plain, ms | incremental rebuild, ms | incremental over plain, ms | release \`.text\` bytes per fn (over plain) | \`.text\` bytes per extra fn |
|---|---:|---:|---:|---:|---:|---:|---:|
"
for variant in "${variants[@]}"; do
    lines_per_fn=$(calc "(${lines[$variant]} - ${lines[plain]}) / $N")
    over=$((rebuild[$variant] - rebuild[plain]))
    over_incr=$(calc "${rebuild_incr[$variant]} - ${rebuild_incr[plain]}" 0)
    text_per_fn=$(calc "(${text_all[$variant]} - ${text_all[plain]}) / $N")
    marginal=$(calc "(${text_all[$variant]} - ${text_half[$variant]}) / ($N - $HALF)")
    table+="| ${label[$variant]} | $lines_per_fn | ${rebuild[$variant]} | $over | ${rebuild_incr[$variant]} | $over_incr | $text_per_fn | $marginal |
"
    data+="variant=$variant lines=${lines[$variant]} lines_per_fn=$lines_per_fn rebuild_ms=${rebuild[$variant]} rebuild_over_plain_ms=$over rebuild_incr_ms=${rebuild_incr[$variant]} rebuild_incr_over_plain_ms=$over_incr text=${text_all[$variant]} text_half=${text_half[$variant]} text_per_fn=$text_per_fn text_marginal_per_fn=$marginal
"
done
ratio() {
    local t i
    t=$(awk -v k="$1" '{ for (f = 1; f <= NF; f++) if ($f ~ "^" k "=") { split($f, kv, "="); if ($1 == "variant=traced") print kv[2] } }' <<<"$data")
    i=$(awk -v k="$1" '{ for (f = 1; f <= NF; f++) if ($f ~ "^" k "=") { split($f, kv, "="); if ($1 == "variant=instrument") print kv[2] } }' <<<"$data")
    awk -v t="$t" -v i="$i" 'BEGIN { if (i + 0 == 0) print "–"; else printf "%.2f×", t / i }'
}
table+="| \`#[traced]\` / \`#[instrument]\` | $(ratio lines_per_fn) | $(ratio rebuild_ms) | $(ratio rebuild_over_plain_ms) | $(ratio rebuild_incr_ms) | $(ratio rebuild_incr_over_plain_ms) | $(ratio text_per_fn) | $(ratio text_marginal_per_fn) |
"

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
if commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null); then
    source="commit $commit"
    if [ -n "$(git -C "$root" status --porcelain -- runtime macros)" ]; then
        source+=" with uncommitted changes to runtime or macros"
    fi
else
    source="unknown (not a git checkout)"
fi
source="${TRACED_BENCH_SOURCE:-$source}"

{
    echo "Measured by \`bash benches/compile-cost.sh\` ($N functions per crate, $RUNS rebuilds each) on $(date -u '+%Y-%m-%d %H:%M') UTC,"
    echo "$cpu, $(nproc) cores, $(rustc -V); source: $source."
    echo
    echo "Each crate holds $N functions \`pub fn work_i(a: u64, b: &str, c: bool) -> Result<u64, WorkError>\` with the"
    echo "same body (the index keeps them distinct); one crate has no attribute, one \`#[traced]\` (runtime with"
    echo "\`default-features = false\`), one \`#[tracing::instrument]\`. *Expanded lines*: \`cargo rustc --lib --profile check --"
    echo "-Zunpretty=expanded\`, line count minus the plain crate's, per function. *Rebuild*: dev profile, \`touch src/lib.rs\`"
    echo "then \`cargo build --lib\`, median of $RUNS, variants interleaved; *full* with \`CARGO_INCREMENTAL=0\` (the whole crate is"
    echo "compiled again), *incremental* with the default incremental cache. *\`.text\`*: release binaries that call the"
    echo "functions through \`black_box\`ed function pointers; *per fn* = (binary with all $N − the plain crate's) / $N, which"
    echo "includes a share of the runtime code the binary links once; *per extra fn* = (all $N − first $HALF) / $((N - HALF)),"
    echo "the code each further function adds."
    echo
    printf '%s' "$table"
    echo
    echo "<!-- compile-cost data (read by the overhead bench's --write; do not edit)"
    printf '%s' "$data"
    echo "-->"
} >"$out"

printf '%s' "$table"
echo "wrote $out" >&2
