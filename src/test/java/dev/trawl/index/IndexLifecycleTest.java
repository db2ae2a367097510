package dev.trawl.index;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.hnsw.HnswSearcher;
import dev.trawl.testing.Vectors;
import dev.trawl.vector.Metric;
import java.lang.ref.WeakReference;
import org.junit.jupiter.api.Test;

/** What a long-lived service needs from indexes it creates, writes, drops, and walks it forgets. */
class IndexLifecycleTest {
  private static final int DIM = 8;

  @Test
  void aDroppedIndexIsCollectedAlthoughItsWritingThreadLivesOn() throws Exception {
    final WeakReference<Object> dropped = writeAndDrop();
    for (int i = 0; i < 50 && dropped.get() != null; i++) {
      System.gc();
      Thread.sleep(20);
    }
    assertThat(dropped.get()).as("an index written by this (live) thread is still reachable").isNull();
  }

  /** A weak reference to the graph: the bulk of an index's memory, which a leak would keep. */
  private static WeakReference<Object> writeAndDrop() {
    final VectorIndex index = VectorIndex.builder(DIM, Metric.L2).build();
    final float[][] v = Vectors.clustered(100, DIM, 3, 1L);
    for (int i = 0; i < v.length; i++) {
      index.upsert(i, v[i]); // the test thread writes: it must keep nothing of the index
    }
    index.newSearcher().search(v[0], 5, 16, new SearchResults(5));
    return new WeakReference<>(index.graph());
  }

  @Test
  void aStuckWalkDegradesReuseToGrowthWithBoundedRepairWork() {
    final int n = 500;
    final float[][] v = Vectors.clustered(n, DIM, 5, 2L);
    final VectorIndex index = VectorIndex.builder(DIM, Metric.L2).m(8).efConstruction(32).build();
    for (int i = 0; i < n; i++) {
      index.upsert(i, v[i]);
    }
    final HnswSearcher stuck = new HnswSearcher(index.graph());
    stuck.pin(); // a walk that never ends, holding every ordinal deleted from now on
    final int updates = 5_000;
    for (int u = 0; u < updates; u++) {
      index.upsert(u % n, v[(u * 7) % n]);
    }
    // a writer past the limit repairs once, finds it useless, and later writers do not repeat it
    // while the same walk stays pinned: they neither wait nor repair
    assertThat(index.writesPastReuseLimit()).isGreaterThan(updates / 2);
    final int grown = index.graph().size();
    assertThat(grown).isGreaterThan(n + updates / 2); // it grew instead
    // One writer: the index grew to the live items plus the backpressure limit (2 * 0.1 * n + 256)
    // plus the write that passed it, uncounted; every slot beyond was taken while the walk held
    // reusable ones back, and counted exactly.
    final long reuseBound = n + (2 * n / 10 + 256) + 1;
    final long heldBackGrowth = index.slotsGrownPastReuseLimit();
    assertThat(heldBackGrowth).isEqualTo(grown - reuseBound);

    stuck.unpin();
    for (int u = 0; u < 3 * updates; u++) {
      index.upsert(u % n, v[(u * 11) % n]);
    }
    // reuse resumes once the walk ends: three times as many updates, no further growth but the one
    // ordinal the first write takes before its repair frees the rest
    assertThat(index.graph().size()).isLessThanOrEqualTo(grown + 1);
    assertThat((long) index.graph().size()).isLessThanOrEqualTo(reuseBound + index.slotsGrownPastReuseLimit());
    assertThat(index.slotsGrownPastReuseLimit()).isLessThanOrEqualTo(heldBackGrowth + 1);
    assertThat(index.size()).isEqualTo(n);
  }

  @Test
  void aWalkPinnedBeforeAnyRepairIsJudgedStuckByTheFirstWritersPass() {
    final int n = 500;
    final float[][] v = Vectors.clustered(n, DIM, 5, 3L);
    // threshold 1.0: deletions never exceed the allocated slots, so no background pass ever runs
    // and nothing advances the epoch between the pin and the first writer's stall
    final VectorIndex index =
        VectorIndex.builder(DIM, Metric.L2).m(8).efConstruction(32).repairThreshold(1.0).build();
    for (int i = 0; i < n; i++) {
      index.upsert(i, v[i]);
    }
    final HnswSearcher stuck = new HnswSearcher(index.graph());
    stuck.pin();
    final int stallLimit = 2 * n + 256; // 2 * repairThreshold * size() + 256
    final int updates = stallLimit + 200;
    for (int u = 0; u < updates; u++) {
      index.upsert(u % n, v[(u * 7) % n]);
    }
    // the write that took the (stallLimit + 1)-th unreclaimed slot repaired, found the walk that
    // pinned before it still pinned, and every later write went on without repairing
    assertThat(index.repairsCompleted()).isEqualTo(1);
    assertThat(index.writesPastReuseLimit()).isEqualTo(updates - (stallLimit + 1));
    assertThat(index.slotsGrownPastReuseLimit())
        .isEqualTo(index.graph().size() - (n + stallLimit + 1));
    stuck.unpin();
  }
}
