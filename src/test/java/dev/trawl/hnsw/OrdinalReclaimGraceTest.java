package dev.trawl.hnsw;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.testing.Vectors;
import dev.trawl.vector.Metric;
import dev.trawl.vector.VectorStore;
import java.util.BitSet;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A deleted node's ordinal is reused only after a repair has unlinked it and every walk that entered
 * before that repair ended has ended: driven deterministically by pinning searchers by hand.
 */
class OrdinalReclaimGraceTest {
  private static final int N = 2_000;
  private static final int DIM = 16;

  private static HnswGraph graph(float[][] vectors) {
    final HnswGraph graph = new HnswGraph(new VectorStore(DIM, Metric.L2), 8, 40, 1);
    graph.reuseDeleted(true);
    for (float[] v : vectors) {
      graph.insert(graph.allocate(), v, -1);
    }
    return graph;
  }

  private static BitSet deleteRandom(HnswGraph graph, int count, long seed) {
    final SplittableRandom random = new SplittableRandom(seed);
    final BitSet deleted = new BitSet();
    while (deleted.cardinality() < count) {
      final int node = random.nextInt(N);
      if (node != graph.entryNode() && graph.delete(node)) {
        deleted.set(node);
      }
    }
    return deleted;
  }

  @Test
  void aSearcherPinnedBeforeTheDeletionsHoldsBackTheirReuseUntilItUnpins() {
    final float[][] vectors = Vectors.clustered(N, DIM, 10, 1);
    final HnswGraph graph = graph(vectors);
    final HnswSearcher early = new HnswSearcher(graph);
    early.pin(); // a walk that entered before the deletions: it may still pick them as neighbours
    final BitSet deleted = deleteRandom(graph, 200, 2);
    for (int pass = 0; pass < 3; pass++) {
      new GraphRepair(graph).run();
    }
    assertThat(graph.reclaimer().freeCount()).isZero();
    assertThat(graph.reclaimer().pendingCount()).isEqualTo(200);
    final int fresh = graph.allocate();
    assertThat(fresh).as("a new ordinal, not a reused one").isEqualTo(N);
    graph.insert(fresh, vectors[0], -1);

    early.unpin();
    new GraphRepair(graph).run(); // unlinks them; no walk is older than its end, so frees them
    assertThat(graph.reclaimer().freeCount()).isEqualTo(200);
    final int reused = graph.allocate();
    assertThat(deleted.get(reused)).as("ordinal %d is one of the deleted", reused).isTrue();
    assertThat(graph.isDeleted(reused)).isFalse();
    assertThat(graph.isPublished(reused)).isFalse();
  }

  @Test
  void aSearcherInsideItsWalkWhenTheRepairEndsDelaysReuseUntilItUnpins() {
    final float[][] vectors = Vectors.clustered(N, DIM, 10, 3);
    final HnswGraph graph = graph(vectors);
    final HnswSearcher early = new HnswSearcher(graph);
    early.pin();
    final BitSet deleted = deleteRandom(graph, 150, 4);
    new GraphRepair(graph).run(); // claims them; the early walk keeps them from being unlinked
    early.unpin();
    final HnswSearcher walking = new HnswSearcher(graph);
    // enters after the claim (so it never takes them as neighbours) but before the unlinking pass
    walking.search(vectors[7], 10, OrdinalFilter.ALL, Integer.MAX_VALUE); // pinned until drained
    new GraphRepair(graph).run();
    assertThat(graph.reclaimer().pendingCount()).isEqualTo(150);
    assertThat(graph.reclaimer().freeCount()).isZero();
    assertThat(graph.allocate()).as("the walk may still hold them: a new ordinal").isEqualTo(N);

    walking.drainNearest(10, new int[10], new float[10]); // the walk is over
    final int reused = graph.allocate(); // an allocation frees the groups whose grace is over
    assertThat(deleted.get(reused)).isTrue();
    assertThat(graph.reclaimer().freeCount()).isEqualTo(149);
    assertThat(graph.reclaimer().pendingCount()).isZero();
  }

  @Test
  void aReusedOrdinalGetsItsNewVectorAndLinksAndIsFoundByItsNewVector() {
    final float[][] vectors = Vectors.clustered(N, DIM, 10, 5);
    final HnswGraph graph = graph(vectors);
    deleteRandom(graph, 300, 6);
    new GraphRepair(graph).run();
    final float[][] more = Vectors.clustered(300, DIM, 10, 7);
    final HnswSearcher searcher = new HnswSearcher(graph);
    final int[] ordinals = new int[1];
    final float[] distances = new float[1];
    int foundItself = 0;
    for (float[] v : more) {
      final int ordinal = graph.allocate();
      assertThat(ordinal).isLessThan(N);
      graph.insert(ordinal, v, -1);
      assertThat(graph.publishedLevel(ordinal)).isEqualTo(graph.levelOf(ordinal));
      searcher.search(v, 64, OrdinalFilter.ALL, Integer.MAX_VALUE);
      searcher.drainNearest(1, ordinals, distances);
      if (ordinals[0] == ordinal && distances[0] == 0f) {
        foundItself++;
      }
    }
    assertThat(foundItself).isGreaterThanOrEqualTo(295);
    assertThat(graph.size()).isEqualTo(N);
    assertThat(graph.reclaimer().freeCount()).isZero();
  }

  @Test
  void slotsOfDroppedSearchersAreForgotten() {
    final HnswGraph graph = graph(Vectors.clustered(100, DIM, 4, 9));
    final int before = graph.epochs().liveSlots();
    for (int i = 0; i < 1_000; i++) {
      new HnswSearcher(graph);
    }
    final HnswSearcher kept = new HnswSearcher(graph);
    for (int i = 0; i < 20 && graph.epochs().liveSlots() > before + 1; i++) {
      System.gc();
    }
    assertThat(graph.epochs().liveSlots()).isLessThanOrEqualTo(before + 1);
    assertThat(kept.graph()).isSameAs(graph);
  }
}
