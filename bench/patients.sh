#!/usr/bin/env bash
# Issue 12 "Measure": patient contexts over HTTP beside validation, in the same run, in two modes:
#   1. embedded H2                                  -> bench/results/patients-embedded.txt
#   2. PostgreSQL + a private Redis on REDIS_PORT    -> bench/results/patients-redis.txt
# Each mode: SESSIONS sessions, each with one context p-1 holding a 1 KiB value; then wrk (THREADS threads,
# CONNECTIONS connections, DURATION each, after a 5 s warm-up) on
#   a. POST /v1/sessions/validate (API key; the session object lists the session's open contexts)
#   b. POST /v1/session/patients/p-N, N cycling 1..16 per session: the first 16 per session open a context, every
#      later one re-opens it (a use, audited patient.opened) — the call an app makes each time it renders a chart
#   c. PUT  /v1/session/patients/p-1/data/chart (1 KiB of JSON; audited patient.data_written)
#   d. GET  /v1/session/patients/p-1/data/chart (audited patient.data_read)
#   e. POST /v1/sessions/validate again (the figure the ratios use is the mean of a and e)
# and, in Redis mode, Redis bytes per open context (INFO memory used_memory over CONTEXTS new contexts, then with
# 1 KiB of data in each; MEMORY USAGE of one context's keys) -> bench/results/patients-redis-memory.txt.
# PostgreSQL: a fresh database on 127.0.0.1:5432 (user postgres), dropped after. Redis: a server of its own on
# REDIS_PORT (nothing persisted), stopped after.
#
# With BASE_JAR set (a ward.jar built from an earlier commit), each mode also compares validation before/after:
# both servers run side by side (the base on PORT+1, its own data / database / Redis db 1), each with the same
# sessions and contexts, both warmed up alike, and wrk alternates base, new three times on validate -> bench/results/patients-validate-<mode>.txt.
#
# COMPARE_ONLY=1 (with BASE_JAR) skips the patient runs and the memory figures: only the before/after comparison.
# COMPARE ("validate") names what the comparison alternates: validate, read (GET of p-1's 1 KiB), login (right
# passwords, each a new session). BASE_ENV ("VAR=value ...") is given to the base server alone: with BASE_JAR the same
# jar, it compares one setting off and on (bench/detect.sh: WARD_DETECTORS=off). ROUNDS (3) alternations.
#
# Usage: bench/patients.sh     Environment: DURATION (10s), CONNECTIONS (20), THREADS (2), SESSIONS (50),
#                              CONTEXTS (1000), PORT (18767), REDIS_PORT (16381), MODES ("embedded redis"), BASE_JAR
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."   # the repository root
. bench/lib.sh
DURATION="${DURATION:-10s}"; CONNECTIONS="${CONNECTIONS:-20}"; THREADS="${THREADS:-2}"; SESSIONS="${SESSIONS:-50}"
CONTEXTS="${CONTEXTS:-1000}"; PORT="${PORT:-18767}"; REDIS_PORT="${REDIS_PORT:-16381}"; MODES="${MODES:-embedded redis}"
COMPARE="${COMPARE:-validate}"; BASE_ENV="${BASE_ENV:-}"; ROUNDS="${ROUNDS:-3}"
WARD="http://127.0.0.1:$PORT"
PW='Bench-Root-Pass-9!'
USER_PW='Quartz-Lantern-Ferry-58!'
for tool in wrk curl psql redis-server redis-cli openssl; do
  command -v "$tool" >/dev/null 2>&1 || { echo "patients: $tool is needed (apt-get install -y wrk curl postgresql-client redis-server openssl)" >&2; exit 1; }
done
bench_find_java
[ "${SKIP_BUILD:-}" = 1 ] || bench_build_ward

DIR="$(mktemp -d)"
PID=""; RPID=""; DB=""; BPID=""; BDB=""; JAR=ward-server/target/ward.jar
stop_ward() { if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; PID=""; fi; }
cleanup() {
  stop_ward
  [ -n "$BPID" ] && { kill "$BPID" 2>/dev/null || true; wait "$BPID" 2>/dev/null || true; }
  [ -n "$BDB" ] && { psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS $BDB" >/dev/null 2>&1 || true; }
  [ -n "$RPID" ] && { kill "$RPID" 2>/dev/null || true; wait "$RPID" 2>/dev/null || true; }
  [ -n "$DB" ] && { psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true; }
  rm -rf "$DIR"
}
trap cleanup EXIT

field() { grep -o "\"$1\":\"[^\"]*\"" | head -n 1 | cut -d'"' -f4; }
# call METHOD PATH BEARER [BODY]: prints the body; fails unless the status is 2xx.
call() {
  local out status
  out="$(curl -s -w '\n%{http_code}' -X "$1" "$WARD$2" -H "Authorization: Bearer $3" -H 'Content-Type: application/json' ${4:+-d "$4"})"
  status="${out##*$'\n'}"
  case "$status" in 2??) printf '%s\n' "${out%$'\n'*}";; *) echo "patients: $1 $2 answered $status: ${out%$'\n'*}" >&2; exit 1;; esac
}
# 1 KiB of JSON: {"note":"xxxx…"} of 1024 bytes.
KIB="{\"note\":\"$(head -c 1013 /dev/zero | tr '\0' 'x')\"}"

start_ward() {
  local data="$DIR/data-$1" extra=()
  mkdir -p "$data"
  # shellcheck disable=SC2206 # BASE_ENV is a list of VAR=value words
  case "$1" in *-base) extra=($BASE_ENV);; esac
  env ${extra[@]+"${extra[@]}"} WARD_BOOTSTRAP_ADMIN_PASSWORD="$PW" WARD_LOGIN_RATE_PER_IP=1000000 WARD_LOGIN_RATE_PER_USERNAME=1000000 \
    WARD_ACCESS_LOG_LEVEL=WARN "$JAVA" -jar "$JAR" serve --port "$PORT" --data-dir "$data" \
    > "$DIR/server-$1.log" 2>&1 & PID=$!
  for _ in $(seq 1 3000); do
    grep -q 'Ward listening' "$DIR/server-$1.log" && return 0
    kill -0 "$PID" 2>/dev/null || { echo "patients: ward did not start:" >&2; cat "$DIR/server-$1.log" >&2; exit 1; }
    sleep 0.02
  done
  echo "patients: ward did not start within 60 s" >&2; exit 1
}

# Sets KEY (scope sessions) and TOKENS (SESSIONS sessions, each with p-1 open and holding 1 KiB).
prepare() {
  local admin t
  admin=$(bench_admin_with_mfa "$WARD" "$PW")
  [ -n "$admin" ] || { echo "patients: admin login failed" >&2; exit 1; }
  call POST /v1/admin/tenants "$admin" '{"id":"bench","name":"Benchmark clinic"}' >/dev/null
  call PATCH /v1/admin/tenants/bench "$admin" \
    '{"policy":{"rate_limit":{"per_minute":1000000000,"per_ip_per_minute":1000000000,"per_api_key_per_minute":1000000000},"session":{"rotate_after_uses":1000000000,"rotate_after_seconds":86400,"binding":"off","idle_timeout_seconds":86400,"absolute_timeout_seconds":86400,"max_concurrent":10000},"patient":{"idle_timeout_seconds":7200,"max_seconds":7200}}}' >/dev/null
  call POST /v1/admin/tenants/bench/users "$admin" "{\"username\":\"clinician\",\"password\":\"$USER_PW\",\"roles\":[\"staff\"]}" >/dev/null
  KEY=$(call POST /v1/admin/tenants/bench/api-keys "$admin" '{"name":"bench app","scopes":["sessions"]}' | field key)
  [ -n "$KEY" ] || { echo "patients: could not create the API key" >&2; exit 1; }
  TOKENS=()
  for _ in $(seq 1 "$SESSIONS"); do
    t=$(call POST /v1/auth/login "$KEY" "{\"tenant\":\"bench\",\"username\":\"clinician\",\"password\":\"$USER_PW\"}" | field token)
    [ -n "$t" ] || { echo "patients: a login gave no token" >&2; exit 1; }
    call POST /v1/session/patients/p-1 "$t" >/dev/null
    call PUT /v1/session/patients/p-1/data/chart "$t" "$KIB" >/dev/null
    TOKENS+=("$t")
  done
}

# run LABEL METHOD PATH PATIENTS [BODY]: one wrk run; prints its output and appends "LABEL rate" to $DIR/rates.
run() {
  local label="$1" out
  if [ "${label#validate}" != "$label" ]; then
    out=$(WARD_API_KEY="$KEY" WARD_TOKENS="${TOKENS[*]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" \
      -s bench/wrk/validate.lua "$WARD/v1/sessions/validate")
  elif [ "${label#login}" != "$label" ]; then
    # As many connections as hashing threads and queue places allow without 503s: logins are CPU-bound anyway.
    out=$(WARD_API_KEY="$KEY" WARD_TENANT=bench WARD_USERNAME=clinician WARD_PASSWORD="$USER_PW" \
      wrk -t"$THREADS" -c"$THREADS" -d"$DURATION" -s bench/wrk/login.lua "$WARD/v1/auth/login")
  else
    out=$(WARD_TOKENS="${TOKENS[*]}" WARD_METHOD="$2" WARD_PATH="$3" WARD_PATIENTS="$4" WARD_BODY="${5:-}" \
      wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s bench/wrk/patients.lua "$WARD$3")
  fi
  printf '%s\n' "$out"
  echo "$label $(printf '%s\n' "$out" | awk '/^Requests\/sec/ {print $2}')" >> "$DIR/rates"
  if printf '%s\n' "$out" | grep -Eq '^answers other than (200|2xx): [1-9]'; then
    echo "patients: $label had failed answers" >&2; exit 1
  fi
}

measure() {
  local mode="$1" out="bench/results/patients-$1.txt" describe="$2"
  : > "$DIR/rates"
  start_ward "$mode"
  prepare
  echo "patients: $mode: warming up (5 s) ..." >&2
  WARD_API_KEY="$KEY" WARD_TOKENS="${TOKENS[*]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d5s -s bench/wrk/validate.lua \
    "$WARD/v1/sessions/validate" >/dev/null
  WARD_TOKENS="${TOKENS[*]}" WARD_METHOD=GET WARD_PATH=/v1/session/patients/p-1/data/chart \
    wrk -t"$THREADS" -c"$CONNECTIONS" -d5s -s bench/wrk/patients.lua "$WARD/" >/dev/null
  mkdir -p bench/results
  if [ "${COMPARE_ONLY:-}" = 1 ]; then return 0; fi
  {
    echo "# bench/patients.sh, $(date -u '+%Y-%m-%d %H:%M UTC'), mode: $describe"
    bench_machine
    echo "# wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $SESSIONS sessions each with one context p-1 holding 1 KiB"
    echo
    echo "######## a. POST /v1/sessions/validate"; run validate-1
    echo; echo "######## b. POST /v1/session/patients/p-N (N = 1..16 per session; new once, then re-opened)"
    run open POST '/v1/session/patients/{p}' 16
    echo; echo "######## c. PUT /v1/session/patients/p-1/data/chart (1 KiB)"
    run write PUT /v1/session/patients/p-1/data/chart 1 "$KIB"
    echo; echo "######## d. GET /v1/session/patients/p-1/data/chart"
    run read GET /v1/session/patients/p-1/data/chart 1
    echo; echo "######## e. POST /v1/sessions/validate again"; run validate-2
    echo
    echo "# load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
    awk '{r[$1] = $2} END {
      v = (r["validate-1"] + r["validate-2"]) / 2
      printf "# requests/s: validate %.0f (mean of a and e), open %.0f, write %.0f, read %.0f\n", v, r["open"], r["write"], r["read"]
      printf "# ratios to validate: open %.2f, write %.2f, read %.2f\n", r["open"] / v, r["write"] / v, r["read"] / v
    }' "$DIR/rates"
  } | tee "$out"
  echo "patients: wrote $out" >&2
}

# Redis bytes per open context: used_memory over CONTEXTS new contexts (spread over the sessions, at most 30 each),
# without data and then with 1 KiB in each; and MEMORY USAGE of one context's three keys.
# Validation before/after on the same machine at the same time: the base jar beside the new one (see BASE_JAR).
compare_validate() {
  local mode="$1" out="bench/results/${COMPARE_OUT:-patients-validate}-$1.txt" new_ward="$WARD" new_key="$KEY" new_tokens=("${TOKENS[@]}")
  local new_pid="$PID" base_key base_tokens i
  PID=""; JAR="$BASE_JAR"; PORT=$((PORT + 1)); WARD="http://127.0.0.1:$PORT"
  if [ "$mode" = redis ]; then
    BDB="ward_bench_patients_base_$$"
    psql -q -h 127.0.0.1 -U postgres -d postgres -c "CREATE DATABASE $BDB" >/dev/null
    WARD_DATABASE_URL="jdbc:postgresql://127.0.0.1:5432/$BDB?user=postgres" WARD_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/1" \
      start_ward "$mode-base"
  else
    start_ward "$mode-base"
  fi
  BPID="$PID"; PID="$new_pid"; JAR=ward-server/target/ward.jar; local base_ward="$WARD"
  prepare
  base_key="$KEY"; base_tokens=("${TOKENS[@]}")
  # The same warm-up for both, just before the comparison (the JIT is slow to finish on a loaded machine).
  echo "patients: $mode: warming both servers up (15 s of validation each) ..." >&2
  WARD_API_KEY="$base_key" WARD_TOKENS="${base_tokens[*]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d15s -s bench/wrk/validate.lua \
    "$WARD/v1/sessions/validate" >/dev/null
  WARD_API_KEY="$new_key" WARD_TOKENS="${new_tokens[*]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d15s -s bench/wrk/validate.lua \
    "$new_ward/v1/sessions/validate" >/dev/null
  {
    echo "# bench/patients.sh, $(date -u '+%Y-%m-%d %H:%M UTC'), base against new ($COMPARE), mode $mode, both servers running"
    bench_machine
    echo "# base: $BASE_JAR${BASE_ENV:+ with $BASE_ENV}; new: ward-server/target/ward.jar; $SESSIONS sessions each holding p-1 (1 KiB); wrk -t$THREADS -c$CONNECTIONS -d$DURATION (logins: -c$THREADS)"
    for kind in $COMPARE; do
      for i in $(seq 1 "$ROUNDS"); do
        for which in base new; do
          if [ "$which" = base ]; then KEY="$base_key"; TOKENS=("${base_tokens[@]}"); WARD="$base_ward"
          else KEY="$new_key"; TOKENS=("${new_tokens[@]}"); WARD="$new_ward"; fi
          echo; echo "######## $kind, $which, run $i"
          case "$kind" in
            validate) run "validate-$which" ;;
            read) run "read-$which" GET /v1/session/patients/p-1/data/chart 1 ;;
            login) run "login-$which" ;;
            *) echo "patients: unknown COMPARE kind $kind" >&2; exit 1 ;;
          esac
        done
      done
    done
    echo
    for kind in $COMPARE; do
      awk -v k="$kind" -v rounds="$ROUNDS" '$1 == k "-base" || $1 == k "-new" {sum[$1] += $2; n[$1]++} END {
        b = sum[k "-base"] / n[k "-base"]; w = sum[k "-new"] / n[k "-new"]
        printf "# %s requests/s: base %.0f, new %.0f (means of %d runs each); new / base = %.3f\n", k, b, w, rounds, w / b
      }' "$DIR/rates"
    done
    echo "# load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
  } | tee "$out"
  kill "$BPID" 2>/dev/null || true; wait "$BPID" 2>/dev/null || true; BPID=""
  PORT=$((PORT - 1)); WARD="$new_ward"; KEY="$new_key"; TOKENS=("${new_tokens[@]}")
}

redis_memory() {
  local out=bench/results/patients-redis-memory.txt per before after with n t i
  per=$(( (CONTEXTS + ${#TOKENS[@]} - 1) / ${#TOKENS[@]} ))
  [ "$per" -le 30 ] || { echo "patients: CONTEXTS over 30 per session; raise SESSIONS" >&2; exit 1; }
  used() { redis-cli -p "$REDIS_PORT" info memory | awk -F: '/^used_memory:/ {print $2}' | tr -d '\r'; }
  before=$(used)
  n=0
  : > "$DIR/opens"
  for t in "${TOKENS[@]}"; do
    for i in $(seq 1 "$per"); do
      [ "$n" -lt "$CONTEXTS" ] || break
      echo "$t m-$i" >> "$DIR/opens"; n=$((n + 1))
    done
  done
  xargs -P 8 -L 1 sh -c 'curl -sf -o /dev/null -X POST "'"$WARD"'/v1/session/patients/$1" -H "Authorization: Bearer $0"' < "$DIR/opens"
  after=$(used)
  printf '%s' "$KIB" > "$DIR/kib.json"
  xargs -P 8 -L 1 sh -c 'curl -sf -o /dev/null -X PUT "'"$WARD"'/v1/session/patients/$1/data/chart" -H "Authorization: Bearer $0" -H "Content-Type: application/json" --data-binary @"'"$DIR"'/kib.json"' < "$DIR/opens"
  with=$(used)
  local ctx data index prefix rest
  index=$(redis-cli -p "$REDIS_PORT" --scan --pattern '*pi:*' | head -n 1)
  prefix=${index%%pi:*}; rest=${index#"${prefix}"pi:}   # index = PREFIX pi:TAG:SESSION
  ctx="${prefix}p:$rest:m-1"; data="${prefix}pd:$rest:m-1"
  {
    echo "# bench/patients.sh, $(date -u '+%Y-%m-%d %H:%M UTC'): Redis bytes per open patient context ($(redis-server --version | awk '{print $3}'))"
    echo "# $n contexts opened ($per per session over ${#TOKENS[@]} sessions that each held p-1 with 1 KiB already)"
    echo "# contexts held in Redis now: $(redis-cli -p "$REDIS_PORT" --scan --pattern "${prefix}p:*" | wc -l)"
    echo "used_memory before: $before"
    echo "used_memory after $n opens: $after"
    echo "used_memory after 1 KiB written in each: $with"
    echo "bytes per open context, no data: $(( (after - before) / n ))"
    echo "bytes per open context with 1 KiB of data: $(( (with - before) / n ))"
    echo "MEMORY USAGE of one context hash ($ctx): $(redis-cli -p "$REDIS_PORT" memory usage "$ctx")"
    echo "MEMORY USAGE of its data hash, 1 KiB sealed ($data): $(redis-cli -p "$REDIS_PORT" memory usage "$data")"
    echo "MEMORY USAGE of a session's context index, $((per + 1)) entries ($index): $(redis-cli -p "$REDIS_PORT" memory usage "$index")"
    echo "HSTRLEN of the sealed 1 KiB value: $(redis-cli -p "$REDIS_PORT" hstrlen "$data" chart)"
  } | tee "$out"
}

for mode in $MODES; do
  case "$mode" in
    embedded)
      echo "patients: embedded H2" >&2
      measure embedded "embedded H2"
      [ -z "${BASE_JAR:-}" ] || compare_validate embedded
      stop_ward ;;
    redis)
      echo "patients: PostgreSQL + Redis" >&2
      redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$DIR" --daemonize no > "$DIR/redis.log" 2>&1 &
      RPID=$!
      for _ in $(seq 1 400); do redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && break; sleep 0.05; done
      DB="ward_bench_patients_$$"
      psql -q -h 127.0.0.1 -U postgres -d postgres -c "CREATE DATABASE $DB" >/dev/null
      export WARD_MASTER_KEY="$(openssl rand -base64 32)" WARD_DATABASE_URL="jdbc:postgresql://127.0.0.1:5432/$DB?user=postgres" \
        WARD_REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
      measure redis "production: PostgreSQL + Redis $WARD_REDIS_URL"
      [ "${COMPARE_ONLY:-}" = 1 ] || redis_memory
      [ -z "${BASE_JAR:-}" ] || compare_validate redis
      stop_ward
      unset WARD_MASTER_KEY WARD_DATABASE_URL WARD_REDIS_URL ;;
    *) echo "patients: unknown mode $mode" >&2; exit 1 ;;
  esac
done
