package dev.trawl.index;

import static dev.trawl.index.HostileFiles.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trawl.index.HostileFiles.Base;
import dev.trawl.index.SnapshotFormat.Kind;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Snapshot files whose checksums are all correct but whose versions, remembered removals or stream
 * positions break a rule of the format. Each must be refused with a {@link SnapshotException} naming
 * the section and the rule, by {@link IndexSnapshot#load} and, for the positions it parses, by
 * {@link IndexSnapshot#readInfo}.
 */
class HostileVersionsAndPositionsTest {
  @TempDir Path dir;

  private static Arguments refused(String rule, Function<SnapshotBytes, byte[]> edit, String... fragments) {
    return Arguments.of(rule, edit, fragments);
  }

  /** An edit of the REMOVALS section of {@link Base#FULL}: memory, count, then 8 (id, version) pairs. */
  private static Function<SnapshotBytes, byte[]> removals(int at, long value) {
    return s -> {
      s.section(Kind.REMOVALS).putLong(at, value);
      return s.build();
    };
  }

  /** One stream position entry; {@code name} as raw bytes. */
  private record Position(byte[] name, int partition, long offset) {
    static Position of(String name, int partition, long offset) {
      return new Position(name.getBytes(StandardCharsets.UTF_8), partition, offset);
    }
  }

  /** A SOURCE_POSITIONS section of {@code count} (as written) and {@code entries}, then {@code trailing} bytes. */
  private static Function<SnapshotBytes, byte[]> positions(int count, int trailing, Position... entries) {
    return s -> {
      int length = 4 + trailing;
      for (Position p : entries) {
        length += 16 + p.name.length;
      }
      final ByteBuffer out = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN).putInt(count);
      for (Position p : entries) {
        out.putInt(p.partition).putLong(p.offset).putInt(p.name.length).put(p.name);
      }
      return s.content(Kind.SOURCE_POSITIONS, out.array()).build();
    };
  }

  private static Function<SnapshotBytes, byte[]> positions(Position... entries) {
    return positions(entries.length, 0, entries);
  }

  static Stream<Arguments> hostileFiles() {
    final Position events0 = Position.of("events", 0, 10);
    final Position events3 = Position.of("events", 3, 10);
    final Position users1 = Position.of("users", 1, 10);
    return Stream.of(
        refused("a version on a removed item",
            s -> {
              s.section(Kind.VERSIONS).putLong(8 * 6, 5L); // ordinal 6 was removed
              return s.build();
            },
            "section VERSIONS: ordinal 6 is not live but has a version"),
        refused("more removals than the memory holds", removals(0, 3),
            "section REMOVALS: 8 removals with a memory of 3 in 144 bytes"),
        refused("a negative removal memory", removals(0, -1), "section REMOVALS: 8 removals with a memory of -1"),
        refused("a removal memory beyond an int", removals(0, 1L << 31), "with a memory of 2147483648"),
        refused("a removal count other than the entries", removals(8, 7), "section REMOVALS: 7 removals"),
        refused("a negative removal count", removals(8, -1), "section REMOVALS: -1 removals"),
        refused("a removal without a version", removals(16 + 8, Long.MIN_VALUE),
            "section REMOVALS: the removal of id 2000 has no version"),
        refused("a removals section without its counts",
            s -> s.content(Kind.REMOVALS, new byte[8]).build(), "section REMOVALS ends in the middle of an entry"),
        // ---- stream positions
        refused("positions out of order", positions(users1, events0),
            "section SOURCE_POSITIONS: entries are not sorted and unique at entry 1"),
        refused("a position twice", positions(events0, events0), "entries are not sorted and unique at entry 1"),
        refused("partitions of a source out of order", positions(events3, events0), "not sorted and unique at entry 1"),
        refused("a source name that is not UTF-8",
            positions(new Position(new byte[] {'a', (byte) 0xFF}, 0, 1)),
            "section SOURCE_POSITIONS: entry 0 has a source name that is not UTF-8"),
        refused("a source name with an encoded surrogate",
            positions(new Position(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, 0, 1)), "is not UTF-8"),
        refused("a negative partition", positions(Position.of("events", -1, 1)),
            "section SOURCE_POSITIONS: bad entry 0 (partition -1"),
        refused("a negative offset", positions(Position.of("events", 1, -1)), "bad entry 0 (partition 1, offset -1"),
        refused("an empty source name", positions(new Position(new byte[0], 1, 1)), "name of 0 bytes"),
        refused("a source name over 1,024 bytes", positions(Position.of("x".repeat(1025), 1, 1)), "name of 1025 bytes"),
        refused("bytes after the last position", positions(1, 3, events0),
            "section SOURCE_POSITIONS: 3 bytes after the last entry"),
        refused("a negative position count", positions(-1, 0), "section SOURCE_POSITIONS: negative count -1"),
        refused("more positions than entries", positions(2, 0, events0),
            "section SOURCE_POSITIONS ends in the middle of an entry"),
        refused("positions over 16 MiB", positions(1, 1 << 24, events0),
            "section SOURCE_POSITIONS has 16777242 bytes, more than 16 MiB"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostileFiles")
  void isRefusedNamingTheRule(String rule, Function<SnapshotBytes, byte[]> edit, String[] fragments) {
    assertRefused(dir, edit.apply(Base.FULL.edit()), fragments);
  }

  @Test
  void readInfoRefusesHostilePositionsToo() throws Exception {
    final byte[] bytes = positions(Position.of("users", 1, 10), Position.of("events", 0, 10)).apply(Base.FULL.edit());
    final Path file = Files.write(dir.resolve("positions.trawl"), bytes);
    assertThatThrownBy(() -> IndexSnapshot.readInfo(file))
        .isInstanceOf(SnapshotException.class)
        .hasMessageContaining("section SOURCE_POSITIONS: entries are not sorted and unique at entry 1");
  }

  @Test
  void sourceNamesThatUtf8CannotCarryAreRefusedBeforeAnyFileIsWritten() throws Exception {
    // "\uD800" would be written as "?", after "A" although it sorts before it: an unloadable file
    assertThatThrownBy(() -> SourcePositions.builder().put("\uD800", 0, 1L))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unpaired surrogate at index 0");
    assertThatThrownBy(() -> SourcePositions.builder().put("a\uDC00b", 0, 1L))
        .hasMessageContaining("unpaired surrogate at index 1");
    // a pair is a character like any other, and round-trips
    final SourcePositions paired = SourcePositions.builder().put("A", 0, 1L).put("\uD83D\uDE00", 0, 2L).build();
    final Path file = dir.resolve("paired.trawl");
    IndexSnapshot.write(SampleSnapshots.empty(), file, paired);
    assertThat(IndexSnapshot.loadWithPositions(file).positions()).isEqualTo(paired);
  }

  @Test
  void readInfoChecksThePositionsChecksum() throws Exception {
    // readInfo reads the header and the positions only, so it checks their checksum itself
    final byte[] bytes = Base.FULL.bytes();
    bytes[bytes.length - 1] ^= 1; // the last byte of the last section: SOURCE_POSITIONS
    final Path file = Files.write(dir.resolve("flipped.trawl"), bytes);
    assertThatThrownBy(() -> IndexSnapshot.readInfo(file))
        .isInstanceOf(SnapshotException.class)
        .hasMessageContaining("section SOURCE_POSITIONS checksum mismatch");
  }

  @Test
  void theRemovalsOfAFileAreRestored() throws Exception {
    // the control for the edits above: the unedited removals load, and stay remembered
    final Path file = Files.write(dir.resolve("full.trawl"), Base.FULL.bytes());
    final LoadedSnapshot loaded = IndexSnapshot.loadWithPositions(file);
    assertThat(loaded.index().version(99_999L)).isEqualTo(5L);
    assertThat(loaded.index().version(2006L)).isEqualTo(106L);
    assertThat(loaded.positions()).isEqualTo(SampleSnapshots.positions());
  }
}
