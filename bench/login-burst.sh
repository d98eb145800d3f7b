#!/usr/bin/env bash
# Heap under a burst of logins: fires N (default 200) parallel password logins at a real Ward, twice in one run
#   bounded   — the password-hashing pool as shipped (WARD_HASHING_THREADS = cores, WARD_HASHING_QUEUE = 4 × that);
#   unbounded — the bound lifted: a pool as large as the burst (WARD_HASHING_THREADS=N, WARD_HASHING_QUEUE=0),
#               i.e. every login hashes at once, as when hashing ran on the request threads;
# and reports, for each, the answers by status and the peak heap: the highest occupancy the GC log shows when a
# collection began (-Xlog:gc), or after the burst (jcmd GC.heap_info), whichever is higher. Same JVM flags both times
# (the defaults: G1, max heap = 1/4 of RAM), so only the bound differs. Output also goes to bench/results/login-burst.txt.
# Usage: bench/login-burst.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
N="${1:-200}"
bench_find_java
./ward build >/dev/null
JCMD="$JAVA_HOME/bin/jcmd"
PW='Bench-Burst-Pass-9!'
OUT=bench/results/login-burst.txt
WORK="$(mktemp -d)"
PID=""
trap '[ -n "$PID" ] && kill $PID 2>/dev/null; rm -rf "$WORK"' EXIT

# Peak heap in MiB: the largest "before" of "<before>M-><after>M(<size>M)" in the GC log, or the heap used now.
peak_heap() {
  local log="$1" pid="$2" from_gc now
  from_gc=$(grep -oE '[0-9]+M->[0-9]+M\([0-9]+M\)' "$log" | cut -dM -f1 | sort -n | tail -n 1)
  now=$("$JCMD" "$pid" GC.heap_info 2>/dev/null | grep -oE 'used [0-9]+K' | head -n 1 | grep -oE '[0-9]+')
  now=$(( ${now:-0} / 1024 ))
  echo $(( ${from_gc:-0} > now ? ${from_gc:-0} : now ))
}

run() {
  local mode="$1" port="$2" data="$WORK/$1" threads queue
  shift 2
  mkdir -p "$data"
  env "$@" WARD_BOOTSTRAP_ADMIN_PASSWORD="$PW" WARD_ACCESS_LOG_LEVEL=WARN \
    WARD_LOGIN_RATE_PER_IP=1000000 WARD_LOGIN_RATE_PER_USERNAME=1000000 \
    "$JAVA" -Xlog:gc:file="$data/gc.log" -jar ward-server/target/ward.jar serve --port "$port" --data-dir "$data" \
    > "$data/out.log" 2>&1 & PID=$!
  for _ in $(seq 1 3000); do
    grep -q 'Ward listening' "$data/out.log" && break
    kill -0 $PID 2>/dev/null || { echo "ward did not start:"; cat "$data/out.log"; exit 1; }
    sleep 0.02
  done
  local base="http://127.0.0.1:$port" body="{\"tenant\":\"system\",\"username\":\"admin\",\"password\":\"$PW\"}"
  curl -s -o /dev/null "$base/v1/auth/login" -H 'Content-Type: application/json' -d "$body"   # warm-up
  local start end
  start=$(date +%s%N)
  seq 1 "$N" | xargs -P "$N" -I{} curl -s -o /dev/null -w '%{http_code}\n' --max-time 120 \
    "$base/v1/auth/login" -H 'Content-Type: application/json' -d "$body" > "$data/codes"
  end=$(date +%s%N)
  sleep 1
  local peak answers
  peak=$(peak_heap "$data/gc.log" $PID)
  answers=$(sort "$data/codes" | uniq -c | awk '{printf "%s%s×%s", (NR>1?", ":""), $2, $1}')
  printf '%-9s peak heap %5d MiB   answers: %s   burst took %d ms\n' "$mode" "$peak" "$answers" $(( (end - start) / 1000000 ))
  kill $PID; wait $PID 2>/dev/null || true
  PID=""
  eval "PEAK_$mode=$peak"
}

{
  bench_machine
  echo "# $N parallel logins (tenant system, user admin, right password), each one Argon2id m=19456 KiB t=2 p=1"
  run bounded 18771
  run unbounded 18772 WARD_HASHING_THREADS="$N" WARD_HASHING_QUEUE=0
  awk -v b="$PEAK_bounded" -v u="$PEAK_unbounded" 'BEGIN {printf "peak heap, unbounded / bounded: %.1f×\n", (b > 0 ? u / b : 0)}'
} | tee "$OUT"
