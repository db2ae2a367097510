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
 * <p>Each variant checks that its JVM was started the way its name says (see {@link Jvm}), so that
 * kernels are compared in separate JVMs with otherwise equal flags and a misconfigured run fails
 * instead of reporting the wrong kernels. {@code int8} variants build the index with
 * {@link VectorIndex.Builder#quantizeInt8(float[][])} on the first 2,000 base vectors. Not
 * thread-safe (one per benchmark JVM); the built indexes are thread-safe as the library's are.
 */
final class TrawlEngine implements AnnEngine {
  /** How the variant's JVM must have been started. */
  enum Jvm {
    /** {@code --add-modules jdk.incubator.vector}: the Vector API kernels. */
    VECTOR_API,
    /** The Vector API module present but {@code -Dtrawl.kernels=scalar}: scalar kernels, like for like. */
    FORCED_SCALAR,
    /** No {@code --add-modules} at all, as most services start a JVM: the kernels Trawl falls back to. */
    NO_FLAGS
  }

  private static final int INT8_SAMPLE = 2000;
  private final String name;
  private final Jvm jvm;
  private final boolean int8;

  TrawlEngine(String name, Jvm jvm, boolean int8) {
    this.name = name;
    this.jvm = jvm;
    this.int8 = int8;
  }

  @Override
  public String name() {
    return name;
  }

  /** Throws unless this JVM runs the kernels the variant's name promises. */
  private void checkJvm() {
    final boolean module = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    final boolean scalar = Kernels.BEST.name().equals("scalar");
    final boolean ok;
    switch (jvm) {
      case VECTOR_API:
        ok = module && !scalar;
        break;
      case FORCED_SCALAR:
        ok = scalar && "scalar".equals(System.getProperty("trawl.kernels"));
        break;
      default:
        ok = !module && scalar;
        break;
    }
    if (!ok) {
      throw new IllegalStateException(
          "engine " + name + " needs a JVM started for " + jvm + " but runs " + Kernels.describe()
              + " (Vector API module " + (module ? "present" : "absent") + "): trawl and trawl-int8"
              + " JVMs need --add-modules jdk.incubator.vector, trawl-scalar JVMs also"
              + " -Dtrawl.kernels=scalar, *-noflags JVMs neither");
    }
  }

  @Override
  public Index build(Dataset data, int count, int threads) throws Exception {
    checkJvm();
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
    System.out.println(name() + ": " + index.kernels() + " (" + Kernels.describe() + ")");
    Parallel.forEach(count, threads, i -> index.add(i, base[i]));
    return adapt(index, int8 ? "int7 " + Kernels.int8Name() : Kernels.BEST.name());
  }

  /**
   * The benchmark view of a built index (ids = base positions).
   *
   * @param kernels the kernels the index's searches run on, as the report names them
   */
  static Index adapt(VectorIndex index, String kernels) {
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
