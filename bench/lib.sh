# Shared by bench/run-jmh.sh and bench/run-wrk.sh (sourced, from the repository root).
# Finds a JDK 21+ the way ./ward does and builds/installs Ward without compiling its tests.

bench_java_major() { "$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}' | cut -d. -f1; }

# Sets JAVA, JAVA_HOME, PATH (and MAVEN_OPTS on JDK 24+), or exits.
bench_find_java() {
  local c v
  JAVA=""
  for c in ${JAVA_HOME:+"$JAVA_HOME/bin/java"} "$(command -v java || true)" /usr/lib/jvm/*/bin/java; do
    [ -x "$c" ] || continue
    v="$(bench_java_major "$c")"
    if [ -n "$v" ] && [ "$v" -ge 21 ] 2>/dev/null; then JAVA="$c"; break; fi
  done
  if [ -z "$JAVA" ]; then
    echo "bench: no Java 21 or newer found (JAVA_HOME, PATH, /usr/lib/jvm/*)." >&2
    exit 1
  fi
  JAVA_HOME="$(cd "$(dirname "$JAVA")/.." && pwd)"
  export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
  if [ "$(bench_java_major "$JAVA")" -ge 24 ]; then
    # Maven 3.8's bundled Guava touches sun.misc.Unsafe (as in ./ward).
    export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
  fi
}

# Builds ward-server/target/ward.jar and installs the modules in ~/.m2. Tests are neither compiled nor
# run (a benchmark needs only the main code; ./ward test covers the rest).
bench_build_ward() {
  command -v mvn >/dev/null 2>&1 || { echo "bench: Maven is needed, e.g. 'apt-get install maven'." >&2; exit 1; }
  echo "bench: building and installing Ward (mvn install -Dmaven.test.skip=true) ..." >&2
  mvn -B -q -ntp install -Dmaven.test.skip=true
}

# One line describing this machine and moment, for the results files.
bench_machine() {
  echo "# machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM, $(uname -sr)"
  echo "# java: $("$JAVA" -version 2>&1 | sed -n 2p)"
  echo "# ward: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- . ':!bench' 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "# load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
}
