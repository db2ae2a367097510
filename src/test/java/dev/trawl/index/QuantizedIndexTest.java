package dev.trawl.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trawl.testing.Vectors;
import dev.trawl.vector.Metric;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Writes, removals, concurrency and bad input on an int7-quantized index. */
class QuantizedIndexTest {
  private static final int DIM = 24;

  private static VectorIndex quantized(float[][] sample) {
    return VectorIndex.builder(DIM, Metric.COSINE).m(12).efConstruction(64).seed(3)
        .quantizeInt8(sample).build();
  }

  /** The id nearest to {@code v} (k = 1, ef = 64). */
  private static long nearest(VectorIndex index, float[] v) {
    final SearchResults results = new SearchResults(1);
    index.newSearcher().search(v, 1, 64, results);
    return results.size() == 0 ? -1 : results.id(0);
  }

  @Test
  void updatedAndRemovedItemsAreFoundByTheirNewVectorsOnly() {
    final float[][] data = Vectors.clustered(2_000, DIM, 10, 5);
    final VectorIndex index = quantized(data);
    for (int i = 0; i < 1_000; i++) {
      index.add(i, data[i]);
    }
    for (int i = 0; i < 100; i++) {
      index.update(i, data[1_000 + i]); // ids 0..99 move to unused vectors
    }
    for (int i = 100; i < 200; i++) {
      index.remove(i);
    }
    int found = 0;
    for (int i = 0; i < 100; i++) {
      found += nearest(index, data[1_000 + i]) == i ? 1 : 0;
      assertThat(nearest(index, data[i])).isNotEqualTo(i); // the old vector no longer leads to it
    }
    assertThat(found).isGreaterThanOrEqualTo(98);
    for (int i = 100; i < 200; i++) {
      assertThat(index.contains(i)).isFalse();
      assertThat(nearest(index, data[i])).isNotEqualTo(i);
    }
    assertThat(index.size()).isEqualTo(900);
    index.repair(); // re-links around the removed and replaced items, by code distances
    int afterRepair = 0;
    for (int i = 200; i < 1_000; i++) {
      afterRepair += nearest(index, data[i]) == i ? 1 : 0;
    }
    assertThat(afterRepair).isGreaterThanOrEqualTo(790);
  }

  @Test
  void concurrentWritersAndASearcherLeaveEveryItemFindableByItsVector() throws Exception {
    final float[][] data = Vectors.clustered(4_000, DIM, 20, 8);
    final VectorIndex index = quantized(data);
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    final List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 2; t++) {
      final int first = t;
      threads.add(new Thread(() -> {
        try {
          for (int i = first; i < data.length; i += 2) {
            index.upsert(i, data[i]);
          }
          for (int i = first; i < 400; i += 2) {
            index.upsert(i, data[i]); // rewrite: retires and replaces the ordinal
          }
        } catch (Throwable e) {
          failure.compareAndSet(null, e);
        }
      }));
    }
    threads.add(new Thread(() -> {
      final Searcher searcher = index.newSearcher();
      final SearchResults results = new SearchResults(10);
      try {
        for (int q = 0; q < 2_000; q++) {
          searcher.search(data[q % data.length], 10, 40, results);
        }
      } catch (Throwable e) {
        failure.compareAndSet(null, e);
      }
    }));
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      t.join();
    }
    assertThat(failure.get()).isNull();
    assertThat(index.size()).isEqualTo(data.length);
    int found = 0;
    for (int i = 0; i < data.length; i++) {
      found += nearest(index, data[i]) == i ? 1 : 0;
    }
    final VectorIndex floats = VectorIndex.builder(DIM, Metric.COSINE).m(12).efConstruction(64)
        .seed(3).build();
    int foundByFloats = 0;
    for (int i = 0; i < data.length; i++) {
      floats.add(i, data[i]);
    }
    for (int i = 0; i < data.length; i++) {
      foundByFloats += nearest(floats, data[i]) == i ? 1 : 0;
    }
    // quantization may cost an item its own nearest spot only where the float index also struggles
    assertThat(found).isGreaterThanOrEqualTo(foundByFloats - data.length / 500);
  }

  @Test
  void badInputFailsClearlyAndChangesNothing() {
    final float[][] data = Vectors.clustered(50, DIM, 2, 1);
    final VectorIndex index = quantized(data);
    index.add(1, data[0]);
    final float[] nan = data[1].clone();
    nan[3] = Float.NaN;
    assertThatThrownBy(() -> index.add(2, nan)).isInstanceOf(IllegalArgumentException.class);
    assertThat(index.size()).isEqualTo(1);
    assertThatThrownBy(() -> VectorIndex.builder(DIM, Metric.L2).quantizeInt8(1f, 0f))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lo < hi");
    assertThatThrownBy(() -> VectorIndex.builder(DIM, Metric.L2).quantizeInt8(new float[0][]).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("non-empty");
  }

  @Test
  void snapshotRoundTripKeepsTheCodesAndTheResults(@TempDir Path dir) throws Exception {
    final float[][] data = Vectors.clustered(500, DIM, 5, 6);
    final VectorIndex index = quantized(data);
    for (int i = 0; i < data.length; i++) {
      index.add(i, data[i]);
    }
    final Path file = dir.resolve("q.snap");
    IndexSnapshot.write(index, file);
    final VectorIndex loaded = IndexSnapshot.load(file);
    assertThat(loaded.quantized()).isTrue();
    assertThat(loaded.kernels()).isEqualTo(index.kernels());
    final SearchResults a = new SearchResults(10);
    final SearchResults b = new SearchResults(10);
    for (int q = 0; q < 50; q++) {
      index.newSearcher().search(data[q], 10, 64, a);
      loaded.newSearcher().search(data[q], 10, 64, b);
      assertThat(b.idsCopy()).containsExactly(a.idsCopy());
    }
  }

  @Test
  void vectorReturnsTheDecodedCodesWithinHalfAStep() {
    final float[][] data = Vectors.clustered(20, DIM, 2, 4);
    final VectorIndex index =
        VectorIndex.builder(DIM, Metric.L2).quantizeInt8(-2f, 2f).build();
    index.add(7, data[0]);
    final float[] out = new float[DIM];
    index.vector(7, out);
    for (int i = 0; i < DIM; i++) {
      final float clamped = Math.max(-2f, Math.min(2f, data[0][i]));
      assertThat(Math.abs(out[i] - clamped)).isLessThanOrEqualTo(2f / 127 + 1e-6f);
    }
  }
}
