#!/usr/bin/env bash
# Issue 4's measurement, same machine, same run: wrk on POST /v1/sessions/validate (bench/run-wrk.sh: 50
# connections, 30 s, one session and 50 sessions) in each mode, and redis-benchmark GET beside it (the floor of
# one Redis round trip per validation):
#   1. embedded H2                        -> bench/results/wrk-validate.txt
#   2. PostgreSQL (sessions in it too)     -> bench/results/wrk-validate-postgres.txt
#   3. PostgreSQL + Redis                  -> bench/results/wrk-validate-redis.txt
#   4. redis-benchmark -t get -c 50 -n 200000 on the same Redis -> bench/results/redis-benchmark-get.txt
# PostgreSQL: a fresh database per mode on 127.0.0.1:5432 (user postgres), dropped after. Redis: a server of
# its own on a free loopback port (nothing persisted), stopped after.
#
# Usage: bench/run-wrk-modes.sh        Environment: as bench/run-wrk.sh; REDIS_PORT (16380)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."   # the repository root
REDIS_PORT="${REDIS_PORT:-16380}"
for tool in psql redis-server redis-benchmark openssl; do
  command -v "$tool" >/dev/null 2>&1 || { echo "run-wrk-modes: $tool is needed (apt-get install -y postgresql-client redis-server openssl)" >&2; exit 1; }
done
DBS=()
DIR="$(mktemp -d)"
RPID=""
cleanup() {
  [ -n "$RPID" ] && { kill "$RPID" 2>/dev/null || true; wait "$RPID" 2>/dev/null || true; }
  for db in "${DBS[@]}"; do psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true; done
  rm -rf "$DIR"
}
trap cleanup EXIT
fresh_db() {
  local db="ward_bench_$1_$$"
  psql -q -h 127.0.0.1 -U postgres -d postgres -c "CREATE DATABASE $db" >/dev/null
  DBS+=("$db")
  echo "jdbc:postgresql://127.0.0.1:5432/$db?user=postgres"
}
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$DIR" --daemonize no > "$DIR/redis.log" 2>&1 &
RPID=$!
for _ in $(seq 1 100); do redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && break; sleep 0.05; done

MASTER="$(openssl rand -base64 32)"
echo "run-wrk-modes: 1/4 embedded" >&2
OUT=bench/results/wrk-validate.txt bash bench/run-wrk.sh
echo "run-wrk-modes: 2/4 PostgreSQL" >&2
WARD_MASTER_KEY="$MASTER" WARD_DATABASE_URL="$(fresh_db pg)" OUT=bench/results/wrk-validate-postgres.txt bash bench/run-wrk.sh
echo "run-wrk-modes: 3/4 PostgreSQL + Redis" >&2
WARD_MASTER_KEY="$MASTER" WARD_DATABASE_URL="$(fresh_db redis)" WARD_REDIS_URL="redis://127.0.0.1:$REDIS_PORT" \
  OUT=bench/results/wrk-validate-redis.txt bash bench/run-wrk.sh
echo "run-wrk-modes: 4/4 redis-benchmark" >&2
{
  echo "# bench/run-wrk-modes.sh, $(date -u '+%Y-%m-%d %H:%M UTC'), after the wrk runs, on the Redis of run 3"
  echo "# redis: $(redis-server --version)"
  echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  redis-benchmark -h 127.0.0.1 -p "$REDIS_PORT" -t get -c 50 -n 200000
} | tee bench/results/redis-benchmark-get.txt
