package dev.trawl.index;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.testing.Vectors;
import dev.trawl.vector.Metric;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Snapshots of indexes with deletions that no repair has handled yet. */
class SnapshotOfUnrepairedIndexTest {
  @TempDir Path dir;

  @Test
  void indexWhoseEntryWasRemovedBeforeAnyRepairLoadsAndAnswersTheSame() throws IOException {
    final float[][] vectors = Vectors.clustered(2000, 8, 6, 9);
    final VectorIndex index =
        VectorIndex.builder(8, Metric.L2).m(6).efConstruction(40).repairThreshold(1.0).build();
    for (int i = 0; i < vectors.length; i++) {
      index.add(i, vectors[i]);
    }
    final int entry = index.graph().entryNode();
    index.remove(index.idOf(entry)); // the entry is now deleted, and stays the entry until a repair
    assertThat(index.graph().entryNode()).isEqualTo(entry);

    final Path file = dir.resolve("unrepaired.trawl");
    IndexSnapshot.write(index, file);
    final VectorIndex loaded = IndexSnapshot.load(file);

    assertThat(loaded.size()).isEqualTo(index.size());
    final Searcher a = index.newSearcher();
    final Searcher b = loaded.newSearcher();
    final SearchResults ra = new SearchResults(10);
    final SearchResults rb = new SearchResults(10);
    for (float[] q : Vectors.clustered(30, 8, 6, 10)) {
      a.search(q, 10, 40, ra);
      b.search(q, 10, 40, rb);
      assertThat(rb.idsCopy()).isEqualTo(ra.idsCopy());
    }
    loaded.repair(); // and it can be repaired after loading
    assertThat(loaded.graph().isDeleted(loaded.graph().entryNode())).isFalse();
  }
}
