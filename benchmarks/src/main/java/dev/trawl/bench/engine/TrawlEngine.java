package dev.trawl.bench.engine;

import dev.trawl.bench.data.Dataset;
import dev.trawl.filter.RequestFilter;
import dev.trawl.index.FilterPlanner;
import dev.trawl.index.IndexStats;
import dev.trawl.index.SearchResults;
import dev.trawl.index.Searcher;
import dev.trawl.index.VectorIndex;
import dev.trawl.vector.Kernels;
import dev.trawl.vector.Metric;

/**
 * Trawl through its public facade: {@link VectorIndex#add} from N threads, one {@link Searcher} and
 * one {@link SearchResults} per thread. L2 datasets use {@link Metric#L2}; the unit-vector datasets
 * use {@link Metric#COSINE} (what a user picks for text embeddings; the query is normalised into the
 * searcher's own buffer, a few hundred multiplications).
 *
 * <p>{@code scalar} asserts that the JVM was started with {@code -Dtrawl.kernels=scalar}, so that the
 * scalar and SIMD kernels are measured in separate JVMs with otherwise equal flags. {@code int8}
 * ({@code trawl-int8}) builds the index with {@link VectorIndex.Builder#quantizeInt8(float[][])} on
 * the first 2,000 base vectors: its walk runs on int kernels whatever the JVM flags.
 */
final class TrawlEngine implements AnnEngine {
  private static final int INT8_SAMPLE = 2000;
  private final boolean scalar;
  private final boolean int8;

  TrawlEngine(boolean scalar) {
    this(scalar, false);
  }

  TrawlEngine(boolean scalar, boolean int8) {
    this.scalar = scalar;
    this.int8 = int8;
  }

  @Override
  public String name() {
    return int8 ? "trawl-int8" : scalar ? "trawl-scalar" : "trawl";
  }

  @Override
  public Index build(Dataset data, int count, int threads) throws Exception {
    final String kernels = Kernels.BEST.name();
    if (!int8 && scalar != kernels.equals("scalar")) {
      throw new IllegalStateException(
          "engine " + name() + " runs on kernels '" + kernels + "': start trawl-scalar JVMs with"
              + " -Dtrawl.kernels=scalar and trawl JVMs without it");
    }
    final Metric metric = data.metric() == Dataset.Metric.L2 ? Metric.L2 : Metric.COSINE;
    final float[][] base = data.base();
    final VectorIndex.Builder builder =
        VectorIndex.builder(data.dimension(), metric)
            .m(M)
            .efConstruction(EF_CONSTRUCTION)
            .seed(42L)
            .expectedItems(count);
    if (int8) {
      builder.quantizeInt8(java.util.Arrays.copyOf(base, Math.min(INT8_SAMPLE, count)));
    }
    final VectorIndex index = builder.build();
    System.out.println(name() + ": " + index.kernels());
    Parallel.forEach(count, threads, i -> index.add(i, base[i]));
    return adapt(index);
  }

  /** The benchmark view of a built index (ids = base positions). */
  static Index adapt(VectorIndex index) {
    final String kernels = Kernels.BEST.name();
    return new Index() {
      @Override
      public Query newQuery(int ef) {
        final Searcher searcher = index.newSearcher();
        final SearchResults results = new SearchResults(Dataset.K);
        return (query, out) -> {
          final int n = searcher.search(query, Dataset.K, ef, results);
          for (int i = 0; i < n; i++) {
            out[i] = (int) results.id(i);
          }
          return n;
        };
      }

      /**
       * The planned filtered search at default settings: {@code filter.allowAll().andNotIds(...)}
       * then {@link Searcher#search(float[], int, int, RequestFilter, SearchResults)}; visited nodes
       * from {@link FilterPlanner#lastVisited()} (walk and any exact scan together), unfiltered
       * from {@link Searcher#visitedCount()}.
       */
      @Override
      public ExcludingQuery newExcludingQuery(int ef) {
        final Searcher searcher = index.newSearcher();
        final RequestFilter filter = index.newFilter();
        final SearchResults results = new SearchResults(Dataset.K);
        return new ExcludingQuery() {
          private long visited;

          @Override
          public int search(float[] query, long[] ids, int count, int[] out) {
            final int n;
            if (count == 0) {
              n = searcher.search(query, Dataset.K, ef, results);
              visited = searcher.visitedCount();
            } else {
              filter.allowAll().andNotIds(ids, 0, count, index);
              n = searcher.search(query, Dataset.K, ef, filter, results);
              visited = searcher.planner().lastVisited();
            }
            for (int i = 0; i < n; i++) {
              out[i] = (int) results.id(i);
            }
            return n;
          }

          @Override
          public long lastVisited() {
            return visited;
          }
        };
      }

      @Override
      public String kernels() {
        return kernels;
      }

      @Override
      public long linkCount() {
        final IndexStats stats = index.stats();
        long links = 0;
        for (int level = 0; level < stats.levels(); level++) {
          links += stats.linksAt(level);
        }
        return links;
      }
    };
  }
}
