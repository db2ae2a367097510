package dev.trawl.index;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.index.HostileFiles.Base;
import dev.trawl.index.SnapshotFormat.Kind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a file can make the loader spend: ids chosen to collide in a hash table do not make loading
 * quadratic, and a file too large for the heap fails with a {@link SnapshotException}, not an {@link
 * OutOfMemoryError}.
 */
class LoaderResourceTest {
  @TempDir Path dir;

  private static final long GOLDEN = 0x9E3779B97F4A7C15L;

  /** The unkeyed hash the id table once used: anyone could compute ids that share its slot. */
  private static int unkeyedHash(long id) {
    long z = id * GOLDEN;
    z ^= z >>> 32;
    return (int) z ^ (int) (z >>> 16);
  }

  /**
   * {@code n} ids with one unkeyed hash: after the multiply and the shift they differ only in bits
   * 48..63, which that hash drops.
   */
  private static long[] collidingIds(int n) {
    long inverse = GOLDEN; // Newton's iteration for the inverse of an odd number modulo 2^64
    for (int i = 0; i < 6; i++) {
      inverse *= 2 - GOLDEN * inverse;
    }
    final long[] ids = new long[n];
    for (int k = 0; k < n; k++) {
      final long mixed = 0x1234_5678_9ABCL | (long) k << 48;
      ids[k] = (mixed ^ (mixed >>> 32)) * inverse;
    }
    return ids;
  }

  @Test
  void idsChosenToCollideDoNotMakeTheIdTableQuadratic() {
    final long[] ids = collidingIds(50_000);
    for (long id : ids) {
      assertThat(unkeyedHash(id)).isEqualTo(unkeyedHash(ids[0])); // the ids are hostile
    }
    final IdTable table = new IdTable(16, 0);
    for (int o = 0; o < ids.length; o++) {
      table.put(ids[o], o, VectorIndex.NO_VERSION);
    }
    // unkeyed, the longest probe would be 49,999 slots and the inserts 1.25e9 probes in all
    assertThat(table.longestProbe()).isLessThan(100);
    for (int o = 0; o < ids.length; o++) {
      assertThat(table.ordinalOf(ids[o])).isEqualTo(o);
    }
  }

  /**
   * A valid file of {@code n} ordinals of dimension 64, none published: loading it needs about its
   * size in heap.
   */
  private static byte[] unpublishedOrdinals(int n) {
    final SnapshotBytes s = Base.EMPTY.edit();
    final int d = 64;
    s.headerInt(SnapshotFormat.AT_DIMENSION, d).headerInt(SnapshotFormat.AT_ORDINALS, n);
    final ByteBuffer levels = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
    for (int o = 0; o < n; o++) {
      levels.putInt(-1);
    }
    final byte[] tombstones = new byte[8 * ((n + 63) / 64)];
    Arrays.fill(tombstones, (byte) 0xFF);
    final int tail = n % 64;
    if (tail != 0) {
      ByteBuffer.wrap(tombstones).order(ByteOrder.LITTLE_ENDIAN).putLong(tombstones.length - 8, (1L << tail) - 1);
    }
    return s.content(Kind.VECTORS, new byte[4 * d * n])
        .content(Kind.NODE_LEVELS, levels.array())
        .content(Kind.LINKS_LEVEL0, new byte[4 * (1 + 2 * s.m()) * n])
        .content(Kind.IDS, new byte[8 * n])
        .content(Kind.TOMBSTONES, tombstones)
        .build();
  }

  private String loadInJvm(Path file, String heap) throws IOException, InterruptedException {
    final Process process =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                heap,
                "-cp",
                System.getProperty("java.class.path"),
                LoadInSmallHeap.class.getName(),
                file.toString())
            .redirectError(ProcessBuilder.Redirect.DISCARD) // the kernel choice is logged there
            .start();
    final byte[] output = process.getInputStream().readAllBytes();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new String(output, StandardCharsets.UTF_8).trim();
  }

  @Test
  void aFileTooLargeForTheHeapFailsWithASnapshotException() throws Exception {
    final Path file = Files.write(dir.resolve("large.trawl"), unpublishedOrdinals(100_000));
    assertThat(Files.size(file)).isGreaterThan(28_000_000L);
    assertThat(loadInJvm(file, "-Xmx24m"))
        .startsWith(SnapshotException.class.getName() + ": " + file + ": the heap cannot hold this snapshot")
        .contains("100000 ordinals of dimension 64");
    // the control: the same file loads with enough heap
    assertThat(loadInJvm(file, "-Xmx256m")).isEqualTo("loaded 0");
  }
}
