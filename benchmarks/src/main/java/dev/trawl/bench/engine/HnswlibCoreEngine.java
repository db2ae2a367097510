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
  @Override
  public String name() {
    return "hnswlib-core";
  }

  @Override
  public Index build(Dataset data, int count, int threads) throws Exception {
    final DistanceFunction<float[], Float> distance =
        data.metric() == Dataset.Metric.L2
            ? DistanceFunctions.FLOAT_EUCLIDEAN_DISTANCE
            : DistanceFunctions.FLOAT_INNER_PRODUCT;
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
    return ef -> {
      index.setEf(ef);
      return (query, out) -> {
        final List<SearchResult<Point, Float>> found = index.findNearest(query, Dataset.K);
        final int n = found.size();
        for (int i = 0; i < n; i++) {
          out[i] = found.get(i).item().id;
        }
        return n;
      };
    };
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
