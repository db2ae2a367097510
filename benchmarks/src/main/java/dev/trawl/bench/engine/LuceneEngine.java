package dev.trawl.bench.engine;

import dev.trawl.bench.data.Dataset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.lucene.codecs.hnsw.FlatVectorScorerUtil;
import org.apache.lucene.codecs.hnsw.FlatVectorsScorer;
import org.apache.lucene.index.DocValuesType;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.IndexOptions;
import org.apache.lucene.index.VectorEncoding;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.KnnCollector;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TaskExecutor;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.InfoStream;
import org.apache.lucene.util.hnsw.ConcurrentHnswMerger;
import org.apache.lucene.util.hnsw.HnswGraph;
import org.apache.lucene.util.hnsw.HnswGraphBuilder;
import org.apache.lucene.util.hnsw.HnswGraphSearcher;
import org.apache.lucene.util.hnsw.OnHeapHnswGraph;
import org.apache.lucene.util.hnsw.RandomAccessVectorValues;
import org.apache.lucene.util.hnsw.RandomVectorScorerSupplier;

/**
 * Lucene 9.12's HNSW through its public {@code org.apache.lucene.util.hnsw} API, without the index,
 * segment and query layers on top (they add cost that is not HNSW's, so this is Lucene's HNSW at its
 * best): vectors in {@code RandomAccessVectorValues.fromFloats}, scored by the Lucene99 codec's flat
 * scorer ({@link FlatVectorScorerUtil#getLucene99FlatVectorsScorer()}, which picks the Panama kernels
 * where Lucene supports them). Build: {@link HnswGraphBuilder} on one thread; on N threads the
 * concurrent builder Lucene itself uses for merges ({@link ConcurrentHnswMerger} with no prior
 * graph). Search: {@link HnswGraphSearcher#search(org.apache.lucene.util.hnsw.RandomVectorScorer,
 * int, OnHeapHnswGraph, org.apache.lucene.util.Bits, int)} with topK = ef, the thread-safe searcher
 * over an on-heap graph, then the first 10 hits. That is how Lucene's {@code KnnFloatVectorQuery}
 * applies ef (its k). Similarities: {@code EUCLIDEAN} and {@code DOT_PRODUCT} (unit vectors).
 */
final class LuceneEngine implements AnnEngine {
  @Override
  public String name() {
    return "lucene";
  }

  @Override
  public Index build(Dataset data, int count, int threads) throws Exception {
    final int dim = data.dimension();
    final List<float[]> vectors = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      vectors.add(data.base()[i].clone());
    }
    final VectorSimilarityFunction similarity =
        data.metric() == Dataset.Metric.L2
            ? VectorSimilarityFunction.EUCLIDEAN
            : VectorSimilarityFunction.DOT_PRODUCT;
    final RandomAccessVectorValues.Floats values = RandomAccessVectorValues.fromFloats(vectors, dim);
    final FlatVectorsScorer scorer = FlatVectorScorerUtil.getLucene99FlatVectorsScorer();
    final RandomVectorScorerSupplier supplier = scorer.getRandomVectorScorerSupplier(similarity, values);
    final OnHeapHnswGraph graph;
    if (threads <= 1) {
      graph = HnswGraphBuilder.create(supplier, M, EF_CONSTRUCTION, 42L).build(count);
    } else {
      final ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        final FieldInfo field =
            new FieldInfo(
                "vector", 0, false, false, false, IndexOptions.NONE, DocValuesType.NONE, -1,
                Map.of(), 0, 0, 0, dim, VectorEncoding.FLOAT32, similarity, false, false);
        graph =
            new ConcurrentHnswMerger(
                    field, supplier, M, EF_CONSTRUCTION, new TaskExecutor(pool), threads)
                .merge(DocIdSetIterator.all(count), InfoStream.NO_OUTPUT, count);
      } finally {
        pool.shutdown();
      }
    }
    return new Index() {
      @Override
      public Query newQuery(int ef) {
        return (query, out) -> {
          final KnnCollector hits =
              HnswGraphSearcher.search(
                  scorer.getRandomVectorScorer(similarity, values, query),
                  ef,
                  graph,
                  null,
                  Integer.MAX_VALUE);
          final ScoreDoc[] docs = hits.topDocs().scoreDocs;
          final int n = Math.min(Dataset.K, docs.length);
          for (int i = 0; i < n; i++) {
            out[i] = docs[i].doc;
          }
          return n;
        };
      }

      @Override
      public ExcludingQuery newExcludingQuery(int ef) {
        final ExclusionBits excluded = new ExclusionBits(count);
        // Lucene's acceptOrds: excluded nodes are still expanded, never collected (9.12 has no
        // filter-aware neighbour expansion; KnnFloatVectorQuery passes its filter the same way and
        // falls back to an exact scan only when the walk visits more nodes than the filter keeps)
        final Bits accept = new Bits() {
          @Override
          public boolean get(int index) {
            return excluded.accepts(index);
          }

          @Override
          public int length() {
            return excluded.size();
          }
        };
        return new ExcludingQuery() {
          private long visited;

          @Override
          public int search(float[] query, long[] ids, int n, int[] out) throws Exception {
            excluded.exclude(ids, n);
            final KnnCollector hits =
                HnswGraphSearcher.search(
                    scorer.getRandomVectorScorer(similarity, values, query),
                    ef,
                    graph,
                    n == 0 ? null : accept,
                    Integer.MAX_VALUE);
            excluded.reset(ids, n);
            visited = hits.visitedCount();
            final ScoreDoc[] docs = hits.topDocs().scoreDocs;
            final int found = Math.min(Dataset.K, docs.length);
            for (int i = 0; i < found; i++) {
              out[i] = docs[i].doc;
            }
            return found;
          }

          @Override
          public long lastVisited() {
            return visited;
          }
        };
      }

      @Override
      public String kernels() {
        return scorer.toString();
      }

      @Override
      public long linkCount() {
        long links = 0;
        for (int level = 0; level < graph.numLevels(); level++) {
          final HnswGraph.NodesIterator nodes = graph.getNodesOnLevel(level);
          while (nodes.hasNext()) {
            links += graph.getNeighbors(level, nodes.nextInt()).size();
          }
        }
        return links;
      }
    };
  }
}
