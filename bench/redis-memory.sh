#!/usr/bin/env bash
# Redis memory and commands per session (issues 4 and 13): starts a Redis of its own on a loopback port (nothing
# persisted), stores one session and prints MEMORY USAGE of each of its keys, then stores N sessions (100 000)
# through Ward's Redis store and divides the growth of INFO memory's used_memory by N, then runs V validations and
# divides INFO commandstats by V (bench/jmh/src/main/java/dev/ward/bench/RedisMemory.java).
# Writes bench/results/redis-memory.txt.
#
# It builds ward-core and ward-store-redis in the reactor (mvn package; tests compiled, for the test jar ward-store-redis
# depends on, but not run) and runs RedisMemory from source on their classpath: nothing is installed into ~/.m2, so it
# does not disturb other builds on the machine.
#
# Usage: bench/redis-memory.sh            Environment: N (100000), V (20000), PORT (16399), REDIS_ARGS (extra
# redis-server options, e.g. "--hash-max-listpack-value 512"), OUT (bench/results/redis-memory.txt), MVN_ARGS
# (extra Maven options, e.g. -o), SKIP_BUILD=1 (use the classes built last time), USER_AGENT (the sessions' user
# agent; default a 107-byte Chrome one)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."   # the repository root
. bench/lib.sh
N="${N:-100000}"; V="${V:-20000}"; PORT="${PORT:-16399}"; OUT="${OUT:-bench/results/redis-memory.txt}"
command -v redis-server >/dev/null 2>&1 || { echo "redis-memory: redis-server is needed (apt-get install -y redis-server)" >&2; exit 1; }
bench_find_java
CP_FILE=ward-store-redis/target/redis-memory.classpath
if [ "${SKIP_BUILD:-0}" != 1 ] || [ ! -f "$CP_FILE" ]; then
  echo "redis-memory: building ward-core and ward-store-redis (mvn package, tests not run) ..." >&2
  # One reactor run, so that ward-core resolves to the jar just built (each module writes the file; ward-store-redis last).
  mvn -B -q -ntp ${MVN_ARGS:-} -pl ward-store-redis -am package dependency:build-classpath -DskipTests \
    -Dmdep.includeScope=runtime -Dmdep.outputFile="$PWD/$CP_FILE"
fi
CP="ward-store-redis/target/classes:ward-core/target/classes:$(cat "$CP_FILE")"
DIR="$(mktemp -d)"
redis-server --port "$PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$DIR" --daemonize no ${REDIS_ARGS:-} > "$DIR/redis.log" 2>&1 &
RPID=$!
trap 'kill $RPID 2>/dev/null || true; wait $RPID 2>/dev/null || true; rm -rf "$DIR"' EXIT
echo '<configuration><root level="WARN"/></configuration>' > "$DIR/logback.xml"   # Lettuce logs every command at DEBUG
for _ in $(seq 1 100); do redis-cli -p "$PORT" ping 2>/dev/null | grep -q PONG && break; sleep 0.05; done
mkdir -p bench/results
{
  echo "# bench/redis-memory.sh, $(date -u '+%Y-%m-%d %H:%M UTC')"
  bench_machine
  echo "# redis: $(redis-server --version)"
  echo "# redis-server options: ${REDIS_ARGS:-(defaults)}"
  "$JAVA" --sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED \
    -Dlogback.configurationFile="$DIR/logback.xml" \
    -cp "$CP" bench/jmh/src/main/java/dev/ward/bench/RedisMemory.java "redis://127.0.0.1:$PORT" "$N" "$V" ${USER_AGENT:+"$USER_AGENT"}
} | tee "$OUT"
