package dev.trawl.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.trawl.testing.Vectors;
import dev.trawl.vector.Metric;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class IndexSnapshotTest {
  @TempDir Path dir;

  /** An index with removals and updates, built on one thread so it is the same on every run. */
  private static VectorIndex sampleIndex(Metric metric, int n, int dim, int m) {
    final float[][] vectors = Vectors.clustered(n, dim, 8, 17);
    // no background repair: it would race the snapshot; the explicit repair below covers repaired graphs
    final VectorIndex index =
        VectorIndex.builder(dim, metric).m(m).efConstruction(40).seed(5).repairThreshold(1.0).build();
    for (int i = 0; i < n; i++) {
      index.add(1000L + i, vectors[i]);
    }
    for (int i = 0; i < n; i += 7) {
      index.remove(1000L + i);
    }
    final float[][] replacements = Vectors.clustered(n, dim, 8, 18);
    for (int i = 3; i < n; i += 11) {
      if (index.contains(1000L + i)) {
        index.update(1000L + i, replacements[i]);
      }
    }
    // waits for any background repair the removals started, then repairs the rest, so the graph is
    // settled before it is snapshotted
    index.repair();
    return index;
  }

  private static void assertSameResults(
      VectorIndex expected, VectorIndex actual, float[][] queries) {
    final Searcher a = expected.newSearcher();
    final Searcher b = actual.newSearcher();
    final SearchResults ra = new SearchResults(10);
    final SearchResults rb = new SearchResults(10);
    for (float[] q : queries) {
      assertThat(b.search(q, 10, 32, rb)).isEqualTo(a.search(q, 10, 32, ra));
      assertThat(b.visitedCount()).isEqualTo(a.visitedCount());
      for (int i = 0; i < ra.size(); i++) {
        assertThat(rb.id(i)).isEqualTo(ra.id(i));
        assertThat(Float.floatToRawIntBits(rb.distance(i)))
            .isEqualTo(Float.floatToRawIntBits(ra.distance(i)));
        assertThat(rb.ordinal(i)).isEqualTo(ra.ordinal(i));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Metric.class)
  void roundTripReturnsTheSameResultsBitForBitAndAcceptsWritesAgain(Metric metric)
      throws IOException {
    final VectorIndex original = sampleIndex(metric, 3000, 12, 8);
    final Path file = dir.resolve("index.trawl");
    final SnapshotInfo written = IndexSnapshot.write(original, file);
    final VectorIndex loaded = IndexSnapshot.load(file);

    assertThat(loaded.size()).isEqualTo(original.size());
    assertThat(loaded.metric()).isEqualTo(metric);
    assertThat(loaded.graph().size()).isEqualTo(original.graph().size());
    assertThat(loaded.graph().entryNode()).isEqualTo(original.graph().entryNode());
    assertThat(written.liveItems()).isEqualTo(original.size());
    final float[] a = new float[12];
    final float[] b = new float[12];
    for (long id = 1000; id < 4000; id++) {
      assertThat(loaded.contains(id)).isEqualTo(original.contains(id));
      if (original.contains(id)) {
        original.vector(id, a);
        loaded.vector(id, b);
        assertThat(b).isEqualTo(a);
      }
    }
    final float[][] queries = Vectors.clustered(100, 12, 8, 99);
    assertSameResults(original, loaded, queries);

    // the same writes, in the same order, keep the two identical
    final float[][] more = Vectors.clustered(500, 12, 8, 23);
    for (int i = 0; i < more.length; i++) {
      original.add(5000L + i, more[i]);
      loaded.add(5000L + i, more[i]);
    }
    original.remove(1001L);
    loaded.remove(1001L);
    original.update(1002L, more[0]);
    loaded.update(1002L, more[0]);
    assertSameResults(original, loaded, queries);
  }

  @Test
  void infoDescribesTheIndex() throws IOException {
    final VectorIndex index = sampleIndex(Metric.COSINE, 500, 6, 6);
    final Path file = dir.resolve("i.trawl");
    final SnapshotInfo written = IndexSnapshot.write(index, file);
    final SnapshotInfo read = IndexSnapshot.readInfo(file);
    assertThat(read).isEqualTo(written);
    assertThat(read.formatVersion()).isEqualTo(IndexSnapshot.FORMAT_VERSION);
    assertThat(read.metric()).isEqualTo(Metric.COSINE);
    assertThat(read.dimension()).isEqualTo(6);
    assertThat(read.m()).isEqualTo(6);
    assertThat(read.efConstruction()).isEqualTo(40);
    assertThat(read.seed()).isEqualTo(5);
    assertThat(read.ordinals()).isEqualTo(index.graph().size());
    int published = 0; // freed ordinals (reused removed slots) are not published
    for (int o = 0; o < index.graph().size(); o++) {
      published += index.graph().isPublished(o) ? 1 : 0;
    }
    assertThat(read.published()).isEqualTo(published);
    assertThat(read.liveItems()).isEqualTo(index.size());
    assertThat(read.topLevel()).isEqualTo(index.graph().topLevel());
    assertThat(read.fileBytes()).isEqualTo(Files.size(file));
    assertThat(read.sections())
        .extracting(SnapshotInfo.Section::name)
        .containsExactly(
            "VECTORS", "NODE_LEVELS", "LINKS_LEVEL0", "LINKS_UPPER", "IDS", "TOMBSTONES");
  }

  @Test
  void emptyIndexRoundTripsAndGrows() throws IOException {
    final Path file = dir.resolve("empty.trawl");
    IndexSnapshot.write(VectorIndex.builder(3, Metric.L2).build(), file);
    final VectorIndex loaded = IndexSnapshot.load(file);
    assertThat(loaded.size()).isZero();
    assertThat(loaded.newSearcher().search(new float[] {1, 2, 3}, 1, 1, new SearchResults(1)))
        .isZero();
    loaded.add(7, new float[] {1, 2, 3});
    final SearchResults results = new SearchResults(1);
    assertThat(loaded.newSearcher().search(new float[] {1, 2, 3}, 1, 1, results)).isEqualTo(1);
    assertThat(results.id(0)).isEqualTo(7);
  }

  @Test
  void rewritingReplacesTheFileAndLeavesNoTemporaryFiles() throws IOException {
    final Path file = dir.resolve("r.trawl");
    IndexSnapshot.write(sampleIndex(Metric.L2, 100, 4, 4), file);
    final VectorIndex second = sampleIndex(Metric.L2, 300, 4, 4);
    IndexSnapshot.write(second, file);
    assertThat(IndexSnapshot.load(file).size()).isEqualTo(second.size());
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).containsExactly(file);
    }
  }

  @Test
  void writingIntoAMissingDirectoryFailsAndCreatesNothing() {
    final Path file = dir.resolve("absent").resolve("x.trawl");
    assertThatThrownBy(() -> IndexSnapshot.write(sampleIndex(Metric.L2, 10, 4, 4), file))
        .isInstanceOf(IOException.class);
    assertThat(Files.exists(file.getParent())).isFalse();
  }

  // ---------------------------------------------------------------- damaged files

  private byte[] tinySnapshot() throws IOException {
    final Path file = dir.resolve("tiny.trawl");
    IndexSnapshot.write(sampleIndex(Metric.L2, 40, 3, 3), file);
    return Files.readAllBytes(file);
  }

  private int damaged;

  /**
   * Loads {@code bytes} from a new file. (A new file each time: overwriting one with a shorter
   * content makes ext4 flush it to disk, which costs milliseconds.)
   */
  private Throwable loadBytes(byte[] bytes) throws IOException {
    final Path file = Files.write(dir.resolve("damaged-" + damaged++ + ".trawl"), bytes);
    try {
      return catchThrowable(() -> IndexSnapshot.load(file));
    } finally {
      Files.delete(file);
    }
  }

  @Test
  void everySingleByteCorruptionIsDetected() throws IOException {
    final byte[] good = tinySnapshot();
    assertThat(loadBytes(good)).isNull();
    for (int position = 0; position < good.length; position++) {
      for (int flip : new int[] {0x01, 0x80, 0xFF}) {
        final byte[] bad = good.clone();
        bad[position] ^= (byte) flip;
        assertThat(loadBytes(bad))
            .as("byte %d of %d xor 0x%02x", position, good.length, flip)
            .isInstanceOf(SnapshotException.class)
            .hasMessageContaining(".trawl: ");
      }
    }
  }

  @Test
  void corruptionInsideASectionNamesTheSection() throws IOException {
    final Path file = dir.resolve("named.trawl");
    final SnapshotInfo info = IndexSnapshot.write(sampleIndex(Metric.L2, 40, 3, 3), file);
    final byte[] good = Files.readAllBytes(file);
    for (SnapshotInfo.Section section : info.sections()) {
      final byte[] bad = good.clone();
      bad[(int) (section.offset() + section.length() / 2)] ^= 0x10;
      assertThat(loadBytes(bad))
          .isInstanceOf(SnapshotException.class)
          .hasMessageContaining("section " + section.name() + " checksum mismatch")
          .hasMessageContaining("the file is corrupt");
    }
  }

  @Test
  void truncationAtEveryByteIsDetected() throws IOException {
    final byte[] good = tinySnapshot();
    for (int length = 0; length < good.length; length++) {
      assertThat(loadBytes(Arrays.copyOf(good, length)))
          .as("truncated to %d of %d bytes", length, good.length)
          .isInstanceOf(SnapshotException.class);
    }
  }

  @Test
  void truncationAtEverySectionBoundaryNamesTheSection() throws IOException {
    final Path file = dir.resolve("big.trawl");
    final SnapshotInfo info = IndexSnapshot.write(sampleIndex(Metric.L2, 2500, 8, 6), file);
    final byte[] good = Files.readAllBytes(file);
    for (SnapshotInfo.Section section : info.sections()) {
      for (long cut :
          new long[] {
            section.offset(), section.offset() + 1, section.offset() + section.length() - 1
          }) {
        if (cut >= good.length || section.length() == 0) {
          continue;
        }
        assertThat(loadBytes(Arrays.copyOf(good, (int) cut)))
            .as("cut at %d inside %s", cut, section.name())
            .isInstanceOf(SnapshotException.class)
            .hasMessageContaining("truncated");
      }
    }
  }

  /** Rewrites an int in the header and fixes the header checksum, as another writer would. */
  private static byte[] withHeaderInt(byte[] good, int at, int value) {
    final ByteBuffer buf = ByteBuffer.wrap(good.clone()).order(ByteOrder.LITTLE_ENDIAN);
    buf.putInt(at, value);
    final int headerLength = buf.getInt(SnapshotFormat.AT_HEADER_LENGTH);
    final CRC32C crc = new CRC32C();
    crc.update(buf.array(), 0, headerLength - 4);
    buf.putInt(headerLength - 4, (int) crc.getValue());
    return buf.array();
  }

  @Test
  void newerFormatVersionIsRefusedByName() throws IOException {
    final byte[] newer = withHeaderInt(tinySnapshot(), SnapshotFormat.AT_VERSION, 2);
    assertThat(loadBytes(newer))
        .isInstanceOf(SnapshotException.class)
        .hasMessageContaining("format version 2 is not supported; this build reads version 1");
  }

  @Test
  void bigEndianFileIsRefusedByName() throws IOException {
    final byte[] swapped =
        withHeaderInt(
            tinySnapshot(),
            SnapshotFormat.AT_BYTE_ORDER,
            Integer.reverseBytes(SnapshotFormat.BYTE_ORDER_MARK));
    assertThat(loadBytes(swapped))
        .isInstanceOf(SnapshotException.class)
        .hasMessageContaining("big-endian");
  }

  @Test
  void unknownRequiredSectionIsRefusedByName() throws IOException {
    final byte[] good = tinySnapshot();
    final int tombstones = SnapshotFormat.FIXED_HEADER + 5 * SnapshotFormat.TABLE_ENTRY;
    assertThat(loadBytes(withHeaderInt(good, tombstones, 99)))
        .isInstanceOf(SnapshotException.class)
        .hasMessageContaining("section kind-99 is required but unknown to this reader");
  }

  /**
   * Adds a seventh section of an unknown kind, {@code flags} and {@code payload} to a valid file,
   * as a newer writer would (the first section starts at 320, leaving room for one more table
   * entry).
   */
  private byte[] withExtraSection(byte[] good, int flags, byte[] payload) {
    final int sections = 7;
    final int headerLength = SnapshotFormat.headerLength(sections);
    final long offset = SnapshotFormat.align(good.length);
    final ByteBuffer out =
        ByteBuffer.allocate((int) offset + payload.length).order(ByteOrder.LITTLE_ENDIAN);
    out.put(good);
    out.position((int) offset);
    out.put(payload);
    final ByteBuffer table = ByteBuffer.wrap(good).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(table.getLong(SnapshotFormat.FIXED_HEADER + 8)).isGreaterThanOrEqualTo(headerLength);
    for (int i = SnapshotFormat.headerLength(6) - 4; i < headerLength; i++) {
      out.put(i, (byte) 0);
    }
    out.putInt(SnapshotFormat.AT_SECTION_COUNT, sections);
    out.putInt(SnapshotFormat.AT_HEADER_LENGTH, headerLength);
    final int at = SnapshotFormat.FIXED_HEADER + 6 * SnapshotFormat.TABLE_ENTRY;
    final CRC32C crc = new CRC32C();
    crc.update(payload);
    out.putInt(at, 40)
        .putInt(at + 4, flags)
        .putLong(at + 8, offset)
        .putLong(at + 16, payload.length);
    out.putInt(at + 24, (int) crc.getValue()).putInt(at + 28, 0);
    crc.reset();
    crc.update(out.array(), 0, headerLength - 4);
    out.putInt(headerLength - 4, (int) crc.getValue());
    return out.array();
  }

  @Test
  void unknownOptionalSectionIsCheckedAndSkipped() throws IOException {
    final byte[] good = tinySnapshot();
    final byte[] payload =
        "attributes of a newer writer".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    final byte[] extended = withExtraSection(good, 0, payload);
    assertThat(loadBytes(extended)).isNull();
    final Path file = Files.write(dir.resolve("extended.trawl"), extended);
    assertThat(IndexSnapshot.readInfo(file).sections())
        .last()
        .extracting(SnapshotInfo.Section::name)
        .isEqualTo("kind-40");
    assertThat(IndexSnapshot.load(file).size())
        .isEqualTo(IndexSnapshot.load(dir.resolve("tiny.trawl")).size());

    final byte[] corrupt = extended.clone();
    corrupt[corrupt.length - 1] ^= 1;
    assertThat(loadBytes(corrupt))
        .isInstanceOf(SnapshotException.class)
        .hasMessageContaining("section kind-40 checksum mismatch");
    assertThat(loadBytes(withExtraSection(good, SnapshotFormat.FLAG_REQUIRED, payload)))
        .isInstanceOf(SnapshotException.class)
        .hasMessageContaining("section kind-40 is required but unknown to this reader");
  }

  @Test
  void otherFilesAreNotSnapshots() throws IOException {
    assertThat(
            loadBytes("just text, not an index".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
        .isInstanceOf(SnapshotException.class)
        .hasMessageContaining("not a Trawl snapshot");
    assertThatThrownBy(() -> IndexSnapshot.load(dir.resolve("missing.trawl")))
        .isInstanceOf(NoSuchFileException.class);
    assertThatThrownBy(() -> IndexSnapshot.load(dir))
        .isInstanceOf(SnapshotException.class)
        .hasMessageContaining("not a regular file");
  }
}
