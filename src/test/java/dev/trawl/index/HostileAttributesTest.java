package dev.trawl.index;

import static dev.trawl.index.HostileFiles.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.filter.ItemAttributes;
import dev.trawl.index.HostileFiles.Base;
import dev.trawl.index.SnapshotFormat.Kind;
import dev.trawl.vector.Metric;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.roaringbitmap.RoaringBitmap;

/**
 * Snapshot files whose checksums are all correct but whose attribute values or bitmaps break a rule
 * of the format. The dangerous ones are those where the bitmaps still add up to the values' counts
 * while an item is missing from a bitmap (a key {@code NONE} bitmap, a duplicated value, a container
 * claiming more bits than it sets): the item would then escape a filter on that value, such as an
 * exclusion of a flag. Each must be refused with a {@link SnapshotException} naming the section and
 * the rule.
 */
class HostileAttributesTest {
  @TempDir Path dir;

  private static final String[] FIELDS = {"author", "community", "language", "flag"};

  /** The ATTRIBUTE_BITMAPS section taken apart: per field, its entries in file order. */
  static final class Bitmaps {
    final List<List<Entry>> fields = new ArrayList<>();
    byte[] trailing = new byte[0];
    int[] keyCounts; // null: the number of entries

    static final class Entry {
      long key;
      byte[] bytes;

      Entry(long key, byte[] bytes) {
        this.key = key;
        this.bytes = bytes;
      }

      RoaringBitmap bitmap() {
        final RoaringBitmap b = new RoaringBitmap();
        try {
          b.deserialize(ByteBuffer.wrap(bytes));
        } catch (java.io.IOException e) {
          throw new IllegalStateException(e);
        }
        return b;
      }

      /** Replaces the bitmap, serialised without run optimisation (array or bitmap containers). */
      void set(RoaringBitmap b) {
        bytes = serialise(b);
      }
    }

    static Bitmaps of(SnapshotBytes s) {
      final ByteBuffer in = s.section(Kind.ATTRIBUTE_BITMAPS);
      final Bitmaps b = new Bitmaps();
      for (int f = 0; f < 4; f++) {
        final List<Entry> entries = new ArrayList<>();
        for (int k = in.getInt(); k > 0; k--) {
          final long key = in.getLong();
          final byte[] bytes = new byte[in.getInt()];
          in.get(bytes);
          entries.add(new Entry(key, bytes));
        }
        b.fields.add(entries);
      }
      return b;
    }

    Entry entry(int field, long key) {
      for (Entry e : fields.get(field)) {
        if (e.key == key) {
          return e;
        }
      }
      throw new IllegalArgumentException("no " + FIELDS[field] + " " + key);
    }

    byte[] build() {
      int length = trailing.length;
      for (List<Entry> field : fields) {
        length += 4;
        for (Entry e : field) {
          length += 12 + e.bytes.length;
        }
      }
      final ByteBuffer out = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
      for (int f = 0; f < 4; f++) {
        out.putInt(keyCounts != null ? keyCounts[f] : fields.get(f).size());
        for (Entry e : fields.get(f)) {
          out.putLong(e.key).putInt(e.bytes.length).put(e.bytes);
        }
      }
      out.put(trailing);
      return out.array();
    }
  }

  static byte[] serialise(RoaringBitmap b) {
    final byte[] bytes = new byte[b.serializedSizeInBytes()];
    b.serialize(ByteBuffer.wrap(bytes));
    return bytes;
  }

  private static Arguments refused(String rule, Base base, Function<SnapshotBytes, byte[]> edit, String... fragments) {
    return Arguments.of(rule, base, edit, fragments);
  }

  /** An edit of the bitmaps of {@link Base#FULL} (ordinal i holds id 2000 + i; i % 6 == 0 is removed). */
  private static Function<SnapshotBytes, byte[]> bitmaps(Consumer<Bitmaps> edit) {
    return s -> {
      final Bitmaps b = Bitmaps.of(s);
      edit.accept(b);
      return s.content(Kind.ATTRIBUTE_BITMAPS, b.build()).build();
    };
  }

  /** Moves {@code from} out of the bitmap of {@code key} and {@code to} into it: totals stay equal. */
  private static Consumer<Bitmaps> swapMember(int field, long key, int from, int to) {
    return b -> {
      final Bitmaps.Entry e = b.entry(field, key);
      final RoaringBitmap bitmap = e.bitmap();
      assertThat(bitmap.contains(from)).isTrue();
      bitmap.remove(from);
      bitmap.add(to);
      e.set(bitmap);
    };
  }

  static Stream<Arguments> hostileFiles() {
    return Stream.of(
        refused("values on a removed item", Base.FULL,
            s -> {
              s.section(Kind.ATTRIBUTE_VALUES).putLong(6 * 32, 1L); // ordinal 6 was removed
              return s.build();
            },
            "section ATTRIBUTE_VALUES: ordinal 6 is not live but has attribute values"),
        refused("a bitmap for key NONE standing in for a member dropped elsewhere", Base.FULL,
            bitmaps(b -> {
              final Bitmaps.Entry e = b.entry(1, 101); // community 101: ordinals i % 3 == 1
              final RoaringBitmap bitmap = e.bitmap();
              bitmap.remove(1);
              e.set(bitmap);
              b.fields.get(1).add(0, new Bitmaps.Entry(ItemAttributes.NONE, serialise(RoaringBitmap.bitmapOf(3))));
            }),
            "section ATTRIBUTE_BITMAPS: community key -9223372036854775808 is not a value (it is NONE"),
        refused("a duplicated value standing in for a dropped member", Base.FULL,
            bitmaps(b -> {
              final Bitmaps.Entry e = b.entry(3, 0); // flag 0: even live ordinals 2, 4, 8, ...
              e.set(e.bitmap());
              // one array container after a 16-byte header: the second value becomes the first
              final ByteBuffer bytes = ByteBuffer.wrap(e.bytes).order(ByteOrder.LITTLE_ENDIAN);
              assertThat(bytes.getShort(16)).isEqualTo((short) 2);
              bytes.putShort(18, (short) 2);
            }),
            "section ATTRIBUTE_BITMAPS: the bitmap of flag 0 is invalid"),
        refused("an empty bitmap", Base.FULL,
            bitmaps(b -> b.fields.get(2).add(new Bitmaps.Entry(11, serialise(new RoaringBitmap())))),
            "the bitmap of language 11 is empty"),
        refused("keys out of order", Base.FULL,
            bitmaps(b -> java.util.Collections.swap(b.fields.get(0), 0, 1)),
            "section ATTRIBUTE_BITMAPS: author key 0 follows key 1 (keys must ascend)"),
        refused("the same key twice", Base.FULL,
            bitmaps(b -> b.fields.get(0).get(1).key = 0),
            "author key 0 follows key 0"),
        refused("a flag beyond bit 63", Base.FULL,
            bitmaps(b -> b.entry(3, 5).key = 64), "flag key 64 is not a value (the schema's flags are bits 0..63)"),
        refused("a negative flag", Base.FULL,
            bitmaps(b -> b.entry(3, 0).key = -1), "flag key -1 is not a value"),
        refused("a bitmap shorter than its entry says", Base.FULL,
            bitmaps(b -> {
              final Bitmaps.Entry e = b.entry(0, 2);
              e.bytes = Arrays.copyOf(e.bytes, e.bytes.length + 4);
            }),
            "the bitmap of author 2 is ", " bytes, its entry says "),
        refused("a member that was removed", Base.FULL,
            bitmaps(swapMember(3, 0, 2, 6)),
            "the bitmap of flag 0 names ordinal 6, which is not a live item with that value"),
        refused("a member without that value", Base.FULL,
            bitmaps(swapMember(0, 1, 1, 2)), "the bitmap of author 1 names ordinal 2"),
        refused("a member beyond the ordinals", Base.FULL,
            bitmaps(swapMember(2, 7, 2, 40)), "the bitmap of language 7 names ordinal 40"),
        refused("a negative member", Base.FULL,
            bitmaps(swapMember(2, 7, 2, -1)), "names ordinal 4294967295"),
        refused("a member missing", Base.FULL,
            bitmaps(b -> {
              final Bitmaps.Entry e = b.entry(0, 1);
              final RoaringBitmap bitmap = e.bitmap();
              bitmap.remove(1);
              e.set(bitmap);
            }),
            "section ATTRIBUTE_BITMAPS: the author bitmaps hold 32 ordinals, the values 33"),
        refused("a flag member missing", Base.FULL,
            bitmaps(b -> {
              final Bitmaps.Entry e = b.entry(3, 5);
              final RoaringBitmap bitmap = e.bitmap();
              bitmap.remove(bitmap.first());
              e.set(bitmap);
            }),
            "the flag bitmaps hold"),
        refused("bytes after the last bitmap", Base.FULL,
            bitmaps(b -> b.trailing = new byte[] {0}), "section ATTRIBUTE_BITMAPS: 1 unexpected bytes at its end"),
        refused("a negative key count", Base.FULL,
            bitmaps(b -> b.keyCounts = new int[] {-1, 2, 2, 2}), "negative key count for author"),
        refused("more keys than entries", Base.FULL,
            bitmaps(b -> b.keyCounts = new int[] {5, 2, 2, 3}), "section ATTRIBUTE_BITMAPS ends in the middle of an entry"),
        refused("a negative bitmap length", Base.FULL,
            s -> {
              final byte[] section = Bitmaps.of(s).build();
              ByteBuffer.wrap(section).order(ByteOrder.LITTLE_ENDIAN).putInt(4 + 8, -3);
              return s.content(Kind.ATTRIBUTE_BITMAPS, section).build();
            },
            "the bitmap of author 0 has negative length -3"),
        refused("bytes that are not a RoaringBitmap", Base.FULL,
            bitmaps(b -> b.entry(1, 102).bytes = new byte[] {1, 2, 3, 4, 5, 6, 7, 8}),
            "the bitmap of community 102 is malformed"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostileFiles")
  void isRefusedNamingTheRule(String rule, Base base, Function<SnapshotBytes, byte[]> edit, String[] fragments) {
    assertRefused(dir, edit.apply(base.edit()), fragments);
  }

  // ---------------------------------------------------------------- containers of 4,200 items

  private static byte[] flagged;

  /** 4,200 live items, every one with flag 0: its bitmap is one container of 4,200 values. */
  private static synchronized SnapshotBytes flagged() {
    if (flagged == null) {
      final VectorIndex index = VectorIndex.builder(2, Metric.L2).m(2).efConstruction(8).expectedItems(4200).build();
      final ItemAttributes nsfw = new ItemAttributes().flag(0);
      final java.util.Random random = new java.util.Random(3);
      for (int i = 0; i < 4200; i++) {
        index.add(i, new float[] {random.nextFloat(), random.nextFloat()}, nsfw);
      }
      flagged = HostileFiles.write(index, SourcePositions.NONE);
    }
    return SnapshotBytes.parseValid(flagged.clone());
  }

  /** {@code [0, n)} added one value at a time: array, then bitmap containers, never runs. */
  private static RoaringBitmap oneByOne(int n) {
    final RoaringBitmap b = new RoaringBitmap();
    for (int i = 0; i < n; i++) {
      b.add(i);
    }
    return b;
  }

  @Test
  void aBitmapContainerClaimingABitItDoesNotSetIsRefused() {
    final SnapshotBytes s = flagged();
    final Bitmaps b = Bitmaps.of(s);
    final Bitmaps.Entry e = b.entry(3, 0);
    e.set(oneByOne(4200)); // a bitmap container: more than 4,096 values
    // header: cookie, size 1, key and cardinality - 1, one offset; then 1,024 words of bits
    final ByteBuffer bytes = ByteBuffer.wrap(e.bytes).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(bytes.getShort(10)).isEqualTo((short) 4199);
    assertThat(e.bytes.length).isEqualTo(16 + 8192);
    e.bytes[16 + 77 / 8] &= (byte) ~(1 << (77 % 8)); // item 77 loses its flag; the header still says 4,200
    assertRefused(dir, s.content(Kind.ATTRIBUTE_BITMAPS, b.build()).build(),
        "section ATTRIBUTE_BITMAPS: the bitmap of flag 0 is invalid");
  }

  @Test
  void overlappingRunsRepeatingValidMembersAreRefusedBeforeTheyAreWalked() {
    // 1,000 copies of the run [0, 4199]: every member holds flag 0, so without validation the loader
    // would test 4.2 million memberships before the totals disagree (and 65,535 runs in each of
    // many containers would make it ~1e11).
    final int runs = 1000;
    final ByteBuffer run = ByteBuffer.allocate(4 + 1 + 4 + 2 + 4 * runs).order(ByteOrder.LITTLE_ENDIAN);
    run.putInt(12347); // the cookie of a bitmap with run containers, size - 1 = 0 in the high half
    run.put((byte) 1); // container 0 is a run container
    run.putShort((short) 0).putShort((short) 4199); // key 0, cardinality - 1
    run.putShort((short) runs);
    for (int i = 0; i < runs; i++) {
      run.putShort((short) 0).putShort((short) 4199); // start, length - 1
    }
    final SnapshotBytes s = flagged();
    final Bitmaps b = Bitmaps.of(s);
    b.entry(3, 0).bytes = run.array();
    assertRefused(dir, s.content(Kind.ATTRIBUTE_BITMAPS, b.build()).build(), "the bitmap of flag 0 is invalid");
  }

  @Test
  void theUneditedContainersLoad() {
    final SnapshotBytes s = flagged();
    final Bitmaps b = Bitmaps.of(s);
    b.entry(3, 0).set(oneByOne(4200));
    assertThat(HostileFiles.load(dir, s.content(Kind.ATTRIBUTE_BITMAPS, b.build()).build())).isNull();
  }
}
