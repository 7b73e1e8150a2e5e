#!/usr/bin/env bash
# End-to-end benchmark (issue 7, docs/performance.md): the whole process — start, CSV read
# and number parsing, evaluation, CSV write to a file, exit — for jixiao (--jobs 1 and 2)
# and the hand-written baseline (benches/baseline/), on the same generated file, runs
# alternating, medians and peak RSS from /usr/bin/time.
#
#   benches/e2e.sh                 # 1,000,000 units, 5 runs of each
#   N=100000 RUNS=3 benches/e2e.sh
#
# Needs python3 and ../shared/bench/gen_units.py (or BENCH_DIR=…) to generate the input;
# installs GNU time with apt-get when /usr/bin/time is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-1000000}
RUNS=${RUNS:-5}
DATA=${DATA:-target/bench-data}
RULES=benches/workload/workload.jx
COLUMNS=$(tr -d '\n' < benches/workload/columns.txt)

# --- what the script needs ---------------------------------------------------------
if [ -z "${BENCH_DIR:-}" ]; then
  for d in .. ../.. ../../..; do
    if [ -f "$d/shared/bench/gen_units.py" ]; then BENCH_DIR="$d/shared/bench"; break; fi
  done
fi
if [ -z "${BENCH_DIR:-}" ] || [ ! -f "$BENCH_DIR/gen_units.py" ]; then
  echo "e2e: shared/bench/gen_units.py not found beside the repository (set BENCH_DIR)" >&2
  exit 1
fi
command -v python3 >/dev/null || { echo "e2e: python3 is needed to generate the input" >&2; exit 1; }
if [ ! -x /usr/bin/time ]; then
  echo "e2e: installing GNU time (apt-get)" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null) \
    || { echo "e2e: /usr/bin/time is missing and could not be installed" >&2; exit 1; }
fi

# --- input ---------------------------------------------------------------------------
mkdir -p "$DATA"
INPUT="$DATA/units-$N.csv"
if [ ! -f "$INPUT" ]; then
  echo "generating $INPUT …" >&2
  python3 "$BENCH_DIR/gen_units.py" "$N" "$INPUT.tmp"
  mv "$INPUT.tmp" "$INPUT"
fi
EXPECTED_SHA=$(grep -E "[0-9a-f]{64}  data/units-$N\.csv" "$BENCH_DIR/WORKLOAD.md" | awk '{print $1}' || true)
ACTUAL_SHA=$(sha256sum "$INPUT" | awk '{print $1}')
if [ -n "$EXPECTED_SHA" ]; then
  if [ "$EXPECTED_SHA" != "$ACTUAL_SHA" ]; then
    echo "e2e: $INPUT has SHA-256 $ACTUAL_SHA, WORKLOAD.md says $EXPECTED_SHA" >&2
    exit 1
  fi
  echo "input: $INPUT (SHA-256 matches WORKLOAD.md)"
else
  echo "input: $INPUT (SHA-256 $ACTUAL_SHA; WORKLOAD.md lists no sum for N=$N)"
fi

# --- build ---------------------------------------------------------------------------
cargo build --release --quiet --bin jixiao --example baseline
JIXIAO=target/release/jixiao
BASELINE=target/release/examples/baseline
OUT="$DATA/e2e-out"
mkdir -p "$OUT"

baseline() { "$BASELINE" "$INPUT" "$OUT/baseline.csv"; }
jixiao_jobs() {
  "$JIXIAO" eval "$RULES" "$INPUT" --columns "$COLUMNS" -o "$OUT/jixiao-$1.csv" --jobs "$1" 2>/dev/null
}

# Warm the page cache and check that all three agree before timing anything.
baseline 2>/dev/null
jixiao_jobs 1
jixiao_jobs 2
# jixiao writes a UTF-8 BOM into CSV files (for Excel); otherwise the bytes are identical.
for j in 1 2; do
  if ! tail -c +4 "$OUT/jixiao-$j.csv" | cmp -s - "$OUT/baseline.csv"; then
    echo "e2e: jixiao --jobs $j and the baseline disagree (see $OUT)" >&2
    exit 1
  fi
done
echo "outputs: jixiao (--jobs 1, --jobs 2) and the baseline are identical ($N rows + header)"

# --- timed runs, alternating -----------------------------------------------------------
declare -A TIMES RSS
names=(baseline jixiao-1 jixiao-2)
for ((r = 1; r <= RUNS; r++)); do
  # Rotate the order so that no command always runs first (or after the same one).
  for ((k = 0; k < 3; k++)); do
    name=${names[$(((k + r) % 3))]}
    case $name in
      baseline) cmd=("$BASELINE" "$INPUT" "$OUT/baseline.csv") ;;
      jixiao-1) cmd=("$JIXIAO" eval "$RULES" "$INPUT" --columns "$COLUMNS" -o "$OUT/jixiao-1.csv" --jobs 1) ;;
      jixiao-2) cmd=("$JIXIAO" eval "$RULES" "$INPUT" --columns "$COLUMNS" -o "$OUT/jixiao-2.csv" --jobs 2) ;;
    esac
    /usr/bin/time -f "%e %M" -o "$OUT/time.txt" "${cmd[@]}" >/dev/null 2>&1
    stats=$(tail -1 "$OUT/time.txt")
    TIMES[$name]+="${stats%% *} "
    RSS[$name]+="${stats##* } "
  done
  echo "run $r/$RUNS done" >&2
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
maxof() { tr ' ' '\n' | grep -v '^$' | sort -g | tail -1; }

base_median=$(echo "${TIMES[baseline]}" | median)
echo
echo "end to end, $N units, $RUNS runs each (alternating), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg):"
printf "  %-18s %9s %12s %16s   %s\n" "" "median s" "peak RSS MiB" "time ÷ baseline" "all runs (s)"
for name in "${names[@]}"; do
  m=$(echo "${TIMES[$name]}" | median)
  rss=$(echo "${RSS[$name]}" | maxof)
  ratio=$(awk -v a="$m" -v b="$base_median" 'BEGIN {printf "%.2f×", a / b}')
  label=$name
  case $name in jixiao-1) label="jixiao --jobs 1" ;; jixiao-2) label="jixiao --jobs 2" ;; esac
  printf "  %-18s %9s %12s %16s   %s\n" "$label" "$m" "$(awk -v k="$rss" 'BEGIN {printf "%.1f", k / 1024}')" "$ratio" "${TIMES[$name]}"
done
