#!/usr/bin/env bash
# The fetch benchmarks of the Redis integration: hydration of 1,000-candidate batches from a local
# redis-server (naive GET loop, pipelined MGET, warm near cache at several sizes, the two layouts),
# then the JMH comparison of the near cache with Caffeine (-prof gc), then the p99-vs-hit-ratio plot.
#
#   integrations/redis/bench.sh smoke   # CI: tiny data, every case once (~2 min)
#   integrations/redis/bench.sh full    # 1,000,000 posts, 100,000 users; writes the plot into docs/
#
# Needs redis-server (Debian's package) and, for the plot, gnuplot. Environment: JAVA (default java),
# MVN_ARGS (extra Maven arguments, e.g. -Dmaven.repo.local=...), TRAWL_BENCH_SKIP_INSTALL=1 to use the
# library already installed in the local Maven repository.
set -euo pipefail
MODE=${1:-smoke}
case "$MODE" in smoke|full) ;; *) echo "usage: $0 smoke|full" >&2; exit 2 ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
JAVA=${JAVA:-java}
MVN_ARGS=${MVN_ARGS:-}
OUT=$HERE/target/bench-$MODE
mkdir -p "$OUT"

command -v redis-server >/dev/null || { echo "redis-server is missing: apt-get install -y redis-server" >&2; exit 1; }
if [ "${TRAWL_BENCH_SKIP_INSTALL:-0}" != 1 ]; then
  (cd "$ROOT" && mvn -q -B $MVN_ARGS install -DskipTests)
fi
(cd "$HERE" && mvn -q -B $MVN_ARGS test-compile dependency:build-classpath \
  -Dmdep.outputFile="$OUT/classpath.txt" -Dmdep.includeScope=test)
CP="$HERE/target/test-classes:$HERE/target/classes:$(cat "$OUT/classpath.txt")"

echo "== hydration of 1,000-candidate batches ($MODE)"
"$JAVA" -Xms2g -Xmx2g -cp "$CP" dev.trawl.redis.bench.FetchBench "$MODE" "$OUT" | tee "$OUT/fetch.txt"

echo "== heap bytes per cached record"
"$JAVA" -Xms1g -Xmx1g -cp "$CP" dev.trawl.redis.bench.FootprintProbe | tee "$OUT/footprint.txt"

echo "== near cache vs Caffeine (JMH, -prof gc)"
if [ "$MODE" = smoke ]; then
  JMH=(-f 1 -wi 1 -w 1s -i 1 -r 1s -p entries=100000)
else
  JMH=(-f 2 -wi 3 -w 2s -i 5 -r 2s)
fi
"$JAVA" -Djmh.ignoreLock=true -cp "$CP" org.openjdk.jmh.Main 'dev.trawl.redis.bench.NearCache(Batch)?Benchmark' "${JMH[@]}" \
  -prof gc -rf json -rff "$OUT/jmh.json" -jvmArgs "-Xms1g -Xmx1g" | tee "$OUT/jmh.txt"

if command -v gnuplot >/dev/null; then
  PNG=$OUT/p99-vs-hit-ratio.png
  [ "$MODE" = full ] && PNG=$ROOT/docs/fetching-p99-vs-hit-ratio.png
  gnuplot <<GP
set terminal pngcairo size 800,500
set output "$PNG"
set title "Hydration of a 1,000-candidate batch (8 features) vs near-cache hit ratio"
set xlabel "near-cache hit ratio"
set ylabel "latency (ms)"
set logscale y
set key left bottom
set grid
plot "< grep -v '^#' $OUT/curve.tsv | sort -g" using 1:3 with linespoints title "p99", \
     "< grep -v '^#' $OUT/curve.tsv | sort -g" using 1:2 with linespoints title "p50", \
     0.2 with lines dashtype 2 title "0.2 ms goal"
GP
  echo "plot: $PNG"
else
  echo "gnuplot missing: no plot" >&2
fi
