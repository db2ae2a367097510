package dev.trawl.bench.engine;

import com.github.jelmerk.hnswlib.core.DistanceFunction;
import com.github.jelmerk.hnswlib.core.DistanceFunctions;
import com.github.jelmerk.hnswlib.core.Item;
import com.github.jelmerk.hnswlib.core.SearchResult;
import com.github.jelmerk.hnswlib.core.hnsw.HnswIndex;
import dev.trawl.bench.data.Dataset;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code com.github.jelmerk:hnswlib-core} as its README shows it: {@code HnswIndex.newBuilder(...)
 * .withM(16).withEfConstruction(200)}, {@code addAll(items, threads, ...)}, {@code findNearest(vector,
 * k)} with the index's ef set to the benchmark's ef. Distances: {@code FLOAT_EUCLIDEAN_DISTANCE} (L2)
 * and {@code FLOAT_INNER_PRODUCT} (unit vectors). Its ef is a property of the index, so every query
 * context of one index shares the same ef.
 */
final class HnswlibCoreEngine implements AnnEngine {
  private final boolean countDistances;

  /**
   * {@code countDistances}: wrap the distance function in a counter so that {@link
   * ExcludingQuery#lastVisited()} reports distance computations (hnswlib-core has no visited count);
   * the wrapper adds a call and an increment to every distance, so the plain search benchmarks run
   * without it.
   */
  HnswlibCoreEngine(boolean countDistances) {
    this.countDistances = countDistances;
  }

  @Override
  public String name() {
    return "hnswlib-core";
  }

  @Override
  public Index build(Dataset data, int count, int threads) throws Exception {
    final DistanceFunction<float[], Float> plain =
        data.metric() == Dataset.Metric.L2
            ? DistanceFunctions.FLOAT_EUCLIDEAN_DISTANCE
            : DistanceFunctions.FLOAT_INNER_PRODUCT;
    final CountingDistance counting = countDistances ? new CountingDistance(plain) : null;
    final DistanceFunction<float[], Float> distance = countDistances ? counting : plain;
    final HnswIndex<Integer, float[], Point, Float> index =
        HnswIndex.newBuilder(data.dimension(), distance, count)
            .withM(M)
            .withEfConstruction(EF_CONSTRUCTION)
            .withEf(EF_CONSTRUCTION)
            .build();
    final List<Point> items = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      items.add(new Point(i, data.base()[i].clone()));
    }
    index.addAll(items, threads, (done, max) -> {}, Integer.MAX_VALUE);
    return new Index() {
      @Override
      public Query newQuery(int ef) {
        index.setEf(ef);
        return (query, out) -> {
          final List<SearchResult<Point, Float>> found = index.findNearest(query, Dataset.K);
          final int n = found.size();
          for (int i = 0; i < n; i++) {
            out[i] = found.get(i).item().id;
          }
          return n;
        };
      }

      /**
       * hnswlib-core has no filter: the post-filter its users write, asking for K + count results
       * (so its beam is at least that wide) and dropping the excluded ones.
       */
      @Override
      public ExcludingQuery newExcludingQuery(int ef) {
        index.setEf(ef);
        final ExclusionBits excluded = new ExclusionBits(count);
        return new ExcludingQuery() {
          private long visited = -1;

          @Override
          public int search(float[] query, long[] ids, int n, int[] out) {
            final long before = countDistances ? counting.calls : 0;
            final List<SearchResult<Point, Float>> found = index.findNearest(query, Dataset.K + n);
            if (countDistances) {
              visited = counting.calls - before;
            }
            excluded.exclude(ids, n);
            int kept = 0;
            for (int i = 0, size = found.size(); i < size && kept < Dataset.K; i++) {
              final int id = found.get(i).item().id;
              if (excluded.accepts(id)) {
                out[kept++] = id;
              }
            }
            excluded.reset(ids, n);
            return kept;
          }

          @Override
          public long lastVisited() {
            return visited;
          }
        };
      }
    };
  }

  /**
   * Counts the calls to a distance function. The count is a plain field: exact for one searching
   * thread, approximate during a multi-threaded build (which nobody reads).
   */
  static final class CountingDistance implements DistanceFunction<float[], Float> {
    private static final long serialVersionUID = 1L;
    private final DistanceFunction<float[], Float> delegate;
    long calls;

    CountingDistance(DistanceFunction<float[], Float> delegate) {
      this.delegate = delegate;
    }

    @Override
    public Float distance(float[] u, float[] v) {
      calls++;
      return delegate.distance(u, v);
    }
  }

  /** An indexed vector. */
  static final class Point implements Item<Integer, float[]> {
    private static final long serialVersionUID = 1L;
    final int id;
    final float[] vector;

    Point(int id, float[] vector) {
      this.id = id;
      this.vector = vector;
    }

    @Override
    public Integer id() {
      return id;
    }

    @Override
    public float[] vector() {
      return vector;
    }

    @Override
    public int dimensions() {
      return vector.length;
    }
  }
}
