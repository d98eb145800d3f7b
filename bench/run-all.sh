#!/usr/bin/env bash
# Every figure of issue 13 (performance) in one run on one machine, each beside its baseline of the same run:
#   1. production mode (PostgreSQL + Redis): POST /v1/sessions/validate under wrk -t2 -c50 over SESSIONS (1,000)
#      sessions (run-wrk.sh SEED=store), then the same with BIG_REDIS (1,000,000) sessions more held in the store
#      (FILL), each followed at once by
#      redis-benchmark -t get -c 50 on the same Redis (goal: validate >= 0.30 x GET/s, p99 <= 10 ms, no loss with
#      the number of sessions);
#   2. embedded H2: the same over SESSIONS sessions, then over BIG_H2 (100,000), each beside GET /health/live of the
#      same server (goal: >= 0.75 x health, p99 <= 10 ms);
#   3. Redis memory per session, Redis defaults (bench/redis-memory.sh, 100,000 sessions; goal <= 400 B);
#   4. Ward against Spring Session and logins against raw Argon2id (bench/peers.sh; goals >= 3x on validate,
#      login-to-first-validate no slower, logins >= 0.90 x raw Argon2id);
#   5. bench/validate-alloc.sh: bytes allocated per validation over HTTP (embedded) and per /health/live, resident
#      memory idle and after the load, with the launcher's JVM options (goal 4);
#   6. bench/startup-ratio.sh: ./ward serve to "listening" beside java -version and a hello-world on the jar
#      (goal 4: <= 1.5 s), STARTUP_ROUNDS (7) rounds.
# The servers run as bench/run-wrk.sh starts them, with the launcher's JVM options (./ward jvm-options). Raw outputs go to bench/results/all-*.txt and the summary
# table to bench/results/run-all.txt. Exits non-zero if a step fails (a non-200 answer fails its step).
#
# Usage: bench/run-all.sh      Environment: SESSIONS (1000), DURATION (20s), BIG_REDIS (1000000), BIG_H2 (100000),
#   MEM_N (100000), SKIP_PEERS (0), SKIP_BUILD (0), REDIS_PORT (16385), STARTUP_ROUNDS (7).
# About 30-40 minutes on a quiet 2-core machine, most of it filling the store and the peers' logins. Run it with
# nothing else on the machine: every ratio assumes both sides saw the same machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."   # the repository root
. bench/lib.sh
SESSIONS="${SESSIONS:-1000}"; DURATION="${DURATION:-20s}"; BIG_REDIS="${BIG_REDIS:-1000000}"; BIG_H2="${BIG_H2:-100000}"
REDIS_PORT="${REDIS_PORT:-16385}"; MEM_N="${MEM_N:-100000}"
export SESSIONS DURATION
for tool in wrk curl psql redis-server redis-cli redis-benchmark openssl mvn; do
  command -v "$tool" >/dev/null 2>&1 || { echo "run-all: $tool is needed (apt-get install -y wrk curl postgresql-client redis-server redis-tools openssl maven)" >&2; exit 1; }
done
bench_find_java
bench_build_ward
bench_build_jmh
if [ "${SKIP_BUILD:-0}" != 1 ] && [ "${SKIP_PEERS:-0}" != 1 ]; then
  echo "run-all: building the peer (bench/peers/spring-session) ..." >&2
  mvn -B -q -ntp -f bench/peers/spring-session/pom.xml package
fi
export SKIP_BUILD=1   # the steps below reuse what was just built
# The servers run with the launcher's JVM defaults (heap, collector: ./ward jvm-options, decision 0022), as
# ./ward serve starts them: goal 4's resident memory is theirs. SERVER_JAVA_OPTS given to this script wins.
SERVER_JAVA_OPTS="${SERVER_JAVA_OPTS-$(./ward jvm-options | tr '\n' ' ')}"
export SERVER_JAVA_OPTS
START_S=$(date +%s); START_LOAD="$(cut -d' ' -f1-3 /proc/loadavg)"
mkdir -p bench/results

DIR="$(mktemp -d)"; RPID=""; DBS=()
stop_redis() { if [ -n "$RPID" ]; then kill "$RPID" 2>/dev/null || true; wait "$RPID" 2>/dev/null || true; RPID=""; fi; }
cleanup() {
  stop_redis
  for db in "${DBS[@]}"; do psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true; done
  rm -rf "$DIR"
}
trap cleanup EXIT
fresh_redis() {   # a new, empty Redis with the defaults, nothing persisted
  stop_redis
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$DIR" --daemonize no > "$DIR/redis.log" 2>&1 &
  RPID=$!
  for _ in $(seq 1 100); do redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && return 0; sleep 0.05; done
  echo "run-all: redis-server did not start" >&2; cat "$DIR/redis.log" >&2; exit 1
}
fresh_db() {
  local db="ward_bench_all_$1_$$"
  psql -q -h 127.0.0.1 -U postgres -d postgres -c "CREATE DATABASE $db" >/dev/null
  DBS+=("$db")
  echo "jdbc:postgresql://127.0.0.1:5432/$db?user=postgres"
}
MASTER="$(openssl rand -base64 32)"

# Figures from a run-wrk.sh output: the requests/s and p99 of its section N (1 = one session, 2 = SESSIONS, 3 = health).
rps() { awk -v n="######## $2." 'index($0, n) == 1 {on = 1; next} /^######## / {on = 0} on && /^Requests\/sec:/ {print $2; exit}' "$1"; }
p99() { awk -v n="######## $2." 'index($0, n) == 1 {on = 1; next} /^######## / {on = 0} on && $1 == "99%" {print $2; exit}' "$1"; }
rss() { grep -o 'resident memory after the run: [0-9]* MiB' "$1" | grep -o '[0-9]*' || echo '?'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "?" }'; }
getps() { grep -o '[0-9.]* requests per second' "$1" | tail -n 1 | cut -d' ' -f1; }

ROWS=()
prod_run() {   # prod_run NAME FILL
  local out="bench/results/all-prod-$1.txt" rb="bench/results/all-prod-$1-redis-benchmark.txt"
  fresh_redis
  echo "run-all: production mode, $SESSIONS sessions + $2 held ..." >&2
  WARD_MASTER_KEY="$MASTER" WARD_DATABASE_URL="$(fresh_db "$1")" WARD_REDIS_URL="redis://127.0.0.1:$REDIS_PORT" \
    SEED=store FILL="$2" OUT="$out" PORT=18771 bash bench/run-wrk.sh
  { echo "# redis-benchmark -t get -c 50 -n 500000, right after $out, same Redis ($(redis-cli -p "$REDIS_PORT" dbsize) keys); load average $(cut -d' ' -f1-3 /proc/loadavg)"
    redis-benchmark -h 127.0.0.1 -p "$REDIS_PORT" -t get -c 50 -n 500000 -q | tr '\r' '\n' | grep -v '^GET: rps=' ; } > "$rb"
  local v g; v="$(rps "$out" 2)"; g="$(getps "$rb")"
  ROWS+=("| production, $SESSIONS sessions used in turn + $2 held | $v req/s, p99 $(p99 "$out" 2) | redis-benchmark GET $g/s | **$(ratio "$v" "$g")** | ≥ 0.30, p99 ≤ 10 ms | $(rss "$out") MiB |")
}
embedded_run() {   # embedded_run NAME SESSIONS: the load spreads over all of them
  local out="bench/results/all-embedded-$1.txt"
  echo "run-all: embedded, $2 sessions ..." >&2
  SEED=store SESSIONS="$2" OUT="$out" PORT=18772 bash bench/run-wrk.sh
  local v h; v="$(rps "$out" 2)"; h="$(rps "$out" 3)"
  ROWS+=("| embedded H2, $2 sessions used in turn | $v req/s, p99 $(p99 "$out" 2) | /health/live $h req/s, p99 $(p99 "$out" 3) | **$(ratio "$v" "$h")** | ≥ 0.75, p99 ≤ 10 ms | $(rss "$out") MiB |")
}

prod_run small 0
prod_run big "$BIG_REDIS"
stop_redis
embedded_run small "$SESSIONS"
embedded_run big "$BIG_H2"

echo "run-all: Redis memory per session ..." >&2
OUT=bench/results/all-redis-memory.txt N="$MEM_N" PORT=16386 bash bench/redis-memory.sh
PER="$(awk -F': ' '/^per session:/ {print $2}' bench/results/all-redis-memory.txt)"
ROTATED="$(awk -F', to ' '/^after one rotation/ {print $2}' bench/results/all-redis-memory.txt)"

echo "run-all: bytes allocated per validation and resident memory (bench/validate-alloc.sh) ..." >&2
OUT=bench/results/all-alloc.txt DURATION="$DURATION" bash bench/validate-alloc.sh
echo "run-all: start-up to listening (bench/startup-ratio.sh) ..." >&2
OUT=bench/results/all-startup.txt bash bench/startup-ratio.sh "${STARTUP_ROUNDS:-7}" >/dev/null
if [ "${SKIP_PEERS:-0}" != 1 ]; then
  echo "run-all: peers (bench/peers.sh) ..." >&2
  OUT=bench/results/all-peers.txt bash bench/peers.sh
fi

{
  echo "# bench/run-all.sh, $(date -u '+%Y-%m-%d %H:%M UTC'); took $(( $(date +%s) - START_S )) s"
  bench_machine | grep -v '^# load average'
  echo "# load average at the start: $START_LOAD"
  echo "# server JVM options: $SERVER_JAVA_OPTS"
  echo
  echo "| validate, wrk -t2 -c50 -d$DURATION | Ward | baseline, same run | ratio | goal | server RSS after |"
  echo "|---|---|---|---|---|---|"
  printf '%s\n' "${ROWS[@]}"
  echo
  echo "Redis memory per session (Redis defaults, $MEM_N sessions): $PER (goal ≤ 400 bytes); after one rotation of each: $ROTATED"
  echo; echo "bench/validate-alloc.sh (bench/results/all-alloc.txt):"; grep -E 'bytes per request|resident memory|^[a-z0-9]+: ' bench/results/all-alloc.txt | head -n 20
  echo; echo "bench/startup-ratio.sh (bench/results/all-startup.txt; goal: listening within 1.5 s):"; grep -E '^(ward serve|java -|ratios)' bench/results/all-startup.txt
  if [ -f bench/results/all-peers.txt ] && [ "${SKIP_PEERS:-0}" != 1 ]; then
    echo; echo "bench/peers.sh (bench/results/all-peers.txt):"
    grep -E -i 'ratio|mean|median' bench/results/all-peers.txt | head -n 30
  fi
  echo "# load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee bench/results/run-all.txt
