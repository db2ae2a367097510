#!/usr/bin/env bash
# jcstress tests of the write path's lock-free pieces (IdTable publication, versioned write vs
# remove, node publication, link lists naming a reused ordinal) and of the pipeline's stage
# bulkhead (the hand-over of a queued call when a permit comes back). Builds this project against the library (which must be installed:
# mvn -f parent/pom.xml install), runs the tests, and fails when any outcome is FORBIDDEN or a test
# errs.
#
#   jcstress/run.sh quick   CI mode: every test in jcstress's "quick" preset on 2 CPUs, one fork,
#                           one JVM configuration (about 5 minutes on a 2-core machine)
#   jcstress/run.sh long    the "stress" preset on every CPU with jcstress's JVM flag
#                           combinations (C1/C2, stress-scheduling flags), 4x forks (an hour or
#                           more; run it on a quiet machine before a release)
#
# Extra arguments go to jcstress (e.g. -t NodePublication). Reports go to jcstress/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-quick}
shift || true
mvn -B ${MVN_ARGS:-} -q -f jcstress/pom.xml package
case "$mode" in
  # one JVM configuration (explicit -jvmArgs turn off jcstress's flag combinations), 2 CPUs
  quick) args=(-m quick -c 2 -f 1 -jvmArgs "-Xmx1g") ;;
  long) args=(-m stress -fsm 4) ;;
  *) echo "usage: jcstress/run.sh quick|long [jcstress options]" >&2; exit 2 ;;
esac
rm -rf jcstress/results
log=$(mktemp)
status=0
# from jcstress/, where jcstress also leaves its binary results file (ignored by git)
(cd jcstress && java -jar target/jcstress.jar "${args[@]}" -r results "$@") | tee "$log" || status=$?
# jcstress exits non-zero on failures; also check its summary in case a version does not
if grep -Eq '(FAILED|ERROR)[^,]*, [1-9]|^ *\[FAILED\]|^ *\[ERROR\]' "$log"; then
  status=1
fi
rm -f "$log"
[ "$status" = 0 ] && echo "jcstress $mode: passed" || echo "jcstress $mode: FAILED (report in jcstress/results/index.html)" >&2
exit "$status"
