#!/usr/bin/env bash
# Same-run start-up comparison: time from `java -jar JAR serve` to "Ward listening" on an existing data
# directory, ROUNDS rounds, the configurations taking turns so that machine noise hits all alike.
# Usage: bench/startup-compare.sh ROUNDS NAME=JAR[,ENV=VALUE...] ...
#   e.g. bench/startup-compare.sh 7 before=/tmp/base/ward.jar after=ward-server/target/ward.jar \
#        'syslog=ward-server/target/ward.jar,WARD_AUDIT_SYSLOG=tls://127.0.0.1:9'
set -euo pipefail
ROUNDS="$1"; shift
JAVA="$(ls -d /usr/lib/jvm/*/bin/java | while read -r j; do v=$("$j" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/{print $2}'); [ "${v%%.*}" -ge 21 ] && echo "$j" && break; done)"
PORT=18766; PW='Bench-Root-Pass-9!'
declare -A DATA TIMES
trap 'kill $PID 2>/dev/null || true; for d in "${DATA[@]}"; do rm -rf "$d"; done' EXIT
PID=

run_once() { # name jar env... ; prints ms to "Ward listening"
  local name="$1" jar="$2"; shift 2
  rm -f "${DATA[$name]}/out.log"
  local start; start=$(date +%s%N)
  env "$@" WARD_BOOTSTRAP_ADMIN_PASSWORD="$PW" WARD_ACCESS_LOG_LEVEL=WARN "$JAVA" -jar "$jar" serve --port $PORT \
    --data-dir "${DATA[$name]}" > "${DATA[$name]}/out.log" 2>&1 & PID=$!
  for _ in $(seq 1 3000); do
    grep -q 'Ward listening' "${DATA[$name]}/out.log" && break
    kill -0 $PID 2>/dev/null || { echo "$name did not start:"; cat "${DATA[$name]}/out.log"; exit 1; }
    sleep 0.01
  done
  local ms=$(( ($(date +%s%N) - start) / 1000000 ))
  sleep 1
  local rss=$(( $(awk '/VmRSS/{print $2}' /proc/$PID/status) / 1024 ))
  kill $PID; wait $PID 2>/dev/null || true
  echo "$ms $rss"
}

for spec in "$@"; do
  name="${spec%%=*}"; rest="${spec#*=}"; jar="${rest%%,*}"
  DATA[$name]="$(mktemp -d)"
  IFS=',' read -r -a envs <<< "${rest#"$jar"}"
  run_once "$name" "$jar" "${envs[@]:1}" >/dev/null   # first start: creates the database
done
for r in $(seq 1 "$ROUNDS"); do
  for spec in "$@"; do
    name="${spec%%=*}"; rest="${spec#*=}"; jar="${rest%%,*}"
    IFS=',' read -r -a envs <<< "${rest#"$jar"}"
    TIMES[$name]+="$(run_once "$name" "$jar" "${envs[@]:1}");"
  done
done
for spec in "$@"; do
  name="${spec%%=*}"
  echo "${TIMES[$name]}" | tr ';' '\n' | grep . | sort -n | awk -v n="$name" \
    '{t[NR]=$1; m[NR]=$2} END {printf "%-8s start to listening: median %d ms (min %d, max %d); resident memory 1 s after: median %d MiB\n", n, t[int((NR+1)/2)], t[1], t[NR], m[int((NR+1)/2)]}'
done
