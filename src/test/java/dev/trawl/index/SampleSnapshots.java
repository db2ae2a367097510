package dev.trawl.index;

import dev.trawl.filter.ItemAttributes;
import dev.trawl.testing.Vectors;
import dev.trawl.vector.Metric;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Small valid snapshots, built the same way on every run (one thread, fixed seeds), for the hostile
 * file tests and as the fuzzer's seeds. Stateless; test code only.
 */
final class SampleSnapshots {
  private SampleSnapshots() {}

  /**
   * 48 items of dimension 4 under {@code metric}, M = 3: removals and updates, then a repair, so the
   * file has upper levels, tombstoned ordinals and freed (unpublished) ones.
   */
  static VectorIndex graph(Metric metric) {
    final int n = 48;
    final float[][] vectors = Vectors.clustered(n, 4, 6, 17);
    final VectorIndex index =
        VectorIndex.builder(4, metric).m(3).efConstruction(20).seed(5).repairThreshold(1.0).build();
    for (int i = 0; i < n; i++) {
      index.add(1000L + i, vectors[i]);
    }
    for (int i = 0; i < n; i += 7) {
      index.remove(1000L + i);
    }
    final float[][] replacements = Vectors.clustered(n, 4, 6, 18);
    for (int i = 3; i < n; i += 11) {
      if (index.contains(1000L + i)) {
        index.update(1000L + i, replacements[i]);
      }
    }
    index.repair();
    for (int i = 1; i < n; i += 9) {
      if (index.contains(1000L + i)) {
        index.remove(1000L + i); // tombstoned after the repair: deleted but still published
      }
    }
    return index;
  }

  /**
   * 40 items under cosine with every optional section: attributes (authors, communities, languages,
   * two flags), versions, remembered removals and stream positions.
   */
  static VectorIndex full() {
    final int n = 40;
    final float[][] vectors = Vectors.clustered(n, 4, 5, 23);
    final VectorIndex index =
        VectorIndex.builder(4, Metric.COSINE).m(3).efConstruction(20).seed(7).repairThreshold(1.0).build();
    final ItemAttributes attributes = new ItemAttributes();
    for (int i = 0; i < n; i++) {
      attributes.clear();
      attributes.author(i % 5);
      if (i % 3 != 0) {
        attributes.community(100 + i % 3);
      }
      attributes.language(i % 2 == 0 ? 7 : 9);
      if (i % 2 == 0) {
        attributes.flag(0);
      }
      if (i % 7 == 0) {
        attributes.flag(5);
      }
      index.upsert(2000L + i, 10 + i, vectors[i], attributes);
    }
    for (int i = 0; i < n; i += 6) {
      index.remove(2000L + i, 100 + i);
    }
    index.remove(99_999L, 5); // a removal of an id that was never live: remembered
    return index;
  }

  static SourcePositions positions() {
    return SourcePositions.builder().put("events", 0, 1_234L).put("events", 3, 99L).put("users", 1, 7L).build();
  }

  static VectorIndex empty() {
    return VectorIndex.builder(4, Metric.L2).m(3).efConstruction(20).build();
  }

  /** The bytes of a snapshot of {@code index} (with {@code positions}), written through {@code dir}. */
  static byte[] bytes(VectorIndex index, SourcePositions positions, Path dir) {
    try {
      final Path file = Files.createTempFile(dir, "sample", ".trawl");
      IndexSnapshot.write(index, file, positions);
      final byte[] bytes = Files.readAllBytes(file);
      Files.delete(file);
      return bytes;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
