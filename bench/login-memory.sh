#!/usr/bin/env bash
# Resident memory of a node under logins, as the launcher starts it: ./ward serve in production mode (PostgreSQL, a
# schema of its own in database `test`, and a private redis-server on a free port), N (default 3000) password logins
# each followed by its logout, C (default 8) at a time, from one address. Prints the node's RSS (VmRSS) at rest, its
# peak while the logins ran (sampled every second) and after, and the heap the JVM chose (launcher defaults: no -Xmx,
# so G1 with max heap 1/4 of RAM). Output also goes to bench/results/login-memory.txt.
# Usage: bench/login-memory.sh [N] [C]   (WARD_JAVA_OPTS, e.g. -Xmx512m, is passed through by ./ward)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
N="${1:-3000}"
C="${2:-8}"
bench_find_java
[ -f ward-server/target/ward.jar ] || ./ward build >/dev/null
PW='Bench-Memory-Pass-9!'
OUT=bench/results/login-memory.txt
WORK="$(mktemp -d)"
SCHEMA="ward_mem_$(date +%s)"
REDIS_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
PID=""; RPID=""
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
  [ -n "$RPID" ] && kill "$RPID" 2>/dev/null
  psql -q -h 127.0.0.1 -U postgres -d test -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
psql -q -h 127.0.0.1 -U postgres -d test -c "CREATE SCHEMA $SCHEMA" >/dev/null
: > "$OUT.rss"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK" > "$WORK/redis.log" 2>&1 & RPID=$!
for _ in $(seq 1 1200); do redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && break; sleep 0.05; done

rss() { awk '/VmRSS/ {printf "%d", $2/1024}' "/proc/$1/status"; }
# The JVM started by ./ward (exec: the same process).
WARD_DATABASE_URL="jdbc:postgresql://127.0.0.1:5432/test?user=postgres&currentSchema=$SCHEMA" \
WARD_REDIS_URL="redis://127.0.0.1:$REDIS_PORT" \
WARD_MASTER_KEY="$(head -c 32 /dev/urandom | base64)" \
WARD_BOOTSTRAP_ADMIN_PASSWORD="$PW" WARD_ACCESS_LOG_LEVEL=WARN \
WARD_LOGIN_RATE_PER_IP=1000000 WARD_LOGIN_RATE_PER_USERNAME=1000000 \
  ./ward serve --port "$PORT" > "$WORK/out.log" 2>&1 & PID=$!
for _ in $(seq 1 3000); do
  grep -q 'Ward listening' "$WORK/out.log" && break
  kill -0 "$PID" 2>/dev/null || { echo "ward did not start:"; cat "$WORK/out.log"; exit 1; }
  sleep 0.02
done
sleep 2
AT_REST=$(rss "$PID")
MAX_HEAP=$("$JAVA_HOME/bin/jcmd" "$PID" VM.flags 2>/dev/null | grep -oE 'MaxHeapSize=[0-9]+' | head -n 1 | cut -d= -f2)
# Every second's RSS, also kept beside the results (bench/results/login-memory.rss) for a run cut short.
( while kill -0 "$PID" 2>/dev/null; do r=$(rss "$PID"); echo "$r" >> "$WORK/rss"; echo "$(date +%s) $r" >> "$OUT.rss"; sleep 1; done ) & SAMPLER=$!
start=$(date +%s)
python3 - "$PORT" "$N" "$C" "$PW" > "$WORK/codes" <<'PY'
import http.client, json, sys, threading, collections
port, n, c, pw = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
codes = collections.Counter(); lock = threading.Lock(); left = [n]
def worker():
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    while True:
        with lock:
            if left[0] == 0: return
            left[0] -= 1
        conn.request("POST", "/v1/auth/login", json.dumps({"tenant": "system", "username": "admin", "password": pw}),
                     {"Content-Type": "application/json"})
        r = conn.getresponse(); body = r.read()
        out = [f"login {r.status}"]
        if r.status == 200:
            token = json.loads(body)["token"]
            conn.request("POST", "/v1/auth/logout", headers={"Authorization": "Bearer " + token})
            r2 = conn.getresponse(); r2.read(); out.append(f"logout {r2.status}")
        with lock:
            codes.update(out)
threads = [threading.Thread(target=worker) for _ in range(c)]
[t.start() for t in threads]; [t.join() for t in threads]
print(", ".join(f"{k}×{v}" for k, v in sorted(codes.items())))
PY
took=$(( $(date +%s) - start ))
sleep 5
AFTER=$(rss "$PID")
kill "$SAMPLER" 2>/dev/null || true
PEAK=$(sort -n "$WORK/rss" | tail -n 1)
{
  bench_machine
  echo "# launcher defaults${WARD_JAVA_OPTS:+ plus WARD_JAVA_OPTS=$WARD_JAVA_OPTS}; JVM max heap $(( ${MAX_HEAP:-0} / 1048576 )) MiB"
  echo "$N logins + logouts, $C at a time, in ${took} s: $(cat "$WORK/codes")"
  echo "RSS at rest ${AT_REST} MiB, peak ${PEAK} MiB, 5 s after ${AFTER} MiB"
} | tee "$OUT"
