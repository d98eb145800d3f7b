#!/usr/bin/env bash
# Ward against its peer, in one run on one machine (issue 13, items 5 and 6):
#   - Ward in production mode (PostgreSQL 127.0.0.1:5432, a fresh database dropped after; sessions in Redis) and
#     bench/peers/spring-session (Spring Boot 3.5.7 + Spring Session, indexed Redis repository), both on the same
#     private Redis (its own port, nothing persisted, stopped after: the machine's 6379 is never touched), both
#     started with `java -jar` and the JVM's default flags;
#   - SESSIONS (1,000) sessions created in each by real logins (Argon2id on both sides, one user, 2 clients);
#   - the same wrk load (-t2 -c50, DURATION each, after a 10 s warm-up of each) on Ward's
#     POST /v1/sessions/validate (bench/wrk/validate.lua) and the peer's GET /me (bench/wrk/peer-me.lua), the
#     sessions used in turn, alternated ROUNDS times (Ward, peer, Ward, peer ...) so that a change in the
#     machine's load hits both; the ratio of each round and of the sums;
#   - login-to-first-validate: PAIRS sequential login + first validation pairs on each, alternating
#     (bench/peers/LoginClient.java); Ward's logins here are of a user in a tenant at the shipped policy (<= 3
#     sessions), then 20 pairs more with the user holding the SESSIONS sessions (Ward's admission reads them all);
#   - logins against raw Argon2id: JMH Argon2Benchmark (Ward's parameters, Bouncy Castle, 1 and 2 threads, and
#     through Ward's PasswordHasher + HashingPool), then LOGIN_SECONDS of logins by 2 concurrent clients on
#     each server; the ratio Ward login rate / raw Argon2id rate on 2 threads (goal >= 0.90); then the same ratio
#     from ALT_ROUNDS alternated windows of ALT_SECONDS (logins, then raw hashing in the client), which a moving
#     machine load distorts less;
# Every answer is checked: wrk counts answers other than 200 (the script fails if there are any), and the login
# client fails on a login or first validation that is not 200.
# Output: bench/results/peers.txt. About 6-15 minutes on a 2-core machine, mostly the 2 × SESSIONS logins and
# the builds (SKIP_BUILD=1 reuses ward.jar, the peer's jar and bench/jmh/target/benchmarks.jar).
#
# Usage: bench/peers.sh
# Environment: SESSIONS (1000), DURATION (10s), ROUNDS (3), PAIRS (50), LOGIN_SECONDS (10), REDIS_PORT (16391),
#   ALT_SECONDS (5), ALT_ROUNDS (6), WARD_PORT (18797), PEER_PORT (18798), OUT (bench/results/peers.txt), SKIP_BUILD (0)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."   # the repository root
. bench/lib.sh
SESSIONS="${SESSIONS:-1000}"; DURATION="${DURATION:-10s}"; ROUNDS="${ROUNDS:-3}"; PAIRS="${PAIRS:-50}"
LOGIN_SECONDS="${LOGIN_SECONDS:-10}"; ALT_SECONDS="${ALT_SECONDS:-5}"; ALT_ROUNDS="${ALT_ROUNDS:-6}"; REDIS_PORT="${REDIS_PORT:-16391}"; WARD_PORT="${WARD_PORT:-18797}"
PEER_PORT="${PEER_PORT:-18798}"; OUT="${OUT:-bench/results/peers.txt}"
WARD="http://127.0.0.1:$WARD_PORT"; PEER="http://127.0.0.1:$PEER_PORT"
PW='Bench-Root-Pass-9!'; USER_PW='Quartz-Lantern-Ferry-58!'
PEER_JAR=bench/peers/spring-session/target/spring-session-peer.jar
START_S=$(date +%s)

for tool in wrk curl psql redis-server redis-cli openssl mvn; do
  command -v "$tool" >/dev/null 2>&1 || { echo "peers: $tool is needed (apt-get install -y wrk curl postgresql-client redis-server openssl maven)" >&2; exit 1; }
done
if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
  echo "peers: something already answers on port $REDIS_PORT; set REDIS_PORT to a free port (this script only uses a Redis it starts)" >&2
  exit 1
fi
for port in "$WARD_PORT" "$PEER_PORT"; do
  if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/"; then
    echo "peers: something already answers on port $port; set WARD_PORT / PEER_PORT to free ports" >&2
    exit 1
  fi
done
bench_find_java
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  bench_build_ward
  echo "peers: building the peer (Spring Boot; needs Maven Central the first time) ..." >&2
  mvn -B -q -ntp -f bench/peers/spring-session/pom.xml package
  echo "peers: building bench/jmh/target/benchmarks.jar ..." >&2
  mvn -B -q -ntp -f bench/jmh/pom.xml package
fi
for f in ward-server/target/ward.jar "$PEER_JAR" bench/jmh/target/benchmarks.jar; do
  [ -f "$f" ] || { echo "peers: $f is missing (run without SKIP_BUILD=1)" >&2; exit 1; }
done

DIR="$(mktemp -d)"
DB="ward_bench_peers_$$"
RPID=""; WPID=""; PPID_=""
stop_pid() { if [ -n "$1" ]; then kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; fi; }
cleanup() {
  stop_pid "$WPID"; stop_pid "$PPID_"; stop_pid "$RPID"
  psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap cleanup EXIT

redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$DIR" --daemonize no > "$DIR/redis.log" 2>&1 &
RPID=$!
for _ in $(seq 1 100); do redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && break; sleep 0.05; done
psql -q -h 127.0.0.1 -U postgres -d postgres -c "CREATE DATABASE $DB" >/dev/null

# wait_for LOG PATTERN PID NAME
wait_for() {
  for _ in $(seq 1 6000); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    kill -0 "$3" 2>/dev/null || { echo "peers: $4 did not start:" >&2; cat "$1" >&2; exit 1; }
    sleep 0.02
  done
  echo "peers: $4 did not start within 120 s" >&2; exit 1
}
WARD_MASTER_KEY="$(openssl rand -base64 32)" WARD_DATABASE_URL="jdbc:postgresql://127.0.0.1:5432/$DB?user=postgres" \
  WARD_REDIS_URL="redis://127.0.0.1:$REDIS_PORT" WARD_BOOTSTRAP_ADMIN_PASSWORD="$PW" \
  WARD_LOGIN_RATE_PER_IP=1000000 WARD_LOGIN_RATE_PER_USERNAME=1000000 WARD_ACCESS_LOG_LEVEL=WARN \
  "$JAVA" -jar ward-server/target/ward.jar serve --port "$WARD_PORT" --data-dir "$DIR/ward" > "$DIR/ward.log" 2>&1 &
WPID=$!
"$JAVA" -jar "$PEER_JAR" --server.port="$PEER_PORT" --spring.data.redis.port="$REDIS_PORT" --peer.password="$USER_PW" \
  > "$DIR/peer.log" 2>&1 &
PPID_=$!
wait_for "$DIR/ward.log" 'Ward listening' "$WPID" Ward
wait_for "$DIR/peer.log" 'Tomcat started' "$PPID_" 'the peer'

field() { grep -o "\"$1\":\"[^\"]*\"" | head -n 1 | cut -d'"' -f4; }
call() {   # call METHOD PATH BEARER [BODY]: prints the body; fails unless the status is 2xx
  local out status
  out="$(curl -s -w '\n%{http_code}' -X "$1" "$WARD$2" -H "Authorization: Bearer $3" -H 'Content-Type: application/json' ${4:+-d "$4"})"
  status="${out##*$'\n'}"
  case "$status" in 2??) printf '%s\n' "${out%$'\n'*}";; *) echo "peers: $1 $2 answered $status: ${out%$'\n'*}" >&2; exit 1;; esac
}
ADMIN=$(bench_admin_with_mfa "$WARD" "$PW")
[ -n "$ADMIN" ] || { echo "peers: Ward admin login failed" >&2; exit 1; }
call POST /v1/admin/tenants "$ADMIN" '{"id":"bench","name":"Benchmark clinic"}' >/dev/null
# As bench/run-wrk.sh: the plain validation path (no rotation, no binding) and room for every session of the run
# under one user (the peer's sessions also all belong to one user name).
call PATCH /v1/admin/tenants/bench "$ADMIN" \
  '{"policy":{"rate_limit":{"per_minute":1000000000,"per_ip_per_minute":1000000000,"per_api_key_per_minute":1000000000},"session":{"rotate_after_uses":1000000000,"rotate_after_seconds":86400,"binding":"off","idle_timeout_seconds":86400,"max_concurrent":10000}}}' >/dev/null
call POST /v1/admin/tenants/bench/users "$ADMIN" "{\"username\":\"clinician\",\"password\":\"$USER_PW\",\"roles\":[\"staff\"]}" >/dev/null
WARD_API_KEY=$(call POST /v1/admin/tenants/bench/api-keys "$ADMIN" '{"name":"bench app","scopes":["sessions"]}' | field key)
[ -n "$WARD_API_KEY" ] || { echo "peers: could not create the API key" >&2; exit 1; }
# Logins are measured on a user of another tenant left at the shipped policy (at most 3 sessions, the oldest
# evicted): Ward's login reads every live session of the user (admit.lua), so the 1,000-session user above
# would measure that instead (reported separately below).
call POST /v1/admin/tenants "$ADMIN" '{"id":"clinic","name":"Default-policy clinic"}' >/dev/null
call POST /v1/admin/tenants/clinic/users "$ADMIN" "{\"username\":\"nurse\",\"password\":\"$USER_PW\",\"roles\":[\"staff\"]}" >/dev/null
CLINIC_KEY=$(call POST /v1/admin/tenants/clinic/api-keys "$ADMIN" '{"name":"bench app","scopes":["sessions"]}' | field key)
[ -n "$CLINIC_KEY" ] || { echo "peers: could not create the clinic's API key" >&2; exit 1; }
export WARD_API_KEY USER_PW WARD_TENANT=bench WARD_USER=clinician
# client_clinic ARGS: the login client as the clinic's nurse
client_clinic() { WARD_API_KEY="$CLINIC_KEY" WARD_TENANT=clinic WARD_USER=nurse client "$@"; }
# LoginClient needs Ward's classes and Bouncy Castle (raw Argon2id in its JVM): bench/jmh's jar has both.
client() { "$JAVA" -cp bench/jmh/target/benchmarks.jar bench/peers/LoginClient.java "$@"; }

echo "peers: creating $SESSIONS sessions in Ward and in the peer (real logins, 2 clients each) ..." >&2
# Both at once (setting up, not measured): the two servers share the 2 cores while they hash.
t0=$(date +%s)
( client create peer "$PEER" "$SESSIONS" 2 > "$DIR/peer-tokens" 2> "$DIR/create-peer.err"; echo $(( $(date +%s) - t0 )) > "$DIR/peer-create-s" ) &
CREATE_PID=$!
client create ward "$WARD" "$SESSIONS" 2 > "$DIR/ward-tokens" 2> "$DIR/create-ward.err" \
  || { cat "$DIR/create-ward.err" >&2; echo "peers: creating Ward's sessions failed" >&2; exit 1; }
CREATE_WARD_S=$(( $(date +%s) - t0 ))
wait "$CREATE_PID" || { cat "$DIR/create-peer.err" >&2; echo "peers: creating the peer's sessions failed" >&2; exit 1; }
CREATE_PEER_S=$(cat "$DIR/peer-create-s")
[ "$(wc -l < "$DIR/ward-tokens")" -eq "$SESSIONS" ] && [ "$(wc -l < "$DIR/peer-tokens")" -eq "$SESSIONS" ] \
  || { echo "peers: fewer than $SESSIONS tokens" >&2; exit 1; }
WARD_TOKENS="$(tr '\n' ' ' < "$DIR/ward-tokens")"; PEER_TOKENS="$(tr '\n' ' ' < "$DIR/peer-tokens")"
export WARD_TOKENS PEER_TOKENS

wrk_ward() { wrk -t2 -c50 -d"$1" --latency -s bench/wrk/validate.lua "$WARD/v1/sessions/validate"; }
wrk_peer() { wrk -t2 -c50 -d"$1" --latency -s bench/wrk/peer-me.lua "$PEER/me"; }
rps() { awk '/^Requests\/sec:/ {print $2}' "$1"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

mkdir -p bench/results
{
  echo "# bench/peers.sh, $(date -u '+%Y-%m-%d %H:%M UTC')"
  bench_machine
  echo "# the machine is shared with other builds: compare figures within this run only"
  echo "# redis: $(redis-server --version | cut -d' ' -f1-3), private on port $REDIS_PORT; PostgreSQL: $(psql -h 127.0.0.1 -U postgres -d postgres -Atc 'show server_version')"
  echo "# Ward: java -jar ward-server/target/ward.jar serve, production mode (PostgreSQL + Redis), default JVM flags"
  echo "# peer: java -jar $PEER_JAR (Spring Boot 3.5.7, Spring Session indexed Redis repository), default JVM flags"
  echo "# $SESSIONS sessions each, created by real logins, 2 clients each, both servers at once: Ward took $CREATE_WARD_S s, peer $CREATE_PEER_S s"
  cat "$DIR/create-ward.err" "$DIR/create-peer.err" | sed 's/^/# /'
  echo
  echo "######## validate: wrk -t2 -c50 -d$DURATION, $SESSIONS sessions used in turn, after a 10 s warm-up of each"
  wrk_ward 10s > /dev/null; wrk_peer 10s > /dev/null
  for r in $(seq 1 "$ROUNDS"); do
    echo "## round $r: Ward POST /v1/sessions/validate (load average before: $(load))"
    wrk_ward "$DURATION" | tee "$DIR/ward-$r.txt"
    echo "## round $r: peer GET /me (load average before: $(load))"
    wrk_peer "$DURATION" | tee "$DIR/peer-$r.txt"
  done
  echo
  echo "######## validate: ratios (Ward req/s ÷ peer req/s; goal >= 3)"
  tw=0; tp=0
  for r in $(seq 1 "$ROUNDS"); do
    w=$(rps "$DIR/ward-$r.txt"); p=$(rps "$DIR/peer-$r.txt")
    awk -v r="$r" -v w="$w" -v p="$p" 'BEGIN {printf "round %d: Ward %.0f req/s, peer %.0f req/s, ratio %.2f\n", r, w, p, w / p}'
    tw=$(awk -v a="$tw" -v b="$w" 'BEGIN {print a + b}'); tp=$(awk -v a="$tp" -v b="$p" 'BEGIN {print a + b}')
  done
  awk -v w="$tw" -v p="$tp" -v n="$ROUNDS" 'BEGIN {printf "all rounds: Ward %.0f req/s, peer %.0f req/s (means), VALIDATE RATIO %.2f\n", w / n, p / n, w / p}'
  echo
  echo "######## login-to-first-validate: $PAIRS sequential pairs each, Ward and peer alternating (after 5 not recorded)"
  echo "## Ward: user nurse of tenant clinic (shipped policy: <= 3 sessions, oldest evicted); load average before: $(load)"
  client_clinic pairs ward "$WARD" 5 peer "$PEER" > /dev/null
  client_clinic pairs ward "$WARD" "$PAIRS" peer "$PEER" | tee "$DIR/pairs.txt"
  grep '^ward ' "$DIR/pairs.txt" > "$DIR/pairs-ward.txt"; grep '^peer ' "$DIR/pairs.txt" > "$DIR/pairs-peer.txt"
  mw=$(grep -o 'median [0-9.]* ms' "$DIR/pairs-ward.txt" | head -n 1 | cut -d' ' -f2)
  mp=$(grep -o 'median [0-9.]* ms' "$DIR/pairs-peer.txt" | head -n 1 | cut -d' ' -f2)
  awk -v w="$mw" -v p="$mp" 'BEGIN {printf "LOGIN-TO-FIRST-VALIDATE median: Ward %.1f ms, peer %.1f ms, peer ÷ Ward %.2f (goal >= 1: Ward at least as fast)\n", w, p, p / w}'
  echo "## the same with Ward's user of the validate runs, who holds $SESSIONS+ live sessions (20 pairs, alternating with the peer)"
  client pairs ward "$WARD" 20 peer "$PEER" | tee "$DIR/pairs-big.txt"
  echo
  echo "######## logins against raw Argon2id (load average before: $(load))"
  echo "## Ward logins as the clinic's nurse (shipped policy)"
  client_clinic logins ward "$WARD" 2 3 > /dev/null   # warm-up, not recorded
  client_clinic logins ward "$WARD" 2 "$LOGIN_SECONDS" > "$DIR/logins-ward-before.txt"
  echo "## JMH Argon2Benchmark: Ward's parameters, Bouncy Castle; 1 × 5 s warm-up, 3 × 5 s measured, 1 fork; both servers idle"
  "$JAVA" -jar bench/jmh/target/benchmarks.jar Argon2Benchmark -bm thrpt -tu s -wi 1 -w 5s -i 3 -r 5s -f 1 2>&1 \
    | tee "$DIR/jmh.txt" | grep -E '^(Benchmark|Argon2Benchmark)'
  echo "## logins by 2 concurrent clients, $LOGIN_SECONDS s each: Ward before and after the JMH run (which they bracket), then the peer (after 3 s not recorded)"
  cat "$DIR/logins-ward-before.txt"
  client_clinic logins ward "$WARD" 2 "$LOGIN_SECONDS" | tee "$DIR/logins-ward-after.txt"
  client logins peer "$PEER" 2 3 > /dev/null
  client logins peer "$PEER" 2 "$LOGIN_SECONDS" | tee "$DIR/logins-peer.txt"
  echo "## the same ratio from alternated windows: $ALT_ROUNDS × ($ALT_SECONDS s of logins by 2 clients, then $ALT_SECONDS s of raw Argon2id on 2 threads in the client's JVM)"
  client_clinic alternate ward "$WARD" 2 "$ALT_SECONDS" "$ALT_ROUNDS" | tee "$DIR/alternate-ward.txt"
  client alternate peer "$PEER" 2 "$ALT_SECONDS" "$ALT_ROUNDS" | tee "$DIR/alternate-peer.txt"
  # The score is the number before "±" (or before the unit when JMH gives no error).
  raw2=$(awk '$1 == "Argon2Benchmark.raw2" {s = $(NF-1); for (i = 2; i <= NF; i++) if ($i == "±") s = $(i-1); print s}' "$DIR/jmh.txt")
  lw=$(cat "$DIR/logins-ward-before.txt" "$DIR/logins-ward-after.txt" | grep -o '= [0-9.]* logins/s' | cut -d' ' -f2 \
    | awk '{s += $1; n++} END {print s / n}')
  lp=$(grep -o '= [0-9.]* logins/s' "$DIR/logins-peer.txt" | cut -d' ' -f2)
  awk -v w="$lw" -v p="$lp" -v r="$raw2" 'BEGIN {printf "LOGIN RATIO: Ward %.2f logins/s (mean of the two) ÷ raw Argon2id on 2 threads %.2f/s = %.2f (goal >= 0.90); peer %.2f logins/s = %.2f of raw\n", w, r, w / r, p, p / r}'
  echo
  echo "# Ward resident memory after the run: $(( $(awk '/VmRSS/{print $2}' /proc/$WPID/status) / 1024 )) MiB; peer: $(( $(awk '/VmRSS/{print $2}' /proc/$PPID_/status) / 1024 )) MiB"
  echo "# Redis: $(redis-cli -p "$REDIS_PORT" dbsize) keys, used_memory $(redis-cli -p "$REDIS_PORT" info memory | awk -F: '/^used_memory_human/ {print $2}' | tr -d '\r')"
  echo "# Ward log lines at WARN or ERROR (other than the development master key warning): $(grep -E ' (WARN|ERROR) ' "$DIR/ward.log" | grep -vc 'development master key' || true)"
  grep -E ' (WARN|ERROR) ' "$DIR/ward.log" | grep -v 'development master key' | head -5 | cut -c1-300 | sed 's/^/#   /' || true
  echo "# peer log lines at WARN or ERROR: $(grep -cE ' (WARN|ERROR) ' "$DIR/peer.log" || true)"
  grep -E ' (WARN|ERROR) ' "$DIR/peer.log" | head -5 | cut -c1-300 | sed 's/^/#   /' || true
  echo "# load average after the run: $(load); the script took $(( $(date +%s) - START_S )) s"
} | tee "$OUT"
echo "peers: wrote $OUT" >&2
bad="$(awk '/^answers other than 200:/ {n += $NF; seen++} END {print (seen == 2 * '"$ROUNDS"' ? n : "unknown")}' "$OUT")"
if [ "$bad" != 0 ]; then
  echo "peers: $bad validation answers were not 200; see $OUT" >&2
  exit 1
fi
