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
  void kAndEfOutsideTheirBoundsAreRejected() {
    final Searcher searcher = index.newSearcher();
    final SearchResults results = new SearchResults(5);
    assertThatThrownBy(() -> searcher.search(data[0], 0, 10, results))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("k must be in [1, 1048576], got 0");
    assertThatThrownBy(() -> searcher.search(data[0], 10, 5, results))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ef must be in [k, 1048576] (k = 10), got 5");
    assertThatThrownBy(() -> searcher.searchExact(data[0], -1, results))
        .isInstanceOf(IllegalArgumentException.class);
    // a huge k or ef fails with a clear error, not an OutOfMemoryError while sizing the heaps
    assertThatThrownBy(() -> searcher.search(data[0], 1 << 30, 1 << 30, results))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("k must be in [1, 1048576], got 1073741824");
    assertThatThrownBy(() -> searcher.searchExact(data[0], 1 << 30, results))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> searcher.search(data[0], 10, Integer.MAX_VALUE, results))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ef must be in [k, 1048576]");
    assertUnchanged();
  }

  @Test
  void invalidBuilderParametersAreRejected() {
    assertThatThrownBy(() -> VectorIndex.builder(0, Metric.L2))
        .hasMessageContaining("dimension must be in [1, 65536]");
    assertThatThrownBy(() -> VectorIndex.builder(4, Metric.L2).m(1).build())
        .hasMessageContaining("M must be in [2, 512]");
    assertThatThrownBy(() -> VectorIndex.builder(4, Metric.L2).efConstruction(0).build())
        .hasMessageContaining("efConstruction must be in [1, 65536]");
    assertThatThrownBy(() -> VectorIndex.builder(4, Metric.L2).efConstruction(65_537).build())
        .hasMessageContaining("efConstruction must be in [1, 65536]");
    assertThatThrownBy(() -> VectorIndex.builder(4, Metric.L2).m(513).build())
        .hasMessageContaining("M must be in [2, 512]");
    assertThatThrownBy(() -> VectorIndex.builder(65_537, Metric.L2))
        .hasMessageContaining("dimension must be in [1, 65536]");
    assertThat(VectorIndex.builder(65_536, Metric.L2).m(512).efConstruction(65_536).build().dimension())
        .isEqualTo(65_536);
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

  @Test
  void hugeComponentsWhoseDistancesWouldOverflowAreRejected() {
    final float[] huge = data[3].clone();
    huge[0] = 1e20f; // finite, but its square (1e40) overflows float
    assertThatThrownBy(() -> index.add(500, huge))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("squared norm");
    assertThatThrownBy(() -> index.newSearcher().search(huge, 10, 50, new SearchResults(10)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("squared norm");
    assertUnchanged();
    final float[] large = data[3].clone();
    large[0] = 1e18f; // squared norm 1e36: accepted
    index.add(500, large);
    assertThat(index.contains(500)).isTrue();
  }

  @Test
  void extremeIdsAreOrdinaryIds() throws Exception {
    final long[] ids = {Long.MIN_VALUE, Long.MAX_VALUE, -1L, 0L - 1_000, Long.MIN_VALUE + 1};
    final VectorIndex extreme = VectorIndex.builder(DIM, Metric.L2).build();
    for (int i = 0; i < ids.length; i++) {
      extreme.add(ids[i], data[i]);
    }
    assertThat(extreme.size()).isEqualTo(ids.length);
    final SearchResults results = new SearchResults(1);
    for (int i = 0; i < ids.length; i++) {
      assertThat(extreme.contains(ids[i])).isTrue();
      extreme.newSearcher().search(data[i], 1, 16, results);
      assertThat(results.id(0)).isEqualTo(ids[i]);
    }
    assertThat(extreme.upsert(Long.MIN_VALUE, 5, data[9], null)).isEqualTo(WriteOutcome.APPLIED);
    assertThat(extreme.remove(Long.MAX_VALUE, 1)).isEqualTo(WriteOutcome.APPLIED);
    final java.nio.file.Path file = java.nio.file.Files.createTempFile("extreme", ".idx");
    try {
      IndexSnapshot.write(extreme, file);
      final VectorIndex loaded = IndexSnapshot.load(file);
      assertThat(loaded.contains(Long.MIN_VALUE)).isTrue();
      assertThat(loaded.version(Long.MIN_VALUE)).isEqualTo(5);
      assertThat(loaded.contains(Long.MAX_VALUE)).isFalse();
      assertThat(loaded.version(Long.MAX_VALUE)).isEqualTo(1);
      assertThat(loaded.contains(-1L)).isTrue();
    } finally {
      java.nio.file.Files.deleteIfExists(file);
    }
  }

  @Test
  void anAttributeValueEqualToTheUnsetSentinelIsRejected() {
    final dev.trawl.filter.ItemAttributes attrs = new dev.trawl.filter.ItemAttributes().author(7);
    assertThatThrownBy(() -> attrs.author(dev.trawl.filter.ItemAttributes.NONE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("NONE");
    assertThatThrownBy(() -> attrs.community(dev.trawl.filter.ItemAttributes.NONE))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> attrs.language(dev.trawl.filter.ItemAttributes.NONE))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(attrs.author()).isEqualTo(7); // unchanged
  }
}
