package dev.trawl.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trawl.testing.Vectors;
import dev.trawl.vector.Metric;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Bad input fails with a message naming the problem and leaves the index exactly as it was. */
class InputValidationTest {
  private static final int DIM = 8;
  private VectorIndex index;
  private float[][] data;
  private long[] before;

  @BeforeEach
  void build() {
    index = VectorIndex.builder(DIM, Metric.COSINE).m(8).efConstruction(50).build();
    data = Vectors.clustered(200, DIM, 4, 1);
    for (int i = 0; i < data.length; i++) {
      index.add(i, data[i]);
    }
    before = nearest(data[0]);
  }

  private long[] nearest(float[] query) {
    final SearchResults results = new SearchResults(10);
    index.newSearcher().search(query, 10, 50, results);
    return results.idsCopy();
  }

  private void assertUnchanged() {
    assertThat(index.size()).isEqualTo(200);
    assertThat(nearest(data[0])).containsExactly(before);
  }

  @Test
  void wrongDimensionIsRejectedWithBothDimensions() {
    assertThatThrownBy(() -> index.add(1000, new float[DIM + 1]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("id 1000")
        .hasMessageContaining("dimension 9")
        .hasMessageContaining("index dimension is 8");
    assertUnchanged();
  }

  @Test
  void nanAndInfiniteComponentsAreRejectedWithTheirPosition() {
    final float[] nan = data[1].clone();
    nan[3] = Float.NaN;
    assertThatThrownBy(() -> index.add(1000, nan))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("non-finite component NaN at position 3");
    final float[] inf = data[1].clone();
    inf[5] = Float.NEGATIVE_INFINITY;
    assertThatThrownBy(() -> index.update(1, inf))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("position 5");
    assertUnchanged();
  }

  @Test
  void zeroVectorUnderCosineIsRejected() {
    assertThatThrownBy(() -> index.add(1000, new float[DIM]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("zero vector");
    assertThatThrownBy(() -> index.newSearcher().search(new float[DIM], 5, 10, new SearchResults(5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("query")
        .hasMessageContaining("zero vector");
    assertUnchanged();
  }

  @Test
  void zeroVectorIsAcceptedUnderL2() {
    final VectorIndex l2 = VectorIndex.builder(DIM, Metric.L2).build();
    l2.add(1, new float[DIM]);
    assertThat(l2.contains(1)).isTrue();
  }

  @Test
  void duplicateIdOnAddIsRejectedAndKeepsTheOriginalVector() {
    final float[] stored = new float[DIM];
    index.vector(5, stored);
    assertThatThrownBy(() -> index.add(5, data[9]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("id 5 is already in the index");
    final float[] after = new float[DIM];
    index.vector(5, after);
    assertThat(after).containsExactly(stored);
    assertUnchanged();
  }

  @Test
  void unknownIdOnRemoveAndUpdateIsRejected() {
    assertThatThrownBy(() -> index.remove(777))
        .isInstanceOf(NoSuchElementException.class)
        .hasMessageContaining("cannot remove id 777");
    assertThatThrownBy(() -> index.update(777, data[0]))
        .isInstanceOf(NoSuchElementException.class)
        .hasMessageContaining("cannot update id 777");
    assertUnchanged();
  }

  @Test
  void nonPositiveKAndEfBelowKAreRejected() {
    final Searcher searcher = index.newSearcher();
    final SearchResults results = new SearchResults(5);
    assertThatThrownBy(() -> searcher.search(data[0], 0, 10, results))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("k must be positive, got 0");
    assertThatThrownBy(() -> searcher.search(data[0], 10, 5, results))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ef (5) must be at least k (10)");
    assertThatThrownBy(() -> searcher.searchExact(data[0], -1, results))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void invalidBuilderParametersAreRejected() {
    assertThatThrownBy(() -> VectorIndex.builder(0, Metric.L2))
        .hasMessageContaining("dimension must be positive");
    assertThatThrownBy(() -> VectorIndex.builder(4, Metric.L2).m(1).build())
        .hasMessageContaining("M must be in [2, 512]");
    assertThatThrownBy(() -> VectorIndex.builder(4, Metric.L2).efConstruction(0).build())
        .hasMessageContaining("efConstruction must be positive");
  }

  @Test
  void removedAndUpdatedItemsBehaveAsDocumented() {
    index.remove(0);
    assertThat(index.contains(0)).isFalse();
    assertThat(nearest(data[0])).doesNotContain(0L);
    index.update(1, data[0]);
    final long[] afterUpdate = nearest(data[0]);
    assertThat(afterUpdate[0]).isEqualTo(1L);
    assertThat(afterUpdate).doesNotHaveDuplicates();
    index.upsert(0, data[0]);
    assertThat(nearest(data[0])).contains(0L, 1L).doesNotHaveDuplicates();
    assertThat(index.size()).isEqualTo(200);
  }
}
