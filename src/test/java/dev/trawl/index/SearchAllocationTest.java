package dev.trawl.index;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.testing.Allocations;
import dev.trawl.testing.Vectors;
import dev.trawl.vector.Metric;
import org.junit.jupiter.api.Test;

/** Searches, and inserts within the reserved capacity, allocate nothing once warm. */
class SearchAllocationTest {

  @Test
  void approximateSearchAllocatesLessThanOneBytePerQueryAfterWarmUp() {
    final float[][] data = Vectors.clustered(5_000, 32, 20, 2);
    final VectorIndex index = VectorIndex.builder(32, Metric.COSINE).m(12).efConstruction(64).build();
    for (int i = 0; i < data.length; i++) {
      index.add(1_000_000_000_000L + i, data[i]);
    }
    final Searcher searcher = index.newSearcher();
    final SearchResults results = new SearchResults(10);
    final float[][] queries = Vectors.clustered(100, 32, 20, 3);
    final int[] next = {0};
    final Runnable search = () -> searcher.search(queries[next[0]++ % queries.length], 10, 64, results);
    final double bytesPerSearch = Allocations.steadyStatePerOperation(10_000, search);
    assertThat(results.size()).isEqualTo(10);
    assertThat(bytesPerSearch).isLessThan(1.0);
  }

  @Test
  void exactSearchAllocatesNothingAfterWarmUp() {
    final float[][] data = Vectors.clustered(2_000, 16, 10, 4);
    final VectorIndex index = VectorIndex.builder(16, Metric.L2).build();
    for (int i = 0; i < data.length; i++) {
      index.add(i, data[i]);
    }
    final Searcher searcher = index.newSearcher();
    final SearchResults results = new SearchResults(10);
    final Runnable search = () -> searcher.searchExact(data[7], 10, results);
    assertThat(Allocations.steadyStatePerOperation(10_000, search)).isLessThan(1.0);
  }

  @Test
  void insertsWithinReservedCapacityAllocateNothingAfterWarmUp() {
    final int n = 62_000; // room for 30 warm-up rounds and the measured round of 2,000 inserts
    final float[][] data = Vectors.clustered(n, 16, 10, 5);
    final VectorIndex index =
        VectorIndex.builder(16, Metric.L2).m(8).efConstruction(40).expectedItems(n).build();
    final int[] next = {0};
    final Runnable add = () -> {
      final int i = next[0]++;
      index.add(i, data[i]);
    };
    final double bytesPerInsert = Allocations.steadyStatePerOperation(2_000, add);
    assertThat(bytesPerInsert).isLessThan(1.0);
  }
}
