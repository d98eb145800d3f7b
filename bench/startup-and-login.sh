#!/usr/bin/env bash
# Measures, on this machine: time from `java -jar ward.jar serve` to "Ward listening", resident memory
# after start, and login latency (median/p90 of N sequential password logins over loopback).
# Usage: bench/startup-and-login.sh [N]   (builds the jar first if needed)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-200}"
./ward build >/dev/null
JAVA="$(ls -d /usr/lib/jvm/*/bin/java | while read -r j; do v=$("$j" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/{print $2}'); [ "${v%%.*}" -ge 21 ] && echo "$j" && break; done)"
DATA="$(mktemp -d)"; PORT=18765; PW='Bench-Root-Pass-9!'
trap 'kill $PID 2>/dev/null || true; rm -rf "$DATA"' EXIT

wait_ready() {
  for _ in $(seq 1 3000); do
    grep -q 'Ward listening' "$DATA/out.log" && return 0
    kill -0 $PID 2>/dev/null || { echo "ward did not start:"; cat "$DATA/out.log"; exit 1; }
    sleep 0.02
  done
  echo "ward did not start within 60 s"; exit 1
}

start=$(date +%s%N)
WARD_BOOTSTRAP_ADMIN_PASSWORD="$PW" WARD_ACCESS_LOG_LEVEL=WARN "$JAVA" -jar ward-server/target/ward.jar serve \
  --port $PORT --data-dir "$DATA" > "$DATA/out.log" 2>&1 & PID=$!
wait_ready
ready=$(( ($(date +%s%N) - start) / 1000000 ))
echo "first start (creates database, bootstrap hash): ${ready} ms"
sleep 1; echo "resident memory after first start: $(( $(awk '/VmRSS/{print $2}' /proc/$PID/status) / 1024 )) MiB"
kill $PID; wait $PID 2>/dev/null || true

start=$(date +%s%N)
# Rate limits off for the measurement: we time password logins, not 429s.
WARD_LOGIN_RATE_PER_IP=1000000 WARD_LOGIN_RATE_PER_USERNAME=1000000 WARD_ACCESS_LOG_LEVEL=WARN \
  "$JAVA" -jar ward-server/target/ward.jar serve --port $PORT --data-dir "$DATA" > "$DATA/out.log" 2>&1 & PID=$!
wait_ready
echo "restart on existing data to ready: $(( ($(date +%s%N) - start) / 1000000 )) ms"
sleep 1; echo "resident memory after start: $(( $(awk '/VmRSS/{print $2}' /proc/$PID/status) / 1024 )) MiB"

body="{\"tenant\":\"system\",\"username\":\"admin\",\"password\":\"$PW\"}"
for i in $(seq 1 20); do curl -s -o /dev/null -X POST "http://127.0.0.1:$PORT/v1/auth/login" -H "Content-Type: application/json" -d "$body"; done
for i in $(seq 1 "$N"); do
  curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -X POST "http://127.0.0.1:$PORT/v1/auth/login" -H "Content-Type: application/json" -d "$body"
done > "$DATA/times"
if grep -qv '^200 ' "$DATA/times"; then echo "some logins did not answer 200:"; sort "$DATA/times" | cut -d' ' -f1 | uniq -c; exit 1; fi
cut -d' ' -f2 "$DATA/times" | sort -n | awk '{a[NR]=$1} END {printf "login latency over %d logins: median %.1f ms, p90 %.1f ms\n", NR, a[int(NR/2)+1]*1000, a[int(NR*0.9)]*1000}'
echo "resident memory after logins: $(( $(awk '/VmRSS/{print $2}' /proc/$PID/status) / 1024 )) MiB"
