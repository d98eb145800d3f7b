#!/usr/bin/env bash
# Bytes allocated per validation over HTTP (issue 13, goal 4), and the server's resident memory: one or more jars
# (or JVM flag sets) in one run, each on a fresh embedded data directory, under the load of bench/run-wrk.sh
# (POST /v1/sessions/validate, wrk -t2 -c50, SESSIONS sessions used in turn).
#
# Bytes per request = what the heap took between two `jcmd GC.run` marks around the measured wrk run, from the
# server's -Xlog:gc (the sum over collections of heap before it minus heap after the previous one), divided by the
# requests wrk completed. It does not depend on the load or the machine's speed. What the server allocates when idle
# (sweeps, listeners) is measured over an idle window of the same length and shown beside it, and so is what a
# GET /health/live takes under the same load afterwards: the floor of any request (Jetty, Javalin, Ward's handlers).
# With PROFILE=1 the measured run is also recorded by JFR (settings=profile: jdk.ObjectAllocationSample) and
# bench/alloc-sites.py prints the split by layer and the top allocation sites per request.
#
# MODE=production runs each server in production mode instead: a fresh PostgreSQL database on 127.0.0.1:5432 (user
# postgres) and a Redis of the script's own on REDIS_PORT (sessions in Redis), both dropped at the end.
#
# Usage: bench/validate-alloc.sh [NAME=JAR[,JVM_FLAG...] ...]   (default: this=ward-server/target/ward.jar)
#   e.g. bench/validate-alloc.sh before=/tmp/base/ward.jar after=ward-server/target/ward.jar
#        bench/validate-alloc.sh 'g1=ward-server/target/ward.jar,-XX:+UseG1GC'
# Each server runs with the launcher's default JVM options (./ward jvm-options) and then the flags given, unless
# NO_DEFAULTS=1 (the JVM's own defaults, as before issue 13).
# Environment: DURATION (20s), WARMUP (10s), CONNECTIONS (50), THREADS (2), SESSIONS (50), PORT (19431), PROFILE (0),
#   STACKS (0: with PROFILE, how many frames of the top sites' stacks to print), ACCESS_LOG (WARN; INFO writes the access log, to /dev/null), OUT (bench/results/validate-alloc.txt),
#   MODE (embedded; production), REDIS_PORT (16391), KEEP_JFR (with PROFILE, a path to keep the recording at),
#   ASYNC_PROFILER (a libasyncProfiler.so, e.g. unpacked from Maven Central's tools.profiler:async-profiler jar: the
#   measured run is also profiled by it, event=alloc, and bench/alloc-sites.py (COLLAPSED=1) prints where the bytes went; its
#   weights count every allocating thread, virtual ones included, where JFR's sampled weights can charge a long-lived
#   virtual thread with what its carrier allocated); KEEP_PROFILE (a path prefix: keeps it as PREFIX-NAME.collapsed).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."   # the repository root
. bench/lib.sh
DURATION="${DURATION:-20s}"; WARMUP="${WARMUP:-10s}"; CONNECTIONS="${CONNECTIONS:-50}"; THREADS="${THREADS:-2}"
SESSIONS="${SESSIONS:-50}"; PORT="${PORT:-19431}"; PROFILE="${PROFILE:-0}"; ACCESS_LOG="${ACCESS_LOG:-WARN}"
OUT="${OUT:-bench/results/validate-alloc.txt}"; MODE="${MODE:-embedded}"; REDIS_PORT="${REDIS_PORT:-16391}"
case "$MODE" in embedded|production) ;; *) echo "validate-alloc: MODE is embedded or production" >&2; exit 1;; esac
WARD="http://127.0.0.1:$PORT"
PW='Bench-Root-Pass-9!'
[ $# -gt 0 ] || set -- this=ward-server/target/ward.jar
command -v wrk >/dev/null 2>&1 || { echo "validate-alloc: wrk is not installed (apt-get install -y wrk)." >&2; exit 1; }
bench_find_java
JCMD="$JAVA_HOME/bin/jcmd"
DEFAULTS=()
[ "${NO_DEFAULTS:-0}" = 1 ] || mapfile -t DEFAULTS < <(./ward jvm-options)
WORK="$(mktemp -d)"
PID=""; RPID=""; DBS=()
stop() { if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; PID=""; fi; }
stop_redis() { if [ -n "$RPID" ]; then kill "$RPID" 2>/dev/null || true; wait "$RPID" 2>/dev/null || true; RPID=""; fi; }
cleanup() {
  stop; stop_redis
  for db in ${DBS[@]+"${DBS[@]}"}; do psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
# Production mode: each server gets an empty Redis (defaults, nothing persisted) and a new PostgreSQL database.
STORE_ENV=()
production_stores() { # NAME
  stop_redis
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK" --daemonize no > "$WORK/redis.log" 2>&1 &
  RPID=$!
  local ok=0 db="ward_alloc_$1_$$"
  for _ in $(seq 1 100); do redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && { ok=1; break; }; sleep 0.05; done
  [ "$ok" = 1 ] || { echo "validate-alloc: redis-server did not start" >&2; cat "$WORK/redis.log" >&2; exit 1; }
  psql -q -h 127.0.0.1 -U postgres -d postgres -c "CREATE DATABASE $db" >/dev/null
  DBS+=("$db")
  STORE_ENV=(WARD_DATABASE_URL="jdbc:postgresql://127.0.0.1:5432/$db?user=postgres" WARD_REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
    WARD_MASTER_KEY="$(openssl rand -base64 32)")
}

gc_mark() { "$JCMD" "$PID" GC.run >/dev/null; sleep 0.5; }
rss_mib() { echo $(( $(awk '/VmRSS/{print $2}' /proc/$PID/status) / 1024 )); }

measure() { # NAME JAR FLAGS...
  local name="$1" jar="$2" data="$WORK/$1"; shift 2
  mkdir -p "$data"
  STORE_ENV=()
  [ "$MODE" = production ] && production_stores "$name"
  env ${STORE_ENV[@]+"${STORE_ENV[@]}"} WARD_BOOTSTRAP_ADMIN_PASSWORD="$PW" WARD_LOGIN_RATE_PER_IP=1000000 WARD_LOGIN_RATE_PER_USERNAME=1000000 \
    WARD_ACCESS_LOG_LEVEL="$ACCESS_LOG" "$JAVA" ${DEFAULTS[@]+"${DEFAULTS[@]}"} "$@" \
    ${ASYNC_PROFILER:+-XX:+EnableDynamicAgentLoading} -Xlog:gc:file="$data/gc.log" \
    -XX:FlightRecorderOptions:stackdepth=256 \
    -jar "$jar" serve --port "$PORT" --data-dir "$data/ward" > "$data/server.log" 2>&1 & PID=$!
  for _ in $(seq 1 3000); do
    grep -q 'Ward listening' "$data/server.log" && break
    kill -0 "$PID" 2>/dev/null || { echo "validate-alloc: $name did not start:" >&2; cat "$data/server.log" >&2; exit 1; }
    sleep 0.02
  done
  local idle_rss; idle_rss=$(rss_mib)
  bench_validate_fixture "$WARD" "$PW" "$SESSIONS"
  export WARD_API_KEY
  WARD_TOKENS="${TOKENS[*]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" --timeout 30s -s bench/wrk/validate.lua "$WARD/v1/sessions/validate" >/dev/null
  # The idle window: what the server allocates with no request, over as long as the measured run.
  gc_mark; sleep "${DURATION%s}"; gc_mark
  local idle_bytes; idle_bytes=$(bench_gc_window_bytes "$data/gc.log")
  gc_mark
  [ "$PROFILE" = 1 ] && "$JCMD" "$PID" JFR.start name=alloc settings=profile \
    'jdk.ObjectAllocationSample#throttle=2000/s' filename="$data/alloc.jfr" >/dev/null
  [ -n "${ASYNC_PROFILER:-}" ] && "$JAVA" bench/AgentLoad.java "$PID" "$ASYNC_PROFILER" start,event=alloc,alloc=16k >/dev/null
  # A generous timeout: on a loaded machine wrk would otherwise drop and reopen connections, and each new connection
  # costs the server more than a request.
  WARD_TOKENS="${TOKENS[*]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 30s --latency -s bench/wrk/validate.lua \
    "$WARD/v1/sessions/validate" > "$data/wrk.txt"
  [ -n "${ASYNC_PROFILER:-}" ] && "$JAVA" bench/AgentLoad.java "$PID" "$ASYNC_PROFILER" "stop,total,file=$data/alloc.collapsed" >/dev/null
  [ "$PROFILE" = 1 ] && "$JCMD" "$PID" JFR.stop name=alloc >/dev/null && cp "$data/alloc.jfr" "${KEEP_JFR:-/dev/null}" 2>/dev/null || true
  gc_mark
  local bytes requests bad rate rss
  rss=$(rss_mib)
  bytes=$(bench_gc_window_bytes "$data/gc.log")
  # The floor: GET /health/live under the same load (Jetty, Javalin, the before/after handlers; no body, no store).
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 30s "$WARD/health/live" > "$data/wrk-live.txt"
  gc_mark
  local live_bytes live_requests
  live_bytes=$(bench_gc_window_bytes "$data/gc.log")
  live_requests=$(awk '/requests in/ {print $1}' "$data/wrk-live.txt")
  requests=$(awk '/requests in/ {print $1}' "$data/wrk.txt")
  bad=$(awk '/^answers other than 200:/ {print $NF}' "$data/wrk.txt")
  rate=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' "$data/wrk.txt")
  echo "$name: $jar ${DEFAULTS[*]} $*"
  awk -v r="$requests" -v bad="$bad" -v rate="$rate" -v b="$bytes" -v i="$idle_bytes" 'BEGIN {
    printf "  %d requests (%s not 200), %s req/s; %.1f MiB allocated: %.0f bytes per request (%.0f less what the idle server takes in as long: %.1f MiB)\n",
      r, bad, rate, b / 1048576, b / r, (b - i) / r, i / 1048576 }'
  awk -v r="$live_requests" -v b="$live_bytes" 'BEGIN { printf "  GET /health/live under the same load: %.0f bytes per request (%d requests)\n", b / r, r }'
  echo "  resident memory: $idle_rss MiB after start, $rss MiB after the run; $(grep -o 'p99 [0-9]*' "$data/wrk.txt" | head -n 1) us"
  if [ "$PROFILE" = 1 ]; then
    "$JAVA_HOME/bin/jfr" print --json --stack-depth 64 --events jdk.ObjectAllocationSample "$data/alloc.jfr" | python3 bench/alloc-sites.py 25 "$requests" "${STACKS:-0}" | sed 's/^/  /'
  fi
  if [ -n "${ASYNC_PROFILER:-}" ]; then
    COLLAPSED=1 python3 bench/alloc-sites.py 30 "$requests" "${STACKS:-0}" < "$data/alloc.collapsed" | sed 's/^/  /'
    [ -z "${KEEP_PROFILE:-}" ] || cp "$data/alloc.collapsed" "$KEEP_PROFILE-$name.collapsed"
  fi
  grep -E 'Socket errors|socket errors' "$data/wrk.txt" | sed 's/^/  /' || true
  [ "$bad" = 0 ] || { echo "validate-alloc: $bad answers were not 200" >&2; grep -A3 'other than 200' "$data/wrk.txt" >&2; exit 1; }
  stop; stop_redis
}

mkdir -p bench/results
exec > >(tee "$OUT")
echo "# bench/validate-alloc.sh, $(date -u '+%Y-%m-%d %H:%M UTC'); wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $SESSIONS sessions, $([ "$MODE" = production ] && echo "production: PostgreSQL + Redis (port $REDIS_PORT)" || echo "embedded H2"), access log $ACCESS_LOG"
bench_machine
for spec in "$@"; do
  name="${spec%%=*}"; rest="${spec#*=}"; jar="${rest%%,*}"
  IFS=',' read -r -a flags <<< "${rest#"$jar"}"
  measure "$name" "$jar" ${flags[@]+"${flags[@]:1}"}
done
echo "# load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
