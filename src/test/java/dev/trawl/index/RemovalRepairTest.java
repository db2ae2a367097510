package dev.trawl.index;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.testing.Builds;
import dev.trawl.testing.Datasets;
import dev.trawl.testing.Datasets.Dataset;
import dev.trawl.vector.Metric;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Removals are tombstones that are never returned, and {@link VectorIndex#repair} re-links the graph
 * around them so that recall on the remaining items matches an index built from scratch on them.
 */
class RemovalRepairTest {

  /** Mean recall@10 over the queries against exact search on the same index; checks removed ids. */
  private static double recall(VectorIndex index, float[][] queries, int ef, BitSet removed,
      long[] visited) {
    final Searcher searcher = index.newSearcher();
    final SearchResults found = new SearchResults(10);
    final SearchResults truth = new SearchResults(10);
    double sum = 0;
    long cost = 0;
    for (float[] query : queries) {
      searcher.searchExact(query, 10, truth);
      searcher.search(query, 10, ef, found);
      cost += searcher.visitedCount();
      int hits = 0;
      for (int i = 0; i < found.size(); i++) {
        assertThat(removed.get((int) found.id(i))).as("removed id %d returned", found.id(i)).isFalse();
        for (int j = 0; j < truth.size(); j++) {
          if (found.id(i) == truth.id(j)) {
            hits++;
            break;
          }
        }
      }
      sum += hits / 10.0;
    }
    visited[0] = cost / queries.length;
    return sum / queries.length;
  }

  @Test
  void afterRemoving30PercentAndRepairingRecallMatchesAnIndexBuiltFromScratch() throws Exception {
    // siftsmall by default (two builds of 10,000 take seconds); -Dtrawl.repair.dataset=wordnet
    // measures the harder text embeddings (a minute more).
    final boolean text = "wordnet".equals(System.getProperty("trawl.repair.dataset"));
    final Dataset data = text ? Datasets.wordnet() : Datasets.siftSmall();
    final Metric metric = text ? Metric.COSINE : Metric.L2;
    final int dim = data.base()[0].length;
    final int n = data.base().length;
    final float[][] queries = java.util.Arrays.copyOf(data.queries(), Math.min(300, data.queries().length));
    final VectorIndex index =
        VectorIndex.builder(dim, metric).seed(7).repairThreshold(Double.POSITIVE_INFINITY).build();
    Builds.addAll(index, data.base(), 2);
    final SplittableRandom random = new SplittableRandom(13);
    final BitSet removed = new BitSet(n);
    while (removed.cardinality() < n * 3 / 10) {
      removed.set(random.nextInt(n));
    }
    removed.stream().forEach(index::remove);
    final List<float[]> kept = new ArrayList<>();
    final List<Long> keptIds = new ArrayList<>();
    for (int id = 0; id < n; id++) {
      if (!removed.get(id)) {
        kept.add(data.base()[id]);
        keptIds.add((long) id);
      }
    }
    final VectorIndex scratch = VectorIndex.builder(dim, metric).seed(7).build();
    for (int i = 0; i < kept.size(); i++) {
      scratch.add(keptIds.get(i), kept.get(i));
    }
    final int[] efs = {16, 64};
    final double[] tombstoned = new double[efs.length];
    final long[] tombstonedVisited = new long[efs.length];
    final long[] visited = new long[1];
    for (int e = 0; e < efs.length; e++) {
      tombstoned[e] = recall(index, queries, efs[e], removed, visited);
      tombstonedVisited[e] = visited[0];
    }
    assertThat(index.repair()).as("lists rewritten").isPositive();
    for (int e = 0; e < efs.length; e++) {
      final double repaired = recall(index, queries, efs[e], removed, visited);
      final long repairedVisited = visited[0];
      final double fresh = recall(scratch, queries, efs[e], removed, visited);
      System.out.printf(
          "repair %s ef=%d recall@10 tombstoned=%.4f (visited %d) repaired=%.4f (visited %d)"
              + " scratch=%.4f (visited %d)%n",
          data.name(), efs[e], tombstoned[e], tombstonedVisited[e], repaired, repairedVisited, fresh, visited[0]);
      assertThat(repaired).as("ef=%d", efs[e]).isGreaterThanOrEqualTo(fresh - 0.01);
    }
  }

  @Test
  void repairRunsWhileSearchesAndInsertsContinueAndNeverReturnsRemovedItems() throws Exception {
    final int n = 3_000;
    final int dim = 16;
    final SplittableRandom random = new SplittableRandom(21);
    final float[][] vectors = new float[n + 1_000][dim];
    for (float[] v : vectors) {
      for (int j = 0; j < dim; j++) {
        v[j] = (float) random.nextGaussian();
      }
    }
    final VectorIndex index =
        VectorIndex.builder(dim, Metric.L2).seed(3).repairThreshold(Double.POSITIVE_INFINITY).build();
    for (int id = 0; id < n; id++) {
      index.add(id, vectors[id]);
    }
    final BitSet removed = new BitSet(n);
    while (removed.cardinality() < n * 3 / 10) {
      removed.set(random.nextInt(n));
    }
    removed.stream().forEach(index::remove);

    final AtomicBoolean done = new AtomicBoolean();
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    final Thread searching = new Thread(() -> {
      try {
        final Searcher searcher = index.newSearcher();
        final SearchResults results = new SearchResults(10);
        for (int q = 0; !done.get() || q < 200; q++) {
          searcher.search(vectors[q % vectors.length], 10, 32, results);
          for (int i = 0; i < results.size(); i++) {
            if (results.id(i) < n && removed.get((int) results.id(i))) {
              throw new AssertionError("removed id " + results.id(i) + " returned");
            }
          }
        }
      } catch (Throwable t) {
        failure.compareAndSet(null, t);
      }
    });
    final Thread inserting = new Thread(() -> {
      try {
        for (int id = n; id < vectors.length; id++) {
          index.add(id, vectors[id]);
        }
      } catch (Throwable t) {
        failure.compareAndSet(null, t);
      }
    });
    searching.start();
    inserting.start();
    final int rewritten = index.repair();
    inserting.join();
    done.set(true);
    searching.join();
    assertThat(failure.get()).isNull();
    assertThat(rewritten).isPositive();
    index.repair(); // links inserts that raced the first pass to removed nodes, if any

    final long[] visited = new long[1];
    final float[][] queries = new float[100][];
    for (int q = 0; q < queries.length; q++) {
      queries[q] = vectors[random.nextInt(vectors.length)];
    }
    assertThat(recall(index, queries, 64, removed, visited)).isGreaterThanOrEqualTo(0.95);
    assertThat(index.size()).isEqualTo(vectors.length - removed.cardinality());
  }

  @Test
  void removingPastTheThresholdStartsABackgroundRepair() throws Exception {
    final int n = 2_000;
    final SplittableRandom random = new SplittableRandom(8);
    final VectorIndex index = VectorIndex.builder(8, Metric.L2).seed(2).repairThreshold(0.1).build();
    for (int id = 0; id < n; id++) {
      final float[] v = new float[8];
      for (int j = 0; j < 8; j++) {
        v[j] = (float) random.nextGaussian();
      }
      index.add(id, v);
    }
    for (int id = 0; id < n / 20; id++) {
      index.remove(id);
    }
    assertThat(index.repairsCompleted()).as("5% removed: below the threshold").isZero();
    for (int id = n / 20; id < n / 4; id++) {
      index.remove(id);
    }
    for (int waited = 0; index.repairsCompleted() == 0 && waited < 600; waited++) {
      Thread.sleep(100); // liveness only: the repair runs on its own daemon thread
    }
    assertThat(index.repairsCompleted()).isPositive();
  }

  @Test
  void repairThresholdMustBePositive() {
    final VectorIndex.Builder builder = VectorIndex.builder(8, Metric.L2);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> builder.repairThreshold(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("repairThreshold must be positive, got 0.0");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> builder.repairThreshold(Double.NaN))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
