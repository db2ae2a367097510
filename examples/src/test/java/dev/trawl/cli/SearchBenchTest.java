package dev.trawl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.index.SearchResults;
import dev.trawl.index.Searcher;
import dev.trawl.index.VectorIndex;
import dev.trawl.vector.Metric;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SearchBenchTest {
  private static final int K = 10;
  private static final int SKIP = 3;

  @Test
  void excludedItemsAreNeverFoundAndTheNextOnesAre() {
    final ClusteredVectors corpus = new ClusteredVectors(8, 10, 0.5f, 1);
    final float[][] base = corpus.sample(2000, 2);
    final float[][] queries = corpus.sample(40, 3);
    final VectorIndex index =
        Indexing.build(
            Indexing.of(base, "test"), null, new Indexing.Params(Metric.L2, 8, 60, 1, 1), Progress.NONE);
    final Searcher exact = index.newSearcher();
    final SearchResults results = new SearchResults(SKIP + K);
    final long[][] truth = new long[queries.length][];
    final long[][] excluded = new long[queries.length][];
    for (int q = 0; q < queries.length; q++) {
      exact.searchExact(queries[q], SKIP + K, results);
      truth[q] = results.idsCopy();
      excluded[q] = Arrays.copyOf(truth[q], SKIP);
    }
    final SearchBench.Settings settings = new SearchBench.Settings(0, 0, 1, 1);
    final SearchBench filtered = new SearchBench(index, queries, excluded, K, settings);
    final SearchBench plain = new SearchBench(index, queries, K, settings);
    // with k = 10 the excluded top 3 would be found by a plain search; the filtered one never finds them
    final SearchBench filteredTop = new SearchBench(index, queries, excluded, SKIP, settings);
    assertThat(filteredTop.recall(truth, 0, 40)).isZero();
    assertThat(new SearchBench(index, queries, SKIP, settings).recall(truth, 0, 40)).isGreaterThan(0.95);
    assertThat(filtered.recall(truth, SKIP, 40)).isGreaterThan(0.95);
    assertThat(plain.recall(truth, SKIP, 40)).isLessThan(filtered.recall(truth, SKIP, 40));
  }

  @Test
  void measuredSearchesThroughTheSeenFilterAllocateNothing() {
    final ClusteredVectors corpus = new ClusteredVectors(8, 10, 0.5f, 4);
    final float[][] base = corpus.sample(2000, 5);
    final float[][] queries = corpus.sample(50, 6);
    final VectorIndex index =
        Indexing.build(
            Indexing.of(base, "test"), null, new Indexing.Params(Metric.L2, 8, 60, 1, 2), Progress.NONE);
    final long[][] excluded = new long[queries.length][];
    for (int q = 0; q < queries.length; q++) {
      excluded[q] = new long[] {q, q + 1, q + 2, 1999 - q};
    }
    final SearchBench bench =
        new SearchBench(index, queries, excluded, K, new SearchBench.Settings(500, 100, 3, 1));
    final SearchBench.Result r = bench.measure(64, 0);
    assertThat(r.qps()).isPositive();
    assertThat(r.allocBytesPerQuery()).isLessThan(1.0);
  }
}
