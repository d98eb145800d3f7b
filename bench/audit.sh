#!/usr/bin/env bash
# The audit trail's numbers (issue 11, "Measure"), each beside a baseline of the same run: chained appends per second
# on PostgreSQL (1, 8, 32 writers over two Ward cores = two nodes) beside pgbench single-row INSERT commits, the same
# on embedded H2 beside plain INSERT commits, search latency (p50/p99 per filter) over 10^6 events beside a
# primary-key lookup, with the query plans, and export rates beside a plain JDBC scan. Writes bench/results/audit.txt.
#
# Usage: bench/audit.sh [SECONDS per append run (10)] [EVENTS for search/export (1000000)]
#   EVENTS=0 runs the appends alone (a few minutes): bench/audit.sh 10 0
# Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust) and pgbench (Debian: postgresql-contrib / postgresql).
# It creates a database of its own (ward_bench_audit_<pid>) and drops it at the end. About 15 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."   # the repository root
. bench/lib.sh
SECONDS_PER_RUN="${1:-10}"
EVENTS="${2:-1000000}"
OUT="${OUT:-bench/results/audit.txt}"
PGBENCH="$(command -v pgbench || ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | tail -n 1)"
[ -x "$PGBENCH" ] || { echo "bench/audit.sh: pgbench not found (apt-get install postgresql-contrib)." >&2; exit 1; }

bench_find_java
bench_build_ward
echo "audit.sh: building bench/jmh/target/benchmarks.jar ..." >&2
mvn -B -q -ntp -f bench/jmh/pom.xml package

mkdir -p bench/results
{
  echo "# bench/audit.sh $SECONDS_PER_RUN $EVENTS, $(date -u '+%Y-%m-%d %H:%M UTC')"
  bench_machine
  WARD_ACCESS_LOG_LEVEL=WARN "$JAVA" -cp bench/jmh/target/benchmarks.jar dev.ward.bench.AuditBench \
    "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres" "$PGBENCH" "$SECONDS_PER_RUN" "$EVENTS" 2>&1 \
    | grep -v -E '^[0-9:.]+ (INFO|WARN|DEBUG) '
  echo "# load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUT"
