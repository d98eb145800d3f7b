#!/usr/bin/env bash
# Start-up to "Ward listening" as ./ward serve starts it (launcher JVM options, the AppCDS archive beside the jar),
# embedded, restarting on an existing data directory, beside two baselines timed in the same rounds (issue 13, goal 4:
# "start to listening <= 1.5 s with the jar built"):
#   - `java -version` with the same JVM: the floor of any JVM start on this machine at this moment;
#   - `java -cp ward.jar` running a class that only prints: the JVM opening the 90 MB jar, no Ward code.
# The three take turns, ROUNDS times, so machine noise hits them alike; medians and the ratios of the medians are printed.
# With CLASSES=1 also the number of classes the server loaded by "listening" and how many came from the archive.
# Usage: bench/startup-ratio.sh [ROUNDS]   (default 7; ./ward serve builds the jar first if the sources changed)
#   Environment: PORT (18767), OUT (bench/results/startup-ratio.txt).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."   # the repository root
. bench/lib.sh
ROUNDS="${1:-7}"; PORT="${PORT:-18767}"; OUT="${OUT:-bench/results/startup-ratio.txt}"
bench_find_java
[ -f ward-server/target/ward.jar ] || ./ward build >/dev/null   # ./ward serve rebuilds a stale jar itself (in the discarded first start)
DATA="$(mktemp -d)"; PID=""
trap 'if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi; rm -rf "$DATA"' EXIT
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

serve_once() { # prints ms from exec to "Ward listening"; leaves the log in $DATA/out.log
  local start; start=$(now_ms)
  WARD_BOOTSTRAP_ADMIN_PASSWORD='Bench-Root-Pass-9!' WARD_ACCESS_LOG_LEVEL=WARN \
    ./ward serve --port "$PORT" --data-dir "$DATA/ward" > "$DATA/out.log" 2>&1 & PID=$!
  for _ in $(seq 1 24000); do
    grep -q 'Ward listening' "$DATA/out.log" && break
    kill -0 "$PID" 2>/dev/null || { echo "startup-ratio: ward did not start:" >&2; cat "$DATA/out.log" >&2; exit 1; }
    sleep 0.005
  done
  echo $(( $(now_ms) - start ))
  kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
}
version_once() { local start; start=$(now_ms); "$JAVA" -version >/dev/null 2>&1; echo $(( $(now_ms) - start )); }
mkdir -p "$DATA/hello"
printf 'public class Hello { public static void main(String[] a) { System.out.println("hello"); } }\n' > "$DATA/hello/Hello.java"
"$JAVA_HOME/bin/javac" -d "$DATA/hello" "$DATA/hello/Hello.java"
jar_once() { local start; start=$(now_ms); "$JAVA" -cp "ward-server/target/ward.jar:$DATA/hello" Hello >/dev/null; echo $(( $(now_ms) - start )); }

mkdir -p bench/results
exec > >(tee "$OUT")
echo "# bench/startup-ratio.sh, $(date -u '+%Y-%m-%d %H:%M UTC'); $ROUNDS rounds; ./ward serve (embedded), restart on an existing data directory"
bench_machine
echo "# launcher JVM options: $(./ward jvm-options | tr '\n' ' ')"
serve_once >/dev/null   # first start: creates the database, the bootstrap admin and the AppCDS archive
serve_once >/dev/null   # the first start that uses the archive
S=(); V=(); J=()
for _ in $(seq 1 "$ROUNDS"); do
  S+=("$(serve_once)"); V+=("$(version_once)"); J+=("$(jar_once)")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms=$(median "${S[@]}"); mv=$(median "${V[@]}"); mj=$(median "${J[@]}")
echo "ward serve to 'Ward listening': median $ms ms (runs: ${S[*]})"
echo "java -version:                  median $mv ms (runs: ${V[*]})"
echo "java -cp ward.jar Hello:        median $mj ms (runs: ${J[*]})"
awk -v s="$ms" -v v="$mv" -v j="$mj" 'BEGIN { printf "ratios of the medians: serve / java -version %.1f, serve / hello-on-the-jar %.1f\n", s / v, s / j }'
if [ "${CLASSES:-0}" = 1 ]; then
  WARD_JAVA_OPTS="-Xlog:class+load=info:file=$DATA/classes.log" serve_once >/dev/null
  echo "classes loaded by 'listening': $(grep -c 'source:' "$DATA/classes.log"), of which from the AppCDS/CDS archive: $(grep -c 'shared objects file' "$DATA/classes.log")"
fi
echo "# load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
