#!/usr/bin/env bash
# Issue 14 "Measure": what the detectors cost the calls they watch. One jar, two servers side by side on the same
# machine at the same time, the same sessions and contexts: the base with WARD_DETECTORS=off (this node runs no
# detector pass), the other with the detectors on (the default). wrk alternates off, on ROUNDS times over
#   validate  POST /v1/sessions/validate        (no detector reads validations; the ratio shows the noise floor)
#   read      GET /v1/session/patients/p-1/data/chart  (each read writes patient.data_read: exfiltration counts them)
#   login     POST /v1/auth/login, right password  (each writes login.succeeded: impossible travel reads them)
# and prints on / off per kind (goals: >= 0.90 on validate and reads, >= 0.95 on logins). Both servers carry the same
# rate limiter (raised out of the way, as every bench tenant's is), so its cost is in both and not in the ratio.
# Results: bench/results/detect-<mode>.txt.
#
# Usage: bench/detect.sh      Environment: MODES ("embedded"; "embedded redis" for PostgreSQL + Redis too), ROUNDS (3),
#                             DURATION (10s), SESSIONS (50), SKIP_BUILD. Run it on a quiet machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."   # the repository root
. bench/lib.sh
bench_find_java
[ "${SKIP_BUILD:-}" = 1 ] || bench_build_ward
SKIP_BUILD=1 BASE_JAR=ward-server/target/ward.jar BASE_ENV="WARD_DETECTORS=off" COMPARE_ONLY=1 \
  COMPARE="${COMPARE:-validate read login}" COMPARE_OUT=detect MODES="${MODES:-embedded}" exec bench/patients.sh
