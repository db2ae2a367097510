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
    Allocations.perOperation(20_000, search); // warm-up, lets C2 compile the loop
    final double bytesPerSearch = Allocations.perOperation(20_000, search);
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
    Allocations.perOperation(2_000, search);
    assertThat(Allocations.perOperation(10_000, search)).isLessThan(1.0);
  }

  @Test
  void insertsWithinReservedCapacityAllocateNothingAfterWarmUp() {
    final int n = 12_000;
    final float[][] data = Vectors.clustered(n, 16, 10, 5);
    final VectorIndex index =
        VectorIndex.builder(16, Metric.L2).m(8).efConstruction(40).expectedItems(n).build();
    final int[] next = {0};
    final Runnable add = () -> {
      final int i = next[0]++;
      index.add(i, data[i]);
    };
    Allocations.perOperation(2_000, add);
    final double bytesPerInsert = Allocations.perOperation(n - 2_000, add);
    assertThat(index.size()).isEqualTo(n);
    assertThat(bytesPerInsert).isLessThan(1.0);
  }
}
