#!/usr/bin/env bash
# Redis memory per session (issue 4): starts a Redis of its own on a free loopback port (nothing persisted),
# stores N sessions (100 000) through Ward's Redis store, and divides the growth of INFO memory's
# used_memory by N. Writes bench/results/redis-memory.txt.
#
# Usage: bench/redis-memory.sh            Environment: N (100000), PORT (16399), REDIS_ARGS (extra redis-server
# options, e.g. "--hash-max-listpack-value 512"), OUT (bench/results/redis-memory.txt)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."   # the repository root
. bench/lib.sh
N="${N:-100000}"; PORT="${PORT:-16399}"; OUT="${OUT:-bench/results/redis-memory.txt}"
command -v redis-server >/dev/null 2>&1 || { echo "redis-memory: redis-server is needed (apt-get install -y redis-server)" >&2; exit 1; }
bench_find_java
bench_build_ward
echo "redis-memory: building bench/jmh/target/benchmarks.jar ..." >&2
mvn -B -q -ntp -f bench/jmh/pom.xml package
DIR="$(mktemp -d)"
redis-server --port "$PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$DIR" --daemonize no ${REDIS_ARGS:-} > "$DIR/redis.log" 2>&1 &
RPID=$!
trap 'kill $RPID 2>/dev/null || true; wait $RPID 2>/dev/null || true; rm -rf "$DIR"' EXIT
for _ in $(seq 1 100); do redis-cli -p "$PORT" ping 2>/dev/null | grep -q PONG && break; sleep 0.05; done
mkdir -p bench/results
{
  echo "# bench/redis-memory.sh, $(date -u '+%Y-%m-%d %H:%M UTC')"
  bench_machine
  echo "# redis: $(redis-server --version)"
  echo "# redis-server options: ${REDIS_ARGS:-(defaults)}"
  "$JAVA" -cp bench/jmh/target/benchmarks.jar dev.ward.bench.RedisMemory "redis://127.0.0.1:$PORT" "$N"
} | tee "$OUT"
