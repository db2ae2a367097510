#!/usr/bin/env bash
# Runs the Trawl benchmark suite and (quick/full) writes docs/benchmarks.md with tables and plots.
#
#   benchmarks/run.sh smoke   # CI: tiny data, every benchmark once, recall sanity asserts (~3 min)
#   benchmarks/run.sh quick   # real datasets, 100k generated set, short iterations (~25 min on 2 cores)
#   benchmarks/run.sh full    # all queries, 1M generated set, longer iterations (hours)
#   benchmarks/run.sh scale   # generated 1,000,000 x 384 (float, int7) and 10,000,000 x 96 (int7):
#                             # build, bytes/item, snapshot, recall and QPS at several ef (hours)
#
# Scale mode: TRAWL_SCALE_SIZES="NxD:engine,engine ..." (default
# "1000000x384:trawl,trawl-int8 10000000x96:trawl-int8"; under CI=true "5000x384:trawl,trawl-int8
# 5000x96:trawl-int8", the CI-size variant smoke mode also runs), TRAWL_SCALE_HEAP (default 8g).
#
# Environment: JAVA (default java), TRAWL_SHARED_DATA (default ../shared/data beside the repo),
# TRAWL_BENCH_SKIP_INSTALL=1 to skip installing the library and the test kit, TRAWL_BENCH_DATASETS /
# TRAWL_BENCH_ENGINES (space-separated) to run a subset, TRAWL_BENCH_KEEP=1 to add to the previous results of the mode,
# TRAWL_BENCH_NO_BUILD=1 to skip the build benchmark (the searched index is still built and timed),
# TRAWL_BENCH_SKIP_PACKAGE=1 to reuse benchmarks/target/benchmarks.jar, TRAWL_BENCH_NO_NATIVE=1 to skip
# the C++ references (TRAWL_BENCH_NATIVE_ENGINES="c++hnswlib-native" runs one of them; under CI=true a
# missing one fails the run), TRAWL_BENCH_NO_REPORT=1 to skip the report, TRAWL_BENCH_FILTERS=0 to skip filtered
# search and snapshots, TRAWL_BENCH_FILTER_PEERS=1 (quick/full only) to add the seen-top-100 filter on
# the Java peers (docs/benchmarks-filters-peers.md).
set -euo pipefail

MODE=${1:-quick}
case "$MODE" in smoke|quick|full|scale) ;; *) echo "usage: $0 smoke|quick|full|scale" >&2; exit 2 ;; esac

BENCH=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$BENCH/.." && pwd)
JAVA=${JAVA:-java}
export TRAWL_SHARED_DATA=${TRAWL_SHARED_DATA:-$(cd "$ROOT/.." && pwd)/shared/data}
OUT=$BENCH/target/results-$MODE
DATA=$BENCH/target/data-$MODE
START=$(date +%s)

if [ "${TRAWL_BENCH_SKIP_INSTALL:-0}" != 1 ]; then
  # the library and the test kit (the pipeline benchmark's synthetic feed)
  (cd "$ROOT" && mvn -q -B -f parent/pom.xml install -DskipTests -pl :trawl-testkit -am)
fi
[ "${TRAWL_BENCH_SKIP_PACKAGE:-0}" = 1 ] || (cd "$BENCH" && mvn -q -B package)
JAR=$BENCH/target/benchmarks.jar

# TRAWL_BENCH_KEEP=1 adds to the previous results of this mode (to run datasets in several sittings)
[ "${TRAWL_BENCH_KEEP:-0}" = 1 ] || rm -rf "$OUT"
mkdir -p "$OUT"

# The same JVM flags for every engine: fixed heap, Vector API module on (Trawl's SIMD kernels; the
# peers' own Panama code needs JDK 20+ and stays scalar on 17). trawl-scalar adds -Dtrawl.kernels=scalar;
# the *-noflags engines (trawl-noflags, trawl-int8-noflags) drop --add-modules: Trawl in a JVM started
# the way most services start one, the kernels it falls back to there.
HEAP=4g
[ "$MODE" = full ] && HEAP=8g
JVM_FLAGS=(-Xms$HEAP -Xmx$HEAP --add-modules jdk.incubator.vector -Dtrawl.bench.mode=$MODE
  -Dtrawl.bench.data=$DATA -Dtrawl.bench.records=$OUT/records.jsonl
  -Djmh.ignoreLock=true) # JMH runs one at a time here anyway; other JMH users of /tmp/jmh.lock must not stop CI

ALL_DATASETS="siftsmall fashion-mnist wordnet-minilm-384 clustered-96"
DATASETS=${TRAWL_BENCH_DATASETS:-$ALL_DATASETS}
ENGINES=${TRAWL_BENCH_ENGINES:-trawl trawl-scalar trawl-int8 trawl-noflags trawl-int8-noflags hnswlib-core lucene jvector}

log() { echo "[$(date +%H:%M:%S)] $*"; }

NATIVE_PY=${NATIVE_PY:-/usr/bin/python3}
NATIVE_CXX=${NATIVE_CXX:-g++}
native_missing() { # what to install; CI (CI=true) must run both references, so it stops there
  if [ "${CI:-}" = true ]; then
    echo "error: native C++ hnswlib reference missing: apt-get install -y $*" >&2
    exit 1
  fi
  log "skipping a native C++ hnswlib reference: apt-get install -y $*"
}
native_cpp() { # compiles the -march=native C++ reference into target/ once; false when it cannot
  [ -x "$BENCH/target/hnswlib_native" ] && [ "$BENCH/target/hnswlib_native" -nt "$BENCH/native/hnswlib_native.cpp" ] && return 0
  if [ -e /usr/include/hnswlib/hnswalg.h ] && command -v "$NATIVE_CXX" >/dev/null; then
    "$NATIVE_CXX" -O3 -march=native -std=c++17 -pthread -o "$BENCH/target/hnswlib_native" \
      "$BENCH/native/hnswlib_native.cpp"
  else
    native_missing libhnswlib-dev g++
    return 1
  fi
}

# Scale: generated clustered sets (ScaleSuite), Trawl float and int7 and the -march=native C++
# reference, build on 2 threads, search on 1. $1: smoke (the CI-size variant) or scale.
run_scale() {
  local grid=$1 out=$OUT data=$BENCH/target/data-scale sizes efs="16,32,64,128,256" seconds=3 check=0
  local heap=${TRAWL_SCALE_HEAP:-8g}
  local default="1000000x384:trawl,trawl-int8 10000000x96:trawl-int8"
  if [ "$grid" = smoke ] || [ "${CI:-}" = true ]; then
    default="5000x384:trawl,trawl-int8 5000x96:trawl-int8"; efs=16,64; seconds=0.2; check=0.9; heap=1g
    grid=smoke # the C++ reference's smoke grid and recall check
  fi
  [ "$MODE" = smoke ] && out=$OUT/scale
  sizes=${TRAWL_SCALE_SIZES:-$default}
  mkdir -p "$out" "$data"
  echo "before: $(uptime)" >> "$out/uptime.txt" # the load of the shared machine, quoted by the report
  local flags=(-Xms$heap -Xmx$heap --add-modules jdk.incubator.vector -Djmh.ignoreLock=true)
  for spec in $sizes; do
    local size=${spec%%:*} engines=${spec#*:}
    local n=${size%x*} dim=${size#*x}
    log "scale: preparing ${n} x ${dim} (exact ground truth computed once, cached in $data)"
    "$JAVA" "${flags[@]}" -cp "$JAR" dev.trawl.bench.ScaleSuite prepare --data "$data" --n "$n" --dim "$dim"
    for engine in ${engines//,/ }; do
      log "scale: $engine on ${n} x ${dim}"
      "$JAVA" "${flags[@]}" -cp "$JAR" dev.trawl.bench.ScaleSuite run --data "$data" --dataset "scale-$size" \
        --engine "$engine" --out "$out" --efs "$efs" --seconds "$seconds" --min-recall "$check" \
        > "$out/log-scale-$size-$engine.txt" 2>&1 || {
          echo "FAILED: scale $engine on $size; last lines of $out/log-scale-$size-$engine.txt:" >&2
          tail -40 "$out/log-scale-$size-$engine.txt" >&2
          exit 1
        }
    done
    if [ "${TRAWL_BENCH_NO_NATIVE:-0}" != 1 ] && native_cpp; then
      log "scale: c++hnswlib-native on ${n} x ${dim}"
      "$BENCH/target/hnswlib_native" --mode "$grid" --data "$data" --out "$out/native.jsonl" \
        --grid "$BENCH/native/grid.txt" --build-threads 2 --search-threads 1 --save "$out" "scale-$size" \
        > "$out/log-scale-$size-native.txt" 2>&1 || {
          echo "FAILED: scale c++hnswlib-native on $size:" >&2; tail -20 "$out/log-scale-$size-native.txt" >&2; exit 1
        }
    fi
  done
  echo "after: $(uptime)" >> "$out/uptime.txt"
  if [ "${TRAWL_BENCH_NO_REPORT:-0}" != 1 ]; then
    local docs=$ROOT/docs
    { [ "$MODE" = smoke ] || [ "${CI:-}" = true ]; } && docs=$out/docs
    "${PYTHON:-python3}" "$BENCH/report.py" --scale --results "$out" --docs "$docs" --mode "$MODE"
  fi
}

if [ "$MODE" = scale ]; then
  run_scale scale
  log "done in $(( $(date +%s) - START )) s; results in $OUT"
  exit 0
fi

log "preparing datasets ($MODE) in $DATA"
"$JAVA" "${JVM_FLAGS[@]}" -cp "$JAR" dev.trawl.bench.Suite prepare "$DATA" $DATASETS

run_engine() { # engine dataset extra-args...
  local engine=$1 dataset=$2; shift 2
  local flags=()
  case "$engine" in
    *-noflags) # every suite flag but the Vector API module
      for f in "${JVM_FLAGS[@]}"; do [ "$f" = --add-modules ] || [ "$f" = jdk.incubator.vector ] || flags+=("$f"); done ;;
    trawl-scalar) flags=("${JVM_FLAGS[@]}" -Dtrawl.kernels=scalar) ;;
    *) flags=("${JVM_FLAGS[@]}") ;;
  esac
  log "$engine on $dataset $*"
  "$JAVA" "${flags[@]}" -cp "$JAR" dev.trawl.bench.Suite run --engine "$engine" --dataset "$dataset" \
    --out "$OUT" "$@" > "$OUT/log-$dataset-$engine.txt" 2>&1 || {
      echo "FAILED: $engine on $dataset; last lines of $OUT/log-$dataset-$engine.txt:" >&2
      tail -40 "$OUT/log-$dataset-$engine.txt" >&2
      exit 1
    }
}

for dataset in $DATASETS; do
  for engine in $ENGINES; do
    args=()
    if [ "$MODE" = smoke ]; then
      # smoke proves every benchmark runs once; the extra thread count, the build, the scalar
      # kernels and the JVMs without the Vector API module only on the smallest dataset
      if [ "$dataset" = siftsmall ]; then
        [ "$engine" = trawl ] && args+=(--mixed --shadow)
        [[ "$engine" = *-noflags ]] && args+=(--threads 1 --no-build)
      else
        case "$engine" in trawl-scalar|*-noflags) continue ;; esac
        args+=(--threads 1 --no-build)
      fi
    else
      # the 2-thread sweep uses two ef values (around recall 0.95 and 0.99) only
      args+=(--ef2 16,64)
      if [ "$engine" = trawl-scalar ] || [ "$engine" = trawl-int8 ] || [[ "$engine" = *-noflags ]]; then
        args+=(--threads 1 --no-build)
      elif [ "${TRAWL_BENCH_NO_BUILD:-0}" = 1 ]; then
        args+=(--no-build)
      fi
      if [ "$engine" = trawl ] && [ "$dataset" = siftsmall ]; then
        args+=(--mixed)
      fi
    fi
    run_engine "$engine" "$dataset" "${args[@]}"
  done
done

# filtered search and snapshots (FilterSnapshotSuite): own tables in $OUT/filters/filters-snapshots.md
FILTER_DATASETS=""
FILTER_CANDIDATES="siftsmall wordnet-minilm-384 fashion-mnist"
[ "$MODE" = smoke ] && FILTER_CANDIDATES="siftsmall wordnet-minilm-384" # a few seconds each
for d in $FILTER_CANDIDATES; do
  case " $DATASETS " in *" $d "*) FILTER_DATASETS=${FILTER_DATASETS:+$FILTER_DATASETS,}$d ;; esac
done
if [ "${TRAWL_BENCH_FILTERS:-1}" = 1 ] && [ -n "$FILTER_DATASETS" ]; then
  log "filtered search on $FILTER_DATASETS, snapshots"
  mkdir -p "$OUT/filters"
  "$JAVA" "${JVM_FLAGS[@]}" -Dtrawl.bench.records="$OUT/filters/records.jsonl" \
    -Dtrawl.bench.snapshots="$BENCH/target" -cp "$JAR" dev.trawl.bench.FilterSnapshotSuite \
    --out "$OUT/filters" --datasets "$FILTER_DATASETS" > "$OUT/log-filters-snapshots.txt" 2>&1 || {
      echo "FAILED: filtered search / snapshots; last lines of $OUT/log-filters-snapshots.txt:" >&2
      tail -40 "$OUT/log-filters-snapshots.txt" >&2
      exit 1
    }
fi

# the seen-top-100 filter on the peers too (FilterPeersSuite, docs/benchmarks-filters-peers.md):
# 11-15 min in quick mode on 2 cores (far longer in full: 60,000 Fashion-MNIST images, 1,000 queries),
# so off unless TRAWL_BENCH_FILTER_PEERS=1, and never in smoke mode
if [ "${TRAWL_BENCH_FILTER_PEERS:-0}" = 1 ] && [ "$MODE" != smoke ] && [ -n "$FILTER_DATASETS" ]; then
  log "seen top-100 on Trawl and the Java peers, on $FILTER_DATASETS"
  "$JAVA" "${JVM_FLAGS[@]}" -cp "$JAR" dev.trawl.bench.FilterPeersSuite \
    --out "$OUT/filters-peers" --datasets "$FILTER_DATASETS" > "$OUT/log-filters-peers.txt" 2>&1 || {
      echo "FAILED: filtered search on the peers; last lines of $OUT/log-filters-peers.txt:" >&2
      tail -40 "$OUT/log-filters-peers.txt" >&2
      exit 1
    }
fi

# The native C++ hnswlib references, on the same prepared files and ef grid (native/grid.txt):
# c++hnswlib is Debian's python3-hnswlib build; c++hnswlib-native is the same C++ compiled here from
# Debian's libhnswlib-dev headers with -O3 -march=native (the widest SIMD this CPU has).
NATIVE_ENGINES=${TRAWL_BENCH_NATIVE_ENGINES:-c++hnswlib c++hnswlib-native}
if [ "${TRAWL_BENCH_NO_NATIVE:-0}" = 1 ]; then
  log "skipping the native C++ hnswlib references (TRAWL_BENCH_NO_NATIVE=1)"
else
  case " $NATIVE_ENGINES " in *" c++hnswlib "*)
    if "$NATIVE_PY" -c 'import hnswlib, numpy' 2>/dev/null; then
      log "native C++ hnswlib (Debian python3-hnswlib)"
      "$NATIVE_PY" "$BENCH/native/hnswlib_native.py" --mode "$MODE" --data "$DATA" --out "$OUT/native.jsonl" \
        --grid "$BENCH/native/grid.txt" $DATASETS
    else
      native_missing python3-hnswlib python3-numpy
    fi ;;
  esac
  case " $NATIVE_ENGINES " in *" c++hnswlib-native "*)
    if native_cpp; then
      log "native C++ hnswlib compiled here ($NATIVE_CXX -O3 -march=native, Debian libhnswlib-dev)"
      "$BENCH/target/hnswlib_native" --mode "$MODE" --data "$DATA" --out "$OUT/native.jsonl" \
        --grid "$BENCH/native/grid.txt" $DATASETS
    fi ;;
  esac
fi

# the CI-size variant of the scale mode, so that it cannot rot
[ "$MODE" = smoke ] && run_scale smoke

if [ "${TRAWL_BENCH_NO_REPORT:-0}" != 1 ]; then
  if [ "$MODE" = smoke ]; then
    # the report is checked too, but written inside target/ so that CI never touches docs/
    "${PYTHON:-python3}" "$BENCH/report.py" --results "$OUT" --docs "$OUT/docs" --mode "$MODE"
  else
    "${PYTHON:-python3}" "$BENCH/report.py" --results "$OUT" --docs "$ROOT/docs" --mode "$MODE"
  fi
fi
log "done in $(( $(date +%s) - START )) s; results in $OUT"
