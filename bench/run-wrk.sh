#!/usr/bin/env bash
# Load test of the hot path over HTTP: POST /v1/sessions/validate with an API key, 50 connections for 30 s
# (wrk -t2 -c50 -d30s), against a real server on loopback:
#   1. every request validates the same session (one user's token: all requests update one row);
#   2. the requests spread over SESSIONS distinct sessions (many users, as in production);
#   3. GET /health/live under the same load, as a baseline for what HTTP alone costs here.
# Writes bench/results/wrk-validate.txt. Fails if any validation answer is not 200.
#
# Usage: bench/run-wrk.sh           (embedded mode; with WARD_DATABASE_URL [+ WARD_REDIS_URL] set, production mode)
# Environment: OUT (bench/results/wrk-validate.txt), PORT (18766), DURATION (30s), CONNECTIONS (50), THREADS (2), SESSIONS (50),
#   SEED ("login": SESSIONS password logins over HTTP; "store": the sessions are made before the server starts by
#   dev.ward.bench.SeedSessions through Ward's own services, in seconds even for 100,000 — users of 100 sessions each,
#   no Argon2id per session), SERVER_JAVA_OPTS (extra JVM options for the server, e.g. a JFR recording),
#   JAR (ward-server/target/ward.jar; another build's jar for an A/B), SKIP_BUILD=1 (use the jar as it is).
#   FILL (0): that many more live sessions (each of its own user, no audit event, no token kept) put into the store
#   before the server starts (dev.ward.bench.FillSessions, through Ward's session store), so that the load runs beside
#   them: the validation's cost must not grow with the number of sessions held (issue 13: 1,000,000 in Redis).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."   # the repository root
. bench/lib.sh
OUT="${OUT:-bench/results/wrk-validate.txt}"
PORT="${PORT:-18766}"; DURATION="${DURATION:-30s}"; CONNECTIONS="${CONNECTIONS:-50}"; THREADS="${THREADS:-2}"; SESSIONS="${SESSIONS:-50}"
SEED="${SEED:-login}"
WARD="http://127.0.0.1:$PORT"
# The mode follows the environment, as for ./ward serve (bench/run-wrk-modes.sh sets it for each mode).
if [ -n "${WARD_REDIS_URL:-}" ]; then MODE="production: PostgreSQL + Redis ${WARD_REDIS_URL}"
elif [ -n "${WARD_DATABASE_URL:-}" ]; then MODE="production: PostgreSQL, sessions in it too"
else MODE="embedded H2"; fi
PW='Bench-Root-Pass-9!'            # passes the password policy and does not contain the username
USER_PW='Quartz-Lantern-Ferry-58!'

command -v wrk >/dev/null 2>&1 || {
  echo "run-wrk: wrk is not installed. On Debian/Ubuntu: apt-get update && apt-get install -y wrk" >&2
  exit 1
}
command -v curl >/dev/null 2>&1 || { echo "run-wrk: curl is needed (apt-get install -y curl)." >&2; exit 1; }
bench_find_java
[ "${SKIP_BUILD:-}" = 1 ] || bench_build_ward
JAR="${JAR:-ward-server/target/ward.jar}"

DATA="$(mktemp -d)"
SEEDED="$(mktemp -d)"   # the seed's API key and tokens, outside the data directory
PID=""
stop() { if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi; rm -rf "$DATA" "$SEEDED"; }
trap stop EXIT
FILL="${FILL:-0}"
if [ "$FILL" -gt 0 ]; then
  # Compiled against the server's own jar, as the seed below.
  echo "run-wrk: putting $FILL sessions into the store ..." >&2
  "$JAVA_HOME/bin/javac" -nowarn -d "$SEEDED/classes" -cp "$JAR" bench/jmh/src/main/java/dev/ward/bench/FillSessions.java
  "$JAVA" -cp "$JAR:$SEEDED/classes" dev.ward.bench.FillSessions "$DATA" bench "$FILL" 8 > "$SEEDED/fill.log" 2>&1 \
    || { echo "run-wrk: filling the store failed:" >&2; tail -n 30 "$SEEDED/fill.log" >&2; exit 1; }
  grep 'fill-sessions:' "$SEEDED/fill.log" >&2 || true
fi

if [ "$SEED" = store ]; then
  # Compiled against the server's own jar and run on it alone: the seed migrates and writes with the very code the
  # server runs (bench/jmh's jar holds whatever Ward modules ~/.m2 has, perhaps another branch's migrations).
  echo "run-wrk: seeding $SESSIONS sessions through Ward's services ..." >&2
  "$JAVA_HOME/bin/javac" -nowarn -d "$SEEDED/classes" -cp "$JAR" bench/jmh/src/main/java/dev/ward/bench/SeedSessions.java
  "$JAVA" -cp "$JAR:$SEEDED/classes" dev.ward.bench.SeedSessions "$DATA" "$SESSIONS" "$SEEDED"
fi
# shellcheck disable=SC2086 # SERVER_JAVA_OPTS is a list of options
WARD_BOOTSTRAP_ADMIN_PASSWORD="$PW" WARD_LOGIN_RATE_PER_IP=1000000 WARD_LOGIN_RATE_PER_USERNAME=1000000 \
  WARD_ACCESS_LOG_LEVEL=WARN "$JAVA" ${SERVER_JAVA_OPTS:-} -jar "$JAR" serve --port "$PORT" --data-dir "$DATA" \
  > "$DATA/server.log" 2>&1 & PID=$!
for _ in $(seq 1 3000); do
  grep -q 'Ward listening' "$DATA/server.log" && break
  kill -0 "$PID" 2>/dev/null || { echo "run-wrk: ward did not start:" >&2; cat "$DATA/server.log" >&2; exit 1; }
  sleep 0.02
done
grep -q 'Ward listening' "$DATA/server.log" || { echo "run-wrk: ward did not start within 60 s" >&2; exit 1; }

field() { grep -o "\"$1\":\"[^\"]*\"" | head -n 1 | cut -d'"' -f4; }
# call METHOD PATH BEARER [BODY]: prints the body; fails unless the status is 2xx.
call() {
  local out status
  out="$(curl -s -w '\n%{http_code}' -X "$1" "$WARD$2" -H "Authorization: Bearer $3" -H 'Content-Type: application/json' ${4:+-d "$4"})"
  status="${out##*$'\n'}"
  case "$status" in 2??) printf '%s\n' "${out%$'\n'*}";; *) echo "run-wrk: $1 $2 answered $status: ${out%$'\n'*}" >&2; exit 1;; esac
}

export WARD_API_KEY WARD_TOKENS WARD_TOKENS_FILE
if [ "$SEED" = store ]; then
  WARD_API_KEY="$(cat "$SEEDED/api-key")"
  WARD_TOKENS_FILE="$SEEDED/tokens"
  WARD_TOKENS=""
  ONE="$(head -n 1 "$WARD_TOKENS_FILE")"
else
  ADMIN=$(bench_admin_with_mfa "$WARD" "$PW")
  [ -n "$ADMIN" ] || { echo "run-wrk: admin login failed" >&2; exit 1; }
  call POST /v1/admin/tenants "$ADMIN" '{"id":"bench","name":"Benchmark clinic"}' >/dev/null
  # The plain validation path: no rotation (by uses or time) and no binding check during the run.
  # Set before the logins, so the sessions are created under this policy; max_concurrent lets one user hold
  # the SESSIONS sessions of run 2. Rate limits far above any run's rate: a run pays what the limiter costs, never
  # meets its refusals (decision 0028).
  call PATCH /v1/admin/tenants/bench "$ADMIN" \
    '{"policy":{"rate_limit":{"per_minute":1000000000,"per_ip_per_minute":1000000000,"per_api_key_per_minute":1000000000},"session":{"rotate_after_uses":1000000000,"rotate_after_seconds":86400,"binding":"off","idle_timeout_seconds":86400,"max_concurrent":1000}}}' >/dev/null
  call POST /v1/admin/tenants/bench/users "$ADMIN" "{\"username\":\"clinician\",\"password\":\"$USER_PW\",\"roles\":[\"staff\"]}" >/dev/null
  WARD_API_KEY=$(call POST /v1/admin/tenants/bench/api-keys "$ADMIN" '{"name":"bench app","scopes":["sessions"]}' | field key)
  [ -n "$WARD_API_KEY" ] || { echo "run-wrk: could not create the API key" >&2; exit 1; }
  login() {
    call POST /v1/auth/login "$WARD_API_KEY" \
      "{\"tenant\":\"bench\",\"username\":\"clinician\",\"password\":\"$USER_PW\",\"client\":{\"ip\":\"203.0.113.7\",\"user_agent\":\"Firefox\"}}" | field token
  }
  echo "run-wrk: logging in $SESSIONS sessions ..." >&2
  TOKENS=()
  for _ in $(seq 1 "$SESSIONS"); do TOKENS+=("$(login)"); done
  for t in "${TOKENS[@]}"; do
    [ -n "$t" ] || { echo "run-wrk: a login gave no token" >&2; exit 1; }
    call POST /v1/sessions/validate "$WARD_API_KEY" "{\"token\":\"$t\"}" >/dev/null
  done
  ONE="${TOKENS[0]}"
  WARD_TOKENS="${TOKENS[*]}"
  WARD_TOKENS_FILE=""
fi

mkdir -p bench/results
echo "run-wrk: warming up (10 s, not recorded) ..." >&2
wrk -t"$THREADS" -c"$CONNECTIONS" -d10s -s bench/wrk/validate.lua "$WARD/v1/sessions/validate" >/dev/null
# CPU seconds a process has used so far (user + system), and where each run's CPU went: the server's and (production)
# Redis's per request, beside the run's own figures, so that a change can be told apart from the machine's speed.
TICKS="$(getconf CLK_TCK)"
cpu_of() { awk -v t="$TICKS" '{printf "%.2f", ($14 + $15) / t}' "/proc/$1/stat" 2>/dev/null || echo 0; }
REDIS_PID=""
if [ -n "${WARD_REDIS_URL:-}" ]; then
  rport="$(echo "$WARD_REDIS_URL" | sed -E 's#^rediss?://([^@]*@)?[^:/]+:([0-9]+).*#\2#')"
  REDIS_PID="$(redis-cli -p "$rport" info server 2>/dev/null | tr -d '\r' | awk -F: '$1 == "process_id" {print $2}')"
fi
measured() {   # measured WRK-ARGS...: runs wrk, then prints the CPU the server (and Redis) used per request
  local s0 r0 out n
  s0="$(cpu_of "$PID")"; r0="$([ -n "$REDIS_PID" ] && cpu_of "$REDIS_PID" || echo 0)"
  out="$(wrk "$@")"; echo "$out"
  n="$(echo "$out" | awk '/requests in/ {print $1}')"
  awk -v n="$n" -v s="$(cpu_of "$PID")" -v s0="$s0" -v r="$([ -n "$REDIS_PID" ] && cpu_of "$REDIS_PID" || echo 0)" -v r0="$r0" \
    'BEGIN { if (n > 0) printf "# CPU per request: server %.0f us, Redis %.0f us (%.1f + %.1f CPU s over %d requests)\n", (s - s0) * 1e6 / n, (r - r0) * 1e6 / n, s - s0, r - r0, n }'
}
{
  echo "# bench/run-wrk.sh, $(date -u '+%Y-%m-%d %H:%M UTC')"
  bench_machine
  echo "# server: java ${SERVER_JAVA_OPTS:-} -jar $JAR serve ($MODE, default JVM flags), on this machine, loopback"
  echo "# sessions: $SESSIONS, made by $([ "$SEED" = store ] && echo "SeedSessions (Ward's services, before the server started)" || echo "password logins over HTTP")"
  echo "# sessions held besides the load's: $FILL (FILL)"
  echo "# after a 10 s warm-up of the same load"
  echo
  echo "######## 1. POST /v1/sessions/validate, one session (every request validates the same token)"
  WARD_TOKENS="$ONE" WARD_TOKENS_FILE="" measured -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s bench/wrk/validate.lua "$WARD/v1/sessions/validate"
  echo
  echo "######## 2. POST /v1/sessions/validate, $SESSIONS sessions used in turn"
  measured -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s bench/wrk/validate.lua "$WARD/v1/sessions/validate"
  echo
  echo "######## 3. baseline: GET /health/live (HTTP and JSON only, no database, no credentials)"
  measured -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$WARD/health/live"
  echo
  echo "# the session of run 1 afterwards: $(call POST /v1/sessions/validate "$WARD_API_KEY" "{\"token\":\"$ONE\"}" | grep -o '"uses":[0-9]*')"
  echo "# server resident memory after the run: $(( $(awk '/VmRSS/{print $2}' /proc/$PID/status) / 1024 )) MiB"
  # The one expected warning is about the generated development master key.
  echo "# server log lines at WARN or ERROR (other than the development master key warning): $(grep -E ' (WARN|ERROR) ' "$DATA/server.log" | grep -vc 'development master key' || true)"
  grep -E ' (WARN|ERROR) ' "$DATA/server.log" | grep -v 'development master key' | head -20 | sed 's/^/#   /' || true
} | tee "$OUT"
echo "run-wrk: wrote $OUT" >&2
bad="$(awk '/^answers other than 200:/ {n += $NF; seen++} END {print (seen == 2 ? n : "unknown")}' "$OUT")"
if [ "$bad" != 0 ]; then
  echo "run-wrk: $bad answers were not 200; see $OUT" >&2
  exit 1
fi
