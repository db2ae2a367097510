package dev.trawl.bench.engine;

import dev.trawl.bench.data.Dataset;
import io.github.jbellis.jvector.graph.GraphIndexBuilder;
import io.github.jbellis.jvector.graph.GraphSearcher;
import io.github.jbellis.jvector.graph.ImmutableGraphIndex;
import io.github.jbellis.jvector.graph.ListRandomAccessVectorValues;
import io.github.jbellis.jvector.graph.RandomAccessVectorValues;
import io.github.jbellis.jvector.graph.SearchResult;
import io.github.jbellis.jvector.graph.similarity.BuildScoreProvider;
import io.github.jbellis.jvector.graph.similarity.DefaultSearchScoreProvider;
import io.github.jbellis.jvector.util.Bits;
import io.github.jbellis.jvector.vector.VectorSimilarityFunction;
import io.github.jbellis.jvector.vector.VectorizationProvider;
import io.github.jbellis.jvector.vector.types.VectorFloat;
import io.github.jbellis.jvector.vector.types.VectorTypeSupport;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;

/**
 * JVector in memory, as its README builds and searches a graph: {@link GraphIndexBuilder} over a
 * {@link ListRandomAccessVectorValues} with exact scores, maximum degree 32 (HNSW's level-0 degree for
 * M = 16), beam width 200, its default neighbour overflow 1.2 and alpha 1.2, hierarchy on (HNSW-like
 * upper layers); build threads through its ForkJoin executors. Search: one {@link GraphSearcher} per
 * thread, {@code search(exactScoreProvider, k = 10, rerankK = ef, ...)}, where rerankK is the beam
 * width. Similarities {@code EUCLIDEAN} and {@code DOT_PRODUCT} (unit vectors).
 */
final class JVectorEngine implements AnnEngine {
  /** JVector's maximum degree: HNSW's level-0 degree 2M. */
  static final int MAX_DEGREE = 2 * M;

  @Override
  public String name() {
    return "jvector";
  }

  @Override
  public Index build(Dataset data, int count, int threads) throws Exception {
    final VectorTypeSupport vts = VectorizationProvider.getInstance().getVectorTypeSupport();
    final List<VectorFloat<?>> vectors = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      vectors.add(vts.createFloatVector(data.base()[i].clone()));
    }
    final RandomAccessVectorValues values = new ListRandomAccessVectorValues(vectors, data.dimension());
    final VectorSimilarityFunction similarity =
        data.metric() == Dataset.Metric.L2
            ? VectorSimilarityFunction.EUCLIDEAN
            : VectorSimilarityFunction.DOT_PRODUCT;
    final BuildScoreProvider scores = BuildScoreProvider.randomAccessScoreProvider(values, similarity);
    final ForkJoinPool pool = new ForkJoinPool(threads);
    final ImmutableGraphIndex graph;
    try {
      // not closed: closing the builder would close the graph it returns
      final GraphIndexBuilder builder =
          new GraphIndexBuilder(
              scores, data.dimension(), MAX_DEGREE, EF_CONSTRUCTION, 1.2f, 1.2f, true, true, pool,
              pool);
      graph = builder.build(values);
    } finally {
      pool.shutdown();
    }
    return new Index() {
      private SearchResult searchGraph(GraphSearcher searcher, float[] query, int ef, Bits accept) {
        return searcher.search(
            DefaultSearchScoreProvider.exact(vts.createFloatVector(query), similarity, values),
            Dataset.K, ef, 0f, 0f, accept);
      }

      private int nodesOf(SearchResult result, int[] out) {
        final SearchResult.NodeScore[] nodes = result.getNodes();
        final int n = Math.min(Dataset.K, nodes.length);
        for (int i = 0; i < n; i++) {
          out[i] = nodes[i].node;
        }
        return n;
      }

      @Override
      public Query newQuery(int ef) {
        final GraphSearcher searcher = new GraphSearcher(graph);
        return (query, out) -> nodesOf(searchGraph(searcher, query, ef, Bits.ALL), out);
      }

      @Override
      public ExcludingQuery newExcludingQuery(int ef) {
        final GraphSearcher searcher = new GraphSearcher(graph);
        final ExclusionBits excluded = new ExclusionBits(count);
        // JVector's acceptOrds: excluded nodes are still expanded, never returned
        final Bits accept = excluded::accepts;
        return new ExcludingQuery() {
          private long visited;

          @Override
          public int search(float[] query, long[] ids, int n, int[] out) {
            excluded.exclude(ids, n);
            final SearchResult result = searchGraph(searcher, query, ef, n == 0 ? Bits.ALL : accept);
            excluded.reset(ids, n);
            visited = result.getVisitedCount();
            return nodesOf(result, out);
          }

          @Override
          public long lastVisited() {
            return visited;
          }
        };
      }

      @Override
      public String kernels() {
        return VectorizationProvider.getInstance().getClass().getSimpleName();
      }

      @Override
      public long linkCount() {
        double links = 0;
        for (int level = 0; level <= graph.getMaxLevel(); level++) {
          links += graph.getAverageDegree(level) * graph.size(level);
        }
        return Math.round(links);
      }
    };
  }
}
