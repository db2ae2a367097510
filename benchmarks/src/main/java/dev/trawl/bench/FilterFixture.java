package dev.trawl.bench;

import dev.trawl.bench.data.Dataset;
import dev.trawl.bench.data.DatasetLoader;
import dev.trawl.bench.engine.Parallel;
import dev.trawl.index.VectorIndex;
import dev.trawl.vector.Metric;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import org.roaringbitmap.RoaringBitmap;

/**
 * The data behind {@link FilteredSearchBenchmark}, built once per JVM per dataset: a Trawl index of
 * (a prefix of) the dataset, the filters of every case and their exact truth.
 *
 * <p>Sizes: smoke uses the smoke datasets (2,000 items, 100 queries). Quick and full use the whole
 * base set except Fashion-MNIST, cut to its first {@link #FASHION_QUICK_BASE} images in quick mode,
 * and the first {@link #quickQueries} queries (200 in quick, 1,000 in full): the exact filtered truth
 * is computed here by brute force for every case, which is what bounds the query count.
 *
 * <p>Truth: for each query, the distance to every base item is computed in double precision and the
 * items sorted by (distance, id). The "seen top-N" case excludes ranks {@code [0, N)} by id and its
 * truth is ranks {@code [N, N + 10)}; a random case keeps each item with probability p (seeded) and
 * its truth is the first 10 kept items of the same order. Under cosine the base vectors are unit
 * length, so {@code 1 - dot} orders them as Trawl's cosine distance does.
 *
 * <p>Filters address ordinals, and the index is built on 2 threads, so ordinals are not positions:
 * the random bitmaps are built from ids through {@link VectorIndex#ordinalOf}. Immutable once built;
 * thread-safe to read.
 */
final class FilterFixture {
  /** Fashion-MNIST base images used in quick mode (the full 60,000 in full mode). */
  static final int FASHION_QUICK_BASE = 20_000;
  /** Deepest excluded rank needed: seen top-100 and its next 10. */
  static final int DEPTH = 100 + Dataset.K;
  /** The cases: name, then the fraction kept (random) or N (seen); "none" is unfiltered. */
  static final List<String> CASES =
      List.of("none", "random50", "random10", "random1", "seen10", "seen50", "seen100");

  private static final ConcurrentHashMap<String, FilterFixture> CACHE = new ConcurrentHashMap<>();
  private static final long FILTER_SEED = 7_001L;

  final String dataset;
  final VectorIndex index;
  final float[][] queries;
  /** Exact top-{@link #DEPTH} base positions (= ids) per query, nearest first. */
  final int[][] order;
  /** Per random case (index 0..2 = 50%, 10%, 1%): the kept ordinals and the truth per query. */
  final RoaringBitmap[] randomKept = new RoaringBitmap[3];
  final int[][][] randomTruth = new int[3][][];
  final int size;

  private FilterFixture(String name) throws Exception {
    final Mode mode = Mode.current();
    final Dataset data = DatasetLoader.get(name);
    int n = data.size();
    if (name.equals("fashion-mnist") && mode == Mode.QUICK) {
      n = Math.min(n, FASHION_QUICK_BASE);
    }
    size = n;
    final int nq = Math.min(data.queries().length, mode.isSmoke() ? 100 : mode == Mode.QUICK ? 200 : 1_000);
    dataset = name;
    queries = Arrays.copyOf(data.queries(), nq);
    final float[][] base = data.base();
    index = build(data, n);

    final double[] fractions = {0.5, 0.1, 0.01};
    final boolean[][] keptById = new boolean[3][n];
    for (int f = 0; f < 3; f++) {
      final Random random = new Random(FILTER_SEED + f);
      final RoaringBitmap kept = new RoaringBitmap();
      for (int id = 0; id < n; id++) {
        if (random.nextDouble() < fractions[f]) {
          keptById[f][id] = true;
          kept.add(index.ordinalOf(id));
        }
      }
      kept.runOptimize();
      randomKept[f] = kept;
      randomTruth[f] = new int[nq][];
    }
    order = new int[nq][];
    final boolean l2 = data.metric() == Dataset.Metric.L2;
    IntStream.range(0, nq).parallel().forEach(qi -> {
      final long[] keyed = new long[size];
      final float[] q = queries[qi];
      for (int id = 0; id < size; id++) {
        final float[] b = base[id];
        double d = 0;
        if (l2) {
          for (int j = 0; j < q.length; j++) {
            final double t = (double) q[j] - b[j];
            d += t * t;
          }
        } else {
          double dot = 0;
          for (int j = 0; j < q.length; j++) {
            dot += (double) q[j] * b[j];
          }
          d = Math.max(0, 1 - dot);
        }
        // non-negative floats order like their bit patterns: sort by (distance, id) as longs
        keyed[id] = ((long) Float.floatToIntBits((float) d) << 32) | id;
      }
      Arrays.sort(keyed);
      final int[] top = new int[DEPTH];
      for (int i = 0; i < DEPTH; i++) {
        top[i] = (int) keyed[i];
      }
      order[qi] = top;
      for (int f = 0; f < 3; f++) {
        final int[] truth = new int[Dataset.K];
        Arrays.fill(truth, -1);
        for (int i = 0, found = 0; i < size && found < Dataset.K; i++) {
          final int id = (int) keyed[i];
          if (keptById[f][id]) {
            truth[found++] = id;
          }
        }
        randomTruth[f][qi] = truth;
      }
    });
  }

  static FilterFixture get(String dataset) {
    return CACHE.computeIfAbsent(dataset, name -> {
      try {
        final long start = System.nanoTime();
        final FilterFixture f = new FilterFixture(name);
        System.out.printf("filter fixture %s: %d items, %d queries, built in %.1f s%n",
            name, f.size, f.queries.length, (System.nanoTime() - start) / 1e9);
        return f;
      } catch (Exception e) {
        throw new IllegalStateException("building the filter fixture for " + name + " failed", e);
      }
    });
  }

  /** Index of a random case in {@link #randomKept}, or -1. */
  static int randomCase(String filterCase) {
    switch (filterCase) {
      case "random50": return 0;
      case "random10": return 1;
      case "random1": return 2;
      default: return -1;
    }
  }

  /** N of a "seen top-N" case, or 0. */
  static int seenCount(String filterCase) {
    return filterCase.startsWith("seen") ? Integer.parseInt(filterCase.substring(4)) : 0;
  }

  /** The exact truth of {@code filterCase} for query {@code qi}: 10 ids, nearest first. */
  int[] truth(String filterCase, int qi) {
    final int r = randomCase(filterCase);
    if (r >= 0) {
      return randomTruth[r][qi];
    }
    final int seen = seenCount(filterCase);
    return Arrays.copyOfRange(order[qi], seen, seen + Dataset.K);
  }

  /** The ids the "seen top-N" case excludes for each query: its exact top-N. */
  long[][] seenIds(int n) {
    final long[][] ids = new long[queries.length][n];
    for (int qi = 0; qi < queries.length; qi++) {
      for (int i = 0; i < n; i++) {
        ids[qi][i] = order[qi][i];
      }
    }
    return ids;
  }

  /** M = 16, efConstruction = 200, seed 42, the first {@code n} items added by 2 threads (ids = positions). */
  private static VectorIndex build(Dataset data, int n) throws Exception {
    final VectorIndex index =
        VectorIndex.builder(data.dimension(), data.metric() == Dataset.Metric.L2 ? Metric.L2 : Metric.COSINE)
            .m(16)
            .efConstruction(200)
            .seed(42L)
            .expectedItems(n)
            .build();
    addAll(index, data.base(), n, IndexCache.BUILD_THREADS);
    return index;
  }

  /** Adds {@code vectors[0, n)} with ids = positions from {@code threads} threads. */
  static void addAll(VectorIndex index, float[][] vectors, int n, int threads) throws Exception {
    Parallel.forEach(n, threads, i -> index.add(i, vectors[i]));
  }
}
