package dev.trawl.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.trawl.filter.AttributeSchema;
import dev.trawl.filter.ItemAttributes;
import dev.trawl.index.SnapshotFormat.Kind;
import dev.trawl.vector.Metric;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The snapshot format does not move by a byte: two seeded indexes, built the same way on every run,
 * are written and compared with the files recorded in {@code src/test/resources/snapshot-golden},
 * and each recorded file, loaded and written again, gives back the same header fields and sections
 * (so the reader restores exactly what the writer wrote; the loader only drops remembered removals
 * that went stale when their id was written again). Together they cover every section kind: float vectors and int7
 * codes (dimension 6: two padding bytes in the last code int), level-0 links over two pages of 1,024
 * nodes, upper levels, tombstones of removed and replaced items, reused ordinals and freed
 * (unpublished) ones, a host attribute schema with values and bitmaps, versions and remembered
 * removals, and stream positions.
 *
 * <p>The float index has dimension 3, below the narrowest SIMD species, so its distances are summed
 * in the same order on every machine and the graph built is the same everywhere. After a deliberate
 * format change, rewrite the files with {@code mvn test -Dtest=SnapshotGoldenBytesTest
 * -Dtrawl.golden.write=src/test/resources/snapshot-golden}.
 */
class SnapshotGoldenBytesTest {
  private static final AttributeSchema SHOP =
      AttributeSchema.builder().keyed("brand").keyed("seller").flag("in_stock").flag("on_sale").build();

  @TempDir Path dir;

  /**
   * 1,300 items of dimension 3 under cosine, M = 4, a host schema, versioned writes: removals and
   * updates, a repair that frees their ordinals, more items that reuse some of them, then removals
   * after the last repair (tombstoned but still published).
   */
  static VectorIndex floatIndex() {
    final VectorIndex index =
        VectorIndex.builder(3, Metric.COSINE)
            .m(4)
            .efConstruction(24)
            .seed(11)
            .repairThreshold(Double.POSITIVE_INFINITY)
            .reuseOrdinals(true)
            .attributes(SHOP)
            .build();
    final SplittableRandom random = new SplittableRandom(31);
    final ItemAttributes attributes = new ItemAttributes(SHOP);
    final int n = 1_300;
    for (int i = 0; i < n; i++) {
      index.upsert(10_000L + i, 1, vector(random, 3), shop(i, attributes));
    }
    for (int i = 0; i < n; i += 5) {
      index.remove(10_000L + i, 2);
    }
    for (int i = 2; i < n; i += 13) {
      index.upsert(10_000L + i, 3, vector(random, 3), shop(i + 1, attributes));
    }
    index.repair();
    index.repair(); // the second pass frees what the first unlinked
    for (int i = 0; i < 120; i++) {
      index.upsert(20_000L + i, 4, vector(random, 3), shop(i, attributes));
    }
    for (int i = 1; i < n; i += 17) {
      index.remove(10_000L + i, 5);
    }
    return index;
  }

  /**
   * 1,100 items of dimension 6 under L2, stored as int7 codes over [-1, 1], feed attributes and no
   * versions: removals and a repair.
   */
  static VectorIndex quantizedIndex() {
    final VectorIndex index =
        VectorIndex.builder(6, Metric.L2)
            .m(3)
            .efConstruction(16)
            .seed(3)
            .repairThreshold(Double.POSITIVE_INFINITY)
            .reuseOrdinals(false)
            .quantizeInt8(-1f, 1f)
            .build();
    final SplittableRandom random = new SplittableRandom(41);
    final ItemAttributes attributes = new ItemAttributes();
    for (int i = 0; i < 1_100; i++) {
      attributes.clear().author(i % 9).language(i % 2);
      if (i % 4 == 0) {
        attributes.flag(63);
      }
      index.add(50_000L + i, vector(random, 6), attributes);
    }
    for (int i = 0; i < 1_100; i += 6) {
      index.remove(50_000L + i);
    }
    index.repair();
    return index;
  }

  private static float[] vector(SplittableRandom random, int dimension) {
    final float[] v = new float[dimension];
    for (int d = 0; d < dimension; d++) {
      v[d] = (float) (random.nextDouble() * 2 - 1);
    }
    return v;
  }

  private static ItemAttributes shop(int i, ItemAttributes out) {
    out.clear().key(0, i % 7);
    if (i % 3 != 0) {
      out.key(1, 100 + i % 11);
    }
    if (i % 2 == 0) {
      out.flag(0);
    }
    if (i % 5 == 0) {
      out.flag(1);
    }
    return out;
  }

  @Test
  void aSeededFloatIndexWritesTheRecordedBytes() throws IOException {
    final byte[] written =
        SampleSnapshots.bytes(floatIndex(), SampleSnapshots.positions(), dir);
    assertSameBytes("float-cosine.trawl", written);
  }

  @Test
  void aSeededQuantizedIndexWritesTheRecordedBytes() throws IOException {
    final byte[] written = SampleSnapshots.bytes(quantizedIndex(), SourcePositions.NONE, dir);
    assertSameBytes("int8-l2.trawl", written);
  }

  @Test
  void aLoadedFileWritesTheSameSectionsAgain() throws IOException {
    for (String name : new String[] {"float-cosine.trawl", "int8-l2.trawl"}) {
      final byte[] recorded = recorded(name);
      final Path file = dir.resolve(name);
      Files.write(file, recorded);
      final LoadedSnapshot loaded = IndexSnapshot.loadWithPositions(file);
      final SnapshotBytes again =
          SnapshotBytes.parseValid(SampleSnapshots.bytes(loaded.index(), loaded.positions(), dir));
      final SnapshotBytes original = SnapshotBytes.parseValid(recorded);
      assertThat(again.header.array()).as("%s: fixed header", name).isEqualTo(original.header.array());
      for (Kind kind : Kind.values()) {
        if (kind == Kind.REMOVALS) {
          continue; // a removal of an id that is live again is stale: the loader drops it
        }
        final SnapshotBytes.Entry before = original.entry(kind);
        final SnapshotBytes.Entry after = again.entry(kind);
        assertThat(after == null).as("%s: section %s present", name, kind).isEqualTo(before == null);
        if (before != null) {
          assertThat(after.content).as("%s: section %s", name, kind).isEqualTo(before.content);
        }
      }
    }
  }

  @Test
  void theRecordedFilesHoldEverySectionKind() throws IOException {
    final SnapshotBytes floats = SnapshotBytes.parseValid(recorded("float-cosine.trawl"));
    final SnapshotBytes codes = SnapshotBytes.parseValid(recorded("int8-l2.trawl"));
    for (Kind kind : Kind.values()) {
      assertThat(floats.entry(kind) != null || codes.entry(kind) != null).as("%s", kind).isTrue();
    }
    // two pages of level-0 links, upper levels, unpublished (freed) ordinals among the tombstones
    assertThat(floats.ordinals()).isGreaterThan(1_024);
    assertThat(codes.ordinals()).isGreaterThan(1_024);
    int upper = 0;
    int unpublished = 0;
    for (int o = 0; o < floats.ordinals(); o++) {
      upper += floats.level(o) > 0 ? 1 : 0;
      unpublished += floats.level(o) < 0 ? 1 : 0;
    }
    assertThat(upper).isGreaterThan(100);
    assertThat(unpublished).isPositive();
  }

  /** Fails naming the first section (or the header) where {@code actual} leaves the recording. */
  private void assertSameBytes(String name, byte[] actual) throws IOException {
    final String target = System.getProperty("trawl.golden.write");
    if (target != null) {
      Files.write(Path.of(target).resolve(name), actual);
      return;
    }
    assertEqual(name, recorded(name), actual);
  }

  private static void assertEqual(String what, byte[] expected, byte[] actual) {
    final int length = Math.min(expected.length, actual.length);
    for (int i = 0; i < length; i++) {
      if (expected[i] != actual[i]) {
        fail(what + ": first difference at byte " + i + " (" + where(expected, i) + ")");
      }
    }
    assertThat(actual.length).as("%s: length", what).isEqualTo(expected.length);
  }

  private static String where(byte[] file, long at) {
    final SnapshotBytes parsed = SnapshotBytes.parseValid(file);
    final int headerLength = SnapshotFormat.headerLength(parsed.sections.size());
    if (at < headerLength) {
      return "the header";
    }
    long offset = headerLength;
    for (SnapshotBytes.Entry e : parsed.sections) {
      offset = SnapshotFormat.align(offset);
      if (at < offset + e.content.length) {
        final Kind kind = Kind.of(e.code);
        return "section " + (kind == null ? e.code : kind) + ", byte " + (at - offset);
      }
      offset += e.content.length;
    }
    return "past the last section";
  }

  private static byte[] recorded(String name) throws IOException {
    try (InputStream in = SnapshotGoldenBytesTest.class.getResourceAsStream("/snapshot-golden/" + name)) {
      assertThat(in).as("recorded file %s", name).isNotNull();
      return in.readAllBytes();
    }
  }
}
