package dev.trawl.index;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.pipeline.testkit.Allocations;
import dev.trawl.testing.Vectors;
import dev.trawl.vector.Metric;
import org.junit.jupiter.api.Test;

/**
 * Searches, and inserts within the reserved capacity, allocate nothing once warm: the total over the
 * measured window is asserted to be 0 bytes, and beside each a positive control that allocates one
 * object every 25 operations (under a byte per operation on average) fails the same check.
 */
class SearchAllocationTest {
  private static final int CONTROL_EVERY = 25;

  private static void assertAllocatesNothing(int n, Runnable operation) {
    assertThat(Allocations.steadyStateBytes(n, operation)).as("bytes over %d operations", n).isZero();
    assertThat(Allocations.total(n, Allocations.allocatingEvery(CONTROL_EVERY, operation)))
        .as("positive control: one object every %d operations", CONTROL_EVERY)
        .isPositive();
  }

  /** 10,000 searches (k 10, ef 64) of 100 clustered 32-dimensional queries allocate nothing. */
  private static void assertSearchesAllocateNothing(VectorIndex index) {
    final Searcher searcher = index.newSearcher();
    final SearchResults results = new SearchResults(10);
    final float[][] queries = Vectors.clustered(100, 32, 20, 3);
    final int[] next = {0};
    final Runnable search = () -> searcher.search(queries[next[0]++ % queries.length], 10, 64, results);
    assertAllocatesNothing(10_000, search);
    assertThat(results.size()).isEqualTo(10);
  }

  @Test
  void approximateSearchAllocatesLessThanOneBytePerQueryAfterWarmUp() {
    final float[][] data = Vectors.clustered(5_000, 32, 20, 2);
    final VectorIndex index = VectorIndex.builder(32, Metric.COSINE).m(12).efConstruction(64).build();
    for (int i = 0; i < data.length; i++) {
      index.add(1_000_000_000_000L + i, data[i]);
    }
    assertSearchesAllocateNothing(index);
  }

  @Test
  void quantizedSearchWithRerankAllocatesNothingAfterWarmUp() {
    final float[][] data = Vectors.clustered(5_000, 32, 20, 2);
    final VectorIndex index =
        VectorIndex.builder(32, Metric.L2).m(12).efConstruction(64).quantizeInt8(data).build();
    for (int i = 0; i < data.length; i++) {
      index.add(i, data[i]);
    }
    assertSearchesAllocateNothing(index);
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
    assertAllocatesNothing(10_000, search);
  }

  @Test
  void insertsWithinReservedCapacityAllocateNothingAfterWarmUp() {
    final int n = 66_000; // room for 30 warm-up rounds, the measured round and the control's
    final float[][] data = Vectors.clustered(n, 16, 10, 5);
    final VectorIndex index =
        VectorIndex.builder(16, Metric.L2).m(8).efConstruction(40).expectedItems(n).build();
    final int[] next = {0};
    final Runnable add = () -> {
      final int i = next[0]++;
      index.add(i, data[i]);
    };
    assertAllocatesNothing(2_000, add);
  }

  @Test
  void searchesOverTombstonedAndReusedSlotsAllocateNothing() {
    final int n = 4_000;
    final float[][] data = Vectors.clustered(n, 24, 16, 6);
    final VectorIndex index = VectorIndex.builder(24, Metric.L2).m(10).efConstruction(48).build();
    for (int i = 0; i < n; i++) {
      index.upsert(i, 1, data[i], null);
    }
    for (int round = 0; round < 3; round++) { // updates free and reuse slots, removals tombstone
      for (int i = round; i < n; i += 3) {
        index.upsert(i, 2 + round, data[(i + 1 + round) % n], null);
      }
      index.repair();
    }
    for (int i = 0; i < n; i += 10) {
      index.remove(i, 100);
    }
    assertThat(index.graph().size()).isLessThan(2 * n); // slots were reused
    assertThat(index.graph().deletedCount()).isGreaterThan(n / 10);
    final Searcher searcher = index.newSearcher();
    final SearchResults results = new SearchResults(10);
    final int[] next = {0};
    final Runnable search = () -> searcher.search(data[next[0]++ % n], 10, 48, results);
    assertAllocatesNothing(10_000, search);
  }
}
