package dev.trawl.index;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.vector.Metric;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Shared by the hostile snapshot tests: the valid files they start from (built once per JVM) and a
 * way to load edited bytes. Thread-safe (the cache is concurrent); test code only.
 */
final class HostileFiles {
  private HostileFiles() {}

  /** The valid snapshots the edits start from. */
  enum Base {
    /** {@link SampleSnapshots#graph} under L2: upper levels, tombstoned and unpublished ordinals. */
    GRAPH(() -> SampleSnapshots.graph(Metric.L2), SourcePositions.NONE),
    /** The same under cosine (stored vectors of unit norm). */
    COSINE(() -> SampleSnapshots.graph(Metric.COSINE), SourcePositions.NONE),
    /** {@link SampleSnapshots#full}: every optional section. */
    FULL(SampleSnapshots::full, SampleSnapshots.positions()),
    /** No items. */
    EMPTY(SampleSnapshots::empty, SourcePositions.NONE);

    private final Supplier<VectorIndex> index;
    private final SourcePositions positions;

    Base(Supplier<VectorIndex> index, SourcePositions positions) {
      this.index = index;
      this.positions = positions;
    }

    /** A fresh, editable copy of this base. */
    SnapshotBytes edit() {
      return SnapshotBytes.parseValid(bytes());
    }

    byte[] bytes() {
      return CACHE.computeIfAbsent(this, b -> write(b.index.get(), b.positions)).clone();
    }
  }

  private static final Map<Base, byte[]> CACHE = new ConcurrentHashMap<>();

  /** The bytes of a snapshot of {@code index}, written through a temporary directory. */
  static byte[] write(VectorIndex index, SourcePositions positions) {
    try {
      final Path dir = Files.createTempDirectory("trawl-hostile");
      try {
        return SampleSnapshots.bytes(index, positions, dir);
      } finally {
        Files.delete(dir);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int files;

  /** Writes {@code bytes} to a new file in {@code dir} and loads it: the failure, or null. */
  static Throwable load(Path dir, byte[] bytes) {
    try {
      final Path file = Files.write(dir.resolve("hostile-" + files++ + ".trawl"), bytes);
      try {
        IndexSnapshot.load(file);
        return null;
      } catch (Throwable t) {
        return t;
      } finally {
        Files.delete(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Asserts that {@code bytes}, whose checksums are all correct, fail to load with a {@link
   * SnapshotException} whose message contains every fragment (the section and the broken rule).
   */
  static void assertRefused(Path dir, byte[] bytes, String... fragments) {
    assertThat(SnapshotBytes.fixChecksums(bytes.clone()))
        .as("the hostile file's checksums are already correct")
        .isEqualTo(bytes);
    final Throwable failure = load(dir, bytes);
    assertThat(failure).isInstanceOf(SnapshotException.class);
    for (String fragment : fragments) {
      assertThat(failure.getMessage()).contains(fragment);
    }
  }
}
