#!/usr/bin/env bash
# Issue 16 item 1: what recording a validation in /metrics costs (MetricsBenchmark, ns/op on two threads) beside one
# embedded validation (ValidateBenchmark.validateFor, us/op) in the same run -> bench/results/metrics-cost.txt, with
# the ratio. Run it on a quiet machine. About 2 minutes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."   # the repository root
. bench/lib.sh
bench_find_java
bench_build_ward
bench_build_jmh
OUT=bench/results/metrics-cost.txt
mkdir -p bench/results
{
  echo "# bench/metrics-cost.sh, $(date -u '+%Y-%m-%d %H:%M UTC')"
  bench_machine
  "$JAVA" -jar bench/jmh/target/benchmarks.jar -bm avgt -tu ns -f 1 -wi 2 -w 3s -i 3 -r 3s 'MetricsBenchmark' 2>&1 | tee "$OUT.m"
  "$JAVA" -jar bench/jmh/target/benchmarks.jar -bm avgt -tu ns -f 1 -wi 2 -w 5s -i 3 -r 5s -t 2 'ValidateBenchmark.validateFor$' 2>&1 | tee "$OUT.v"
  m=$(awk '/^MetricsBenchmark.recordValidation/ {print $(NF-3)}' "$OUT.m")
  v=$(awk '/^ValidateBenchmark.validateFor/ {print $(NF-3)}' "$OUT.v")
  echo "# per validation: metrics ${m} ns, validation ${v} ns; metrics / validation = $(awk -v m="$m" -v v="$v" 'BEGIN {printf "%.4f", m / v}')"
  echo "# load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$OUT"
rm -f "$OUT.m" "$OUT.v"
cat "$OUT"
