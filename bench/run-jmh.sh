#!/usr/bin/env bash
# JMH benchmarks of session validation (SessionService.validateFor / validate) on the embedded H2 store,
# through Ward's real wiring (Ward.Core.open), without HTTP. Writes bench/results/jmh-validate.txt.
#
# Usage: bench/run-jmh.sh [JMH_ARGS...]      e.g. bench/run-jmh.sh 'validateFor$'   (a benchmark regex)
#        OUT=bench/results/jmh-crypto.txt bench/run-jmh.sh CryptoBenchmark   (encryption, issue 6)
# Environment: WARMUP (2), ITERATIONS (3), ITER_SECONDS (5, per iteration), FORKS (1), OUT (the results file).
# About 5 minutes on a 2-core machine: two passes (throughput, then sample time for percentiles).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."   # the repository root
. bench/lib.sh
OUT="${OUT:-bench/results/jmh-validate.txt}"
COMMON=(-wi "${WARMUP:-2}" -w "${ITER_SECONDS:-5}s" -i "${ITERATIONS:-3}" -r "${ITER_SECONDS:-5}s" -f "${FORKS:-1}")

bench_find_java
bench_build_ward
echo "run-jmh: building bench/jmh/target/benchmarks.jar ..." >&2
mvn -B -q -ntp -f bench/jmh/pom.xml package

mkdir -p bench/results
{
  echo "# bench/run-jmh.sh, $(date -u '+%Y-%m-%d %H:%M UTC')"
  bench_machine
  echo "# jmh args: ${COMMON[*]} $*"
  echo
  echo "######## pass 1: throughput (ops/s)"
  "$JAVA" -jar bench/jmh/target/benchmarks.jar -bm thrpt -tu s "${COMMON[@]}" "$@" 2>&1
  echo
  echo "######## pass 2: sample time (us/op, with percentiles)"
  "$JAVA" -jar bench/jmh/target/benchmarks.jar -bm sample -tu us "${COMMON[@]}" "$@" 2>&1
  echo "# load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUT"
echo "run-jmh: wrote $OUT" >&2
