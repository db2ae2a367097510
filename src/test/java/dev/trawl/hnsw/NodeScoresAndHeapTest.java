package dev.trawl.hnsw;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class NodeScoresAndHeapTest {

  @Test
  void packedPairsSortByDistanceThenNodeAndRoundTrip() {
    final float[] distances = {-3.5f, -0f, 0f, 1e-30f, 2f, 2f, 1e30f, -1e30f};
    final int[] nodes = {5, 1, 2, 3, 9, 4, 0, Integer.MAX_VALUE};
    final long[] packed = new long[distances.length];
    for (int i = 0; i < packed.length; i++) {
      packed[i] = NodeScores.pack(distances[i], nodes[i]);
      assertThat(NodeScores.distance(packed[i])).isEqualTo(distances[i]);
      assertThat(NodeScores.node(packed[i])).isEqualTo(nodes[i]);
    }
    Arrays.sort(packed);
    for (int i = 1; i < packed.length; i++) {
      final float prev = NodeScores.distance(packed[i - 1]);
      final float cur = NodeScores.distance(packed[i]);
      assertThat(prev).isLessThanOrEqualTo(cur);
      if (prev == cur && Float.floatToIntBits(prev) == Float.floatToIntBits(cur)) {
        assertThat(NodeScores.node(packed[i - 1])).isLessThan(NodeScores.node(packed[i]));
      }
    }
  }

  @Test
  void heapPopsInAscendingOrderAndBoundedOfferKeepsLargest() {
    final SplittableRandom random = new SplittableRandom(11);
    final LongHeap heap = new LongHeap(2);
    final long[] values = new long[1000];
    for (int i = 0; i < values.length; i++) {
      values[i] = random.nextLong();
      heap.push(values[i]);
    }
    Arrays.sort(values);
    for (long v : values) {
      assertThat(heap.pop()).isEqualTo(v);
    }
    assertThat(heap.isEmpty()).isTrue();

    final LongHeap bounded = new LongHeap(4);
    final long[] shuffled = values.clone();
    for (int i = shuffled.length - 1; i > 0; i--) {
      final int j = random.nextInt(i + 1);
      final long t = shuffled[i];
      shuffled[i] = shuffled[j];
      shuffled[j] = t;
    }
    for (long v : shuffled) {
      bounded.offerBounded(v, 10);
    }
    assertThat(bounded.size()).isEqualTo(10);
    for (int i = values.length - 10; i < values.length; i++) {
      assertThat(bounded.pop()).isEqualTo(values[i]);
    }
  }

  @Test
  void visitedSetForgetsOnClearAndCountsMarks() {
    final VisitedSet visited = new VisitedSet(4);
    visited.ensureCapacity(100, 0);
    assertThat(visited.getAndSet(99)).isFalse();
    assertThat(visited.getAndSet(99)).isTrue();
    assertThat(visited.count()).isEqualTo(1);
    visited.clear();
    assertThat(visited.contains(99)).isFalse();
    assertThat(visited.count()).isZero();
  }
}
