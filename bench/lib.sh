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

# Builds ward-server/target/ward.jar and installs the modules in ~/.m2. Tests are compiled (the store modules
# depend on ward-core's test jar, absent on a fresh machine) but not run; ./ward test runs them.
bench_build_ward() {
  command -v mvn >/dev/null 2>&1 || { echo "bench: Maven is needed, e.g. 'apt-get install maven'." >&2; exit 1; }
  if [ "${SKIP_BUILD:-0}" = 1 ] && [ -f ward-server/target/ward.jar ]; then
    echo "bench: SKIP_BUILD=1, using the ward.jar already built" >&2
    return 0
  fi
  echo "bench: building and installing Ward (mvn install -DskipTests) ..." >&2
  mvn -B -q -ntp install -DskipTests
}

# Builds bench/jmh/target/benchmarks.jar (the JMH benchmarks and the helper programs of bench/), unless SKIP_BUILD=1
# and it is there already. Needs bench_build_ward first (it compiles against the installed modules).
bench_build_jmh() {
  if [ "${SKIP_BUILD:-0}" = 1 ] && [ -f bench/jmh/target/benchmarks.jar ]; then return 0; fi
  echo "bench: building bench/jmh/target/benchmarks.jar ..." >&2
  mvn -B -q -ntp -f bench/jmh/pom.xml package
}

# One line describing this machine and moment, for the results files.
bench_machine() {
  echo "# machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM, $(uname -sr)"
  echo "# java: $("$JAVA" -version 2>&1 | sed -n 2p)"
  echo "# ward: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- . ':!bench' 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "# load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
}

# The current RFC 6238 code (SHA-1, 6 digits, 30 s) of a base32 secret, as in the README (coreutils + openssl).
bench_totp() {
  local key step mac offset
  key=$(printf '%s' "$1" | base32 -d | od -An -v -tx1 | tr -d ' \n')
  step=$(printf '%016x' $(( $(date +%s) / 30 )))
  mac=$(printf "$(printf '%s' "$step" | sed 's/../\\x&/g')" | openssl dgst -sha1 -mac HMAC -macopt "hexkey:$key" | awk '{print $NF}')
  offset=$(( 0x${mac:39:1} * 2 ))
  printf '%06d\n' $(( (0x${mac:offset:8} & 0x7fffffff) % 1000000 ))
}

# Prints a session token of the bootstrap admin (tenant system) at aal 2: administrators must use MFA
# (mfa.required_roles), so the first login may only enrol TOTP, which this does as the README shows.
bench_admin_with_mfa() {
  local ward="$1" pw="$2" token secret
  bench_field() { grep -o "\"$1\":\"[^\"]*\"" | head -n 1 | cut -d'"' -f4; }
  token=$(curl -s "$ward/v1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"tenant\":\"system\",\"username\":\"admin\",\"password\":\"$pw\"}" | bench_field token)
  [ -n "$token" ] || { echo "bench: admin login failed" >&2; return 1; }
  secret=$(curl -s -X POST "$ward/v1/me/mfa/totp/setup" -H "Authorization: Bearer $token" | bench_field secret)
  [ -n "$secret" ] || { echo "bench: MFA setup failed" >&2; return 1; }
  curl -s "$ward/v1/me/mfa/totp/confirm" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d "{\"code\":\"$(bench_totp "$secret")\"}" | bench_field token
}

# The validation fixture of bench/run-wrk.sh on a running Ward at $1 (admin password $2): tenant "bench" with rotation
# and binding turned aside, a user, an API key with scope sessions, and $3 sessions of that user. Sets WARD_API_KEY and
# TOKENS (an array of session tokens), each validated once.
bench_validate_fixture() {
  local ward="$1" pw="$2" n="$3" admin user_pw='Quartz-Lantern-Ferry-58!' t
  bench_call() { # METHOD PATH BEARER [BODY]: prints the body; fails unless the status is 2xx.
    local out status
    out="$(curl -s -w '\n%{http_code}' -X "$1" "$ward$2" -H "Authorization: Bearer $3" -H 'Content-Type: application/json' ${4:+-d "$4"})"
    status="${out##*$'\n'}"
    case "$status" in 2??) printf '%s\n' "${out%$'\n'*}";; *) echo "bench: $1 $2 answered $status: ${out%$'\n'*}" >&2; return 1;; esac
  }
  bench_json_field() { grep -o "\"$1\":\"[^\"]*\"" | head -n 1 | cut -d'"' -f4; }
  admin=$(bench_admin_with_mfa "$ward" "$pw") && [ -n "$admin" ] || { echo "bench: admin login failed" >&2; return 1; }
  bench_call POST /v1/admin/tenants "$admin" '{"id":"bench","name":"Benchmark clinic"}' >/dev/null
  bench_call PATCH /v1/admin/tenants/bench "$admin" \
    '{"policy":{"rate_limit":{"per_minute":1000000000,"per_ip_per_minute":1000000000,"per_api_key_per_minute":1000000000},"session":{"rotate_after_uses":1000000000,"rotate_after_seconds":86400,"binding":"off","idle_timeout_seconds":86400,"max_concurrent":1000}}}' >/dev/null
  bench_call POST /v1/admin/tenants/bench/users "$admin" "{\"username\":\"clinician\",\"password\":\"$user_pw\",\"roles\":[\"staff\"]}" >/dev/null
  WARD_API_KEY=$(bench_call POST /v1/admin/tenants/bench/api-keys "$admin" '{"name":"bench app","scopes":["sessions"]}' | bench_json_field key)
  [ -n "$WARD_API_KEY" ] || { echo "bench: could not create the API key" >&2; return 1; }
  TOKENS=()
  for _ in $(seq 1 "$n"); do
    t=$(bench_call POST /v1/auth/login "$WARD_API_KEY" \
      "{\"tenant\":\"bench\",\"username\":\"clinician\",\"password\":\"$user_pw\",\"client\":{\"ip\":\"203.0.113.7\",\"user_agent\":\"Firefox\"}}" | bench_json_field token)
    [ -n "$t" ] || { echo "bench: a login gave no token" >&2; return 1; }
    bench_call POST /v1/sessions/validate "$WARD_API_KEY" "{\"token\":\"$t\"}" >/dev/null
    TOKENS+=("$t")
  done
}

# Bytes the heap took in between the last two full collections jcmd GC.run made, from a -Xlog:gc log:
# the sum over the collections in the window of (heap before it - heap after the previous one).
bench_gc_window_bytes() {
  awk '
    function bytes(s,  n, u) { n = s + 0; u = substr(s, length(s)); return n * (u == "G" ? 1073741824 : u == "M" ? 1048576 : u == "K" ? 1024 : 1) }
    match($0, /[0-9]+[BKMG]->[0-9]+[BKMG]\(/) {
      split(substr($0, RSTART, RLENGTH - 1), p, "->"); n++; before[n] = bytes(p[1]); after[n] = bytes(p[2])
      if ($0 ~ /Diagnostic Command|System.gc\(\)/) { marks[++m] = n }
    }
    END {
      if (m < 2) { print "bench: fewer than two jcmd GC.run collections in the GC log" > "/dev/stderr"; exit 1 }
      for (i = marks[m - 1] + 1; i <= marks[m]; i++) { d = before[i] - after[i - 1]; if (d > 0) sum += d }
      printf "%d\n", sum
    }' "$1"
}
