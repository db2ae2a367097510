package dev.trawl.index;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.filter.ItemAttributes;
import dev.trawl.testing.Vectors;
import dev.trawl.vector.Metric;
import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshots of an index that reuses ordinals: free ordinals (unpublished, deleted) and claimed ones
 * still in grace load and validate, the loaded index answers the same, and its free ordinals are
 * reused once reuse is turned on.
 */
class SnapshotWithReusedOrdinalsTest {
  private static final int N = 2_000;

  @TempDir Path dir;

  @Test
  void snapshotWithFreeOrdinalsLoadsAnswersTheSameAndReusesThem() throws IOException {
    final float[][] vectors = Vectors.clustered(N + 3_000, 8, 6, 19);
    final VectorIndex index = VectorIndex.builder(8, Metric.L2).m(6).efConstruction(40)
        .repairThreshold(Double.POSITIVE_INFINITY).reuseOrdinals(true).build();
    final ItemAttributes attributes = new ItemAttributes();
    for (int i = 0; i < N; i++) {
      index.add(i, vectors[i], attributes.clear().community(i % 7));
    }
    final SplittableRandom random = new SplittableRandom(3);
    for (int u = 0; u < 3_000; u++) {
      index.upsert(random.nextInt(N), vectors[N + u]);
      if (u % 200 == 199) {
        index.repair();
      }
    }
    for (int u = 0; u < 150; u++) { // some deleted but not repaired yet
      index.upsert(random.nextInt(N), vectors[N + u]);
    }
    assertThat(index.graph().reclaimer().freeCount()).isPositive();
    assertThat(index.graph().size()).isLessThan(N + 600);

    final Path file = dir.resolve("reused.trawl");
    IndexSnapshot.write(index, file);
    final VectorIndex loaded = IndexSnapshot.load(file);

    assertThat(loaded.size()).isEqualTo(N);
    assertThat(loaded.graph().size()).isEqualTo(index.graph().size());
    assertThat(loaded.graph().reclaimer().freeCount())
        .as("free ordinals are unpublished in the snapshot and free again after loading")
        .isEqualTo(index.graph().reclaimer().freeCount());
    final Searcher a = index.newSearcher();
    final Searcher b = loaded.newSearcher();
    final SearchResults ra = new SearchResults(10);
    final SearchResults rb = new SearchResults(10);
    for (float[] q : Vectors.clustered(30, 8, 6, 20)) {
      a.search(q, 10, 40, ra);
      b.search(q, 10, 40, rb);
      assertThat(rb.idsCopy()).isEqualTo(ra.idsCopy());
    }
    for (int id = 0; id < N; id += 97) {
      final ItemAttributes got = new ItemAttributes();
      loaded.attributes(id, got);
      assertThat(got.community()).isEqualTo(id % 7);
    }

    loaded.reuseOrdinals(true);
    final int ordinals = loaded.graph().size();
    final int free = loaded.graph().reclaimer().freeCount();
    for (int u = 0; u < free; u++) {
      loaded.upsert(random.nextInt(N), vectors[u]);
    }
    assertThat(loaded.graph().size()).as("upserts took free ordinals").isEqualTo(ordinals);
  }
}
