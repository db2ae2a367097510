package dev.trawl.index;

import static dev.trawl.index.HostileFiles.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.index.HostileFiles.Base;
import dev.trawl.index.SnapshotFormat.Kind;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Snapshot files whose checksums are all correct but whose header or section table breaks a rule of
 * the format: each must be refused with a {@link SnapshotException} naming the header or the section
 * and the rule. (Byte flips without fixed checksums, in {@link IndexSnapshotTest}, never reach these
 * checks.)
 */
class HostileHeaderAndTableTest {
  @TempDir Path dir;

  private static Arguments refused(String rule, Base base, Function<SnapshotBytes, byte[]> edit, String... fragments) {
    return Arguments.of(rule, base, edit, fragments);
  }

  /** An edit of the header's fixed fields. */
  private static Function<SnapshotBytes, byte[]> header(int at, int value) {
    return s -> s.headerInt(at, value).build();
  }

  /** An edit of table entry {@code entry}'s bytes after layout, with every checksum fixed again. */
  private static Function<SnapshotBytes, byte[]> table(int entry, int field, long value, boolean isLong) {
    return s -> {
      final byte[] bytes = s.build();
      final ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
      final int at = SnapshotFormat.FIXED_HEADER + entry * SnapshotFormat.TABLE_ENTRY + field;
      if (isLong) {
        buf.putLong(at, value);
      } else {
        buf.putInt(at, (int) value);
      }
      return SnapshotBytes.fixChecksums(bytes);
    };
  }

  static Stream<Arguments> hostileFiles() {
    final int tombstones = 5; // table entry of TOMBSTONES in GRAPH (the last one)
    return Stream.of(
        refused("a corrupt byte-order marker", Base.GRAPH, header(SnapshotFormat.AT_BYTE_ORDER, 0x01020304),
            "corrupt byte-order marker 0x1020304 (expected 0x0a0b0c0d)"),
        refused("no sections", Base.GRAPH,
            s -> {
              s.sections.clear();
              return s.build();
            },
            "corrupt header: 0 sections in a 76-byte header"),
        refused("more than 64 sections", Base.GRAPH,
            s -> {
              for (int kind = 40; s.sections.size() <= SnapshotFormat.MAX_SECTIONS; kind++) {
                s.sections.add(new SnapshotBytes.Entry(kind, 0, 0, new byte[0]));
              }
              return s.build();
            },
            "corrupt header: 65 sections in a 2156-byte header"),
        refused("a header length other than the section count gives", Base.GRAPH,
            s -> {
              final byte[] bytes = s.build();
              ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(SnapshotFormat.AT_HEADER_LENGTH, 300);
              return SnapshotBytes.fixChecksums(bytes);
            },
            "corrupt header: 6 sections in a 300-byte header"),
        refused("dimension above the limit, in a file without items", Base.EMPTY,
            header(SnapshotFormat.AT_DIMENSION, Limits.MAX_DIMENSION + 1), "header: dimension 65537 is outside [1, 65536]"),
        refused("dimension zero", Base.EMPTY, header(SnapshotFormat.AT_DIMENSION, 0), "header: dimension 0 is outside"),
        refused("M above the limit", Base.EMPTY, header(SnapshotFormat.AT_M, Limits.MAX_M + 1), "header: M 513 is outside [2, 512]"),
        refused("M of one", Base.EMPTY, header(SnapshotFormat.AT_M, 1), "header: M 1 is outside"),
        refused("efConstruction above the limit", Base.EMPTY,
            header(SnapshotFormat.AT_EF_CONSTRUCTION, Limits.MAX_EF_CONSTRUCTION + 1), "header: efConstruction 65537 is outside [1, 65536]"),
        refused("efConstruction zero", Base.EMPTY, header(SnapshotFormat.AT_EF_CONSTRUCTION, 0), "header: efConstruction 0 is outside"),
        refused("unknown metric", Base.GRAPH, header(SnapshotFormat.AT_METRIC, 3), "header: unknown metric code 3"),
        refused("more published nodes than ordinals", Base.GRAPH,
            s -> s.headerInt(SnapshotFormat.AT_PUBLISHED, s.ordinals() + 1).build(), "header: impossible counts"),
        refused("more live items than published nodes", Base.GRAPH,
            s -> s.headerInt(SnapshotFormat.AT_LIVE, s.headerInt(SnapshotFormat.AT_PUBLISHED) + 1).build(), "header: impossible counts"),
        refused("entry node beyond the ordinals", Base.GRAPH,
            s -> s.headerInt(SnapshotFormat.AT_ENTRY_NODE, s.ordinals()).build(), "header: impossible entry point"),
        refused("entry level above the highest level", Base.GRAPH,
            header(SnapshotFormat.AT_ENTRY_LEVEL, 16), "header: impossible entry point"),
        refused("no entry node although nodes are published", Base.GRAPH,
            header(SnapshotFormat.AT_ENTRY_NODE, -1), "header: impossible entry point"),
        refused("entry level other than the entry node's", Base.GRAPH,
            s -> s.headerInt(SnapshotFormat.AT_ENTRY_LEVEL, s.headerInt(SnapshotFormat.AT_ENTRY_LEVEL) - 1).build(),
            "header: entry node", "in section NODE_LEVELS"),
        refused("live count other than the tombstones imply", Base.GRAPH,
            s -> s.headerInt(SnapshotFormat.AT_LIVE, s.headerInt(SnapshotFormat.AT_LIVE) - 1).build(),
            "header: counts disagree with sections NODE_LEVELS and TOMBSTONES"),
        refused("published count other than the levels imply", Base.GRAPH,
            s -> s.headerInt(SnapshotFormat.AT_PUBLISHED, s.headerInt(SnapshotFormat.AT_PUBLISHED) + 1).build(),
            "header: counts disagree"),
        refused("more deleted at the last repair than tombstones", Base.GRAPH,
            s -> s.headerInt(SnapshotFormat.AT_DELETED_AT_LAST_REPAIR, s.ordinals()).build(),
            "header: 52 deleted at the last repair, but section TOMBSTONES has"),
        refused("negative deleted count at the last repair", Base.GRAPH,
            header(SnapshotFormat.AT_DELETED_AT_LAST_REPAIR, -1), "header: impossible deleted count"),
        // ---- the section table
        refused("a length that makes offset + length wrap", Base.GRAPH,
            table(tombstones, 16, Long.MAX_VALUE, true), "truncated: section TOMBSTONES needs bytes", "beyond 2^63"),
        refused("a length past the end of the file", Base.GRAPH,
            table(tombstones, 16, 4096, true), "truncated: section TOMBSTONES needs bytes"),
        refused("a negative length", Base.GRAPH, table(2, 16, -8, true), "corrupt section table: section LINKS_LEVEL0"),
        refused("an offset that is not a multiple of 64", Base.GRAPH,
            s -> {
              final byte[] bytes = s.build();
              final ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
              final int at = SnapshotFormat.FIXED_HEADER + SnapshotFormat.TABLE_ENTRY + 8;
              buf.putLong(at, buf.getLong(at) + 8);
              return SnapshotBytes.fixChecksums(bytes);
            },
            "corrupt section table: section NODE_LEVELS at offset"),
        refused("a gap of 64 bytes or more before a section", Base.GRAPH,
            s -> {
              final byte[] bytes = s.build();
              final ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
              final int at = SnapshotFormat.FIXED_HEADER + tombstones * SnapshotFormat.TABLE_ENTRY + 8;
              final long offset = buf.getLong(at);
              final byte[] longer = Arrays.copyOf(bytes, bytes.length + 64);
              System.arraycopy(bytes, (int) offset, longer, (int) offset + 64, (int) (bytes.length - offset));
              Arrays.fill(longer, (int) offset, (int) offset + 64, (byte) 0);
              ByteBuffer.wrap(longer).order(ByteOrder.LITTLE_ENDIAN).putLong(at, offset + 64);
              return SnapshotBytes.fixChecksums(longer);
            },
            "corrupt section table: section TOMBSTONES"),
        refused("a non-zero reserved field", Base.GRAPH, table(0, 28, 1, false),
            "corrupt section table: section VECTORS has a non-zero reserved field"),
        refused("a known section without its REQUIRED flag", Base.GRAPH, table(0, 4, 0, false),
            "corrupt section table: section VECTORS has flags 0, the format gives it 1"),
        refused("stream positions flagged REQUIRED", Base.FULL,
            s -> {
              s.entry(Kind.SOURCE_POSITIONS).flags = SnapshotFormat.FLAG_REQUIRED;
              return s.build();
            },
            "section SOURCE_POSITIONS has flags 1, the format gives it 0"),
        refused("sections out of order", Base.GRAPH,
            s -> {
              Collections.swap(s.sections, 1, 2);
              return s.build();
            },
            "corrupt section table: section NODE_LEVELS follows section LINKS_LEVEL0"),
        refused("a section twice", Base.GRAPH,
            s -> {
              s.sections.add(1, s.sections.get(1).copy());
              return s.build();
            },
            "section NODE_LEVELS follows section NODE_LEVELS"),
        refused("a required section missing", Base.GRAPH,
            s -> {
              s.sections.remove(s.entry(Kind.TOMBSTONES));
              return s.build();
            },
            "section TOMBSTONES is missing"),
        refused("attribute values without their bitmaps", Base.FULL,
            s -> {
              s.sections.remove(s.entry(Kind.ATTRIBUTE_BITMAPS));
              return s.build();
            },
            "sections ATTRIBUTE_VALUES and ATTRIBUTE_BITMAPS must come together"),
        refused("versions without removals", Base.FULL,
            s -> {
              s.sections.remove(s.entry(Kind.REMOVALS));
              return s.build();
            },
            "sections VERSIONS and REMOVALS must come together"),
        refused("a section shorter than the ordinals need", Base.GRAPH,
            s -> s.content(Kind.IDS, Arrays.copyOf(s.entry(Kind.IDS).content, 8 * (s.ordinals() - 1))).build(),
            "section IDS has 408 bytes, expected 416 for 52 ordinals"),
        refused("a variable section of part of an element", Base.FULL,
            s -> s.content(Kind.REMOVALS, Arrays.copyOf(s.entry(Kind.REMOVALS).content, 20)).build(),
            "section REMOVALS has 20 bytes, not whole elements"),
        refused("bytes after the last section", Base.GRAPH,
            s -> Arrays.copyOf(s.build(), s.build().length + 1), "1 unexpected bytes after the last section"),
        refused("a non-zero byte in the padding", Base.GRAPH,
            s -> {
              final byte[] bytes = s.build();
              bytes[SnapshotFormat.headerLength(s.sections.size())] = 1;
              return bytes;
            },
            "non-zero byte in the padding at offset 268"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostileFiles")
  void isRefusedNamingTheRule(String rule, Base base, Function<SnapshotBytes, byte[]> edit, String[] fragments) {
    assertRefused(dir, edit.apply(base.edit()), fragments);
  }

  @Test
  void everyCutOfAFileIsReportedAsTruncation() {
    // (not merely as some failure: the checks of sizes must fire before any read past the end)
    final byte[] good = Base.FULL.bytes();
    for (int length = 0; length < good.length; length++) {
      final Throwable failure = HostileFiles.load(dir, Arrays.copyOf(good, length));
      assertThat(failure).as("cut at %d", length).isInstanceOf(SnapshotException.class);
      final String expected =
          length < 8
              ? "not a Trawl snapshot"
              : length < SnapshotFormat.FIXED_HEADER
                  ? "fewer than the 72-byte header"
                  : length < SnapshotFormat.headerLength(11) ? "the header alone needs 428" : "truncated: section ";
      assertThat(failure.getMessage()).as("cut at %d", length).contains(expected);
    }
  }

  @Test
  void everyBaseLoadsWhenRebuiltUnedited() {
    for (Base base : Base.values()) {
      assertThat(base.edit().build()).as("%s rebuilt", base).isEqualTo(base.bytes());
      assertThat(HostileFiles.load(dir, base.bytes())).as("%s loads", base).isNull();
    }
  }

  @Test
  void parametersAtTheirLimitsLoadAndServe() throws Exception {
    final byte[] bytes =
        Base.EMPTY.edit()
            .headerInt(SnapshotFormat.AT_DIMENSION, Limits.MAX_DIMENSION)
            .headerInt(SnapshotFormat.AT_M, Limits.MAX_M)
            .headerInt(SnapshotFormat.AT_EF_CONSTRUCTION, Limits.MAX_EF_CONSTRUCTION)
            .build();
    final VectorIndex index = IndexSnapshot.load(Files.write(dir.resolve("limits.trawl"), bytes));
    final float[] vector = new float[Limits.MAX_DIMENSION];
    vector[7] = 1f;
    index.add(1L, vector);
    final SearchResults results = new SearchResults(1);
    assertThat(index.newSearcher().search(vector, 1, 1, results)).isEqualTo(1);
    assertThat(results.id(0)).isEqualTo(1L);
  }
}
