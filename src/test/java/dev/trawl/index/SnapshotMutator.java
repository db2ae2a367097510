package dev.trawl.index;

import dev.trawl.index.SnapshotFormat.Kind;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.roaringbitmap.RoaringBitmap;

/**
 * The fuzzer's mutations of a snapshot file, seeded: raw ones (bit flips, "interesting" ints, longs
 * and floats written into a section or the header, chunks copied, bytes inserted or cut, the file
 * truncated or extended) and structural ones that know the layout (a section resized, spliced from
 * another file, dropped, duplicated or swapped; a header count nudged; a table field rewritten; an
 * attribute bitmap replaced by a random one). Several are stacked per input, and then, nine times in
 * ten, every checksum is recomputed ({@link SnapshotBytes#fixChecksums}), so that mutations reach
 * the structural checks instead of stopping at the first checksum.
 *
 * <p>Not thread-safe: one per fuzzing thread.
 */
final class SnapshotMutator {
  private static final int[] HEADER_INTS = {
    SnapshotFormat.AT_VERSION, SnapshotFormat.AT_HEADER_LENGTH, SnapshotFormat.AT_SECTION_COUNT,
    SnapshotFormat.AT_METRIC, SnapshotFormat.AT_DIMENSION, SnapshotFormat.AT_M,
    SnapshotFormat.AT_EF_CONSTRUCTION, SnapshotFormat.AT_ORDINALS, SnapshotFormat.AT_LIVE,
    SnapshotFormat.AT_ENTRY_NODE, SnapshotFormat.AT_ENTRY_LEVEL, SnapshotFormat.AT_PUBLISHED,
    SnapshotFormat.AT_DELETED_AT_LAST_REPAIR
  };
  private static final int[] COUNTS = {
    SnapshotFormat.AT_ORDINALS, SnapshotFormat.AT_LIVE, SnapshotFormat.AT_PUBLISHED,
    SnapshotFormat.AT_ENTRY_NODE, SnapshotFormat.AT_ENTRY_LEVEL, SnapshotFormat.AT_DELETED_AT_LAST_REPAIR
  };
  private static final float[] FLOATS = {
    Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, 1f, -1f, 0.5f, 1e19f,
    -1e19f, 1e-40f, Float.MAX_VALUE, Float.MIN_VALUE, 2f
  };

  private static final int MAX_BYTES = 1 << 20;

  private final SplittableRandom random;
  private final List<byte[]> corpus;

  /** {@code corpus}: the inputs splices may take sections from (read, never changed). */
  SnapshotMutator(SplittableRandom random, List<byte[]> corpus) {
    this.random = random;
    this.corpus = corpus;
  }

  /** A mutated copy of {@code parent}; {@code parent} is not changed. */
  byte[] mutate(byte[] parent) {
    byte[] child = parent.clone();
    for (int rounds = 1 + random.nextInt(random.nextInt(4) == 0 ? 8 : 3); rounds > 0; rounds--) {
      child = mutateOnce(child);
      if (child.length > MAX_BYTES) {
        child = parent.clone(); // keep inputs small: the checks scale with the file, not the fuzzer
      }
    }
    return random.nextInt(10) == 0 ? child : SnapshotBytes.fixChecksums(child);
  }

  private byte[] mutateOnce(byte[] b) {
    final SnapshotBytes s = SnapshotBytes.parse(b);
    final int choice = random.nextInt(s == null ? 3 : 16);
    switch (choice) {
      case 0:
        return flipBits(b, 0, b.length);
      case 1:
        return truncateOrExtend(b);
      case 2:
        return b.length < 8 ? b : interestingInt(b, random.nextInt(b.length - 3) & ~3, 0);
      default:
        break;
    }
    final SnapshotBytes.Entry e = s.sections.isEmpty() ? null : s.sections.get(random.nextInt(s.sections.size()));
    switch (choice) {
      case 3:
        if (e != null && e.content.length > 0) {
          flipBits(e.content, 0, e.content.length);
        }
        return s.build();
      case 4:
        if (e != null && e.content.length >= 4) {
          interestingInt(e.content, random.nextInt(e.content.length / 4) * 4, s.ordinals());
        }
        return s.build();
      case 5:
        if (e != null && e.content.length >= 8) {
          interestingLong(e.content, random.nextInt(e.content.length / 8) * 8);
        }
        return s.build();
      case 6:
        return interestingFloat(s);
      case 7:
        return headerInt(s);
      case 8:
        return tableField(s.build());
      case 9:
        if (e != null) {
          copyChunk(e.content);
        }
        return s.build();
      case 10:
        if (e != null) {
          e.content = resize(e.content);
        }
        return s.build();
      case 11:
        return splice(s);
      case 12:
        return reshuffle(s);
      case 13:
        return nudgeCount(s);
      case 14:
        return replaceBitmap(s);
      default:
        if (e != null) {
          e.content = insertOrCut(e.content);
        }
        return s.build();
    }
  }

  // ---------------------------------------------------------------- raw

  private byte[] flipBits(byte[] b, int from, int to) {
    if (to > from) {
      for (int n = 1 + random.nextInt(4); n > 0; n--) {
        b[from + random.nextInt(to - from)] ^= (byte) (1 << random.nextInt(8));
      }
    }
    return b;
  }

  private byte[] truncateOrExtend(byte[] b) {
    if (random.nextBoolean() && b.length > 0) {
      return Arrays.copyOf(b, random.nextInt(b.length));
    }
    final byte[] longer = Arrays.copyOf(b, b.length + 1 + random.nextInt(128));
    if (random.nextBoolean()) {
      for (int i = b.length; i < longer.length; i++) {
        longer[i] = (byte) random.nextInt();
      }
    }
    return longer;
  }

  private int interesting(int ordinals) {
    switch (random.nextInt(12)) {
      case 0:
        return ordinals;
      case 1:
        return ordinals - 1;
      case 2:
        return ordinals + 1;
      case 3:
        return Integer.MAX_VALUE;
      case 4:
        return Integer.MIN_VALUE;
      case 5:
        return -1 - random.nextInt(3);
      case 6:
        return 1 << random.nextInt(31);
      case 7:
        return (1 << random.nextInt(31)) + (random.nextBoolean() ? 1 : -1);
      case 8:
        return random.nextInt();
      default:
        return random.nextInt(18);
    }
  }

  private byte[] interestingInt(byte[] b, int at, int ordinals) {
    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(at, interesting(ordinals));
    return b;
  }

  private void interestingLong(byte[] b, int at) {
    final ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    final long value;
    switch (random.nextInt(8)) {
      case 0:
        value = Long.MIN_VALUE;
        break;
      case 1:
        value = Long.MAX_VALUE;
        break;
      case 2:
        value = -1L;
        break;
      case 3:
        value = 1L << random.nextInt(64);
        break;
      case 4:
        value = buf.getLong(random.nextInt(b.length / 8) * 8); // a value found elsewhere: duplicates
        break;
      case 5:
        value = random.nextLong();
        break;
      default:
        value = random.nextInt(70);
        break;
    }
    buf.putLong(at, value);
  }

  private byte[] interestingFloat(SnapshotBytes s) {
    final SnapshotBytes.Entry v = s.entry(Kind.VECTORS);
    if (v != null && v.content.length >= 4) {
      final float value = random.nextInt(4) == 0 ? (float) random.nextGaussian() : FLOATS[random.nextInt(FLOATS.length)];
      v.buffer().putFloat(random.nextInt(v.content.length / 4) * 4, value);
    }
    return s.build();
  }

  private void copyChunk(byte[] b) {
    final int length = new int[] {4, 8, 16, 32}[random.nextInt(4)];
    if (b.length >= 2 * length) {
      final int from = random.nextInt(b.length / length) * length;
      final int to = random.nextInt(b.length / length) * length;
      System.arraycopy(b, from, b, to, length);
    }
  }

  private byte[] resize(byte[] b) {
    final int unit = new int[] {1, 4, 8, 16, 32}[random.nextInt(5)];
    final int delta = unit * (1 + random.nextInt(4));
    return random.nextBoolean() ? Arrays.copyOf(b, b.length + delta) : Arrays.copyOf(b, Math.max(0, b.length - delta));
  }

  private byte[] insertOrCut(byte[] b) {
    if (b.length == 0) {
      return b;
    }
    final int at = random.nextInt(b.length);
    final int n = 1 + random.nextInt(16);
    if (random.nextBoolean()) {
      final byte[] out = new byte[b.length + n];
      System.arraycopy(b, 0, out, 0, at);
      for (int i = 0; i < n; i++) {
        out[at + i] = (byte) random.nextInt();
      }
      System.arraycopy(b, at, out, at + n, b.length - at);
      return out;
    }
    final int cut = Math.min(n, b.length - at);
    final byte[] out = new byte[b.length - cut];
    System.arraycopy(b, 0, out, 0, at);
    System.arraycopy(b, at + cut, out, at, b.length - at - cut);
    return out;
  }

  // ---------------------------------------------------------------- structural

  private byte[] headerInt(SnapshotBytes s) {
    s.headerInt(HEADER_INTS[random.nextInt(HEADER_INTS.length)], interesting(s.ordinals()));
    return s.build();
  }

  private byte[] nudgeCount(SnapshotBytes s) {
    final int at = COUNTS[random.nextInt(COUNTS.length)];
    s.headerInt(at, s.headerInt(at) + (random.nextBoolean() ? 1 : -1));
    return s.build();
  }

  /** Rewrites one field of one table entry of the laid-out file. */
  private byte[] tableField(byte[] b) {
    final ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    final int count = buf.getInt(SnapshotFormat.AT_SECTION_COUNT);
    if (count <= 0 || count > SnapshotFormat.MAX_SECTIONS) {
      return b;
    }
    final int at = SnapshotFormat.FIXED_HEADER + random.nextInt(count) * SnapshotFormat.TABLE_ENTRY;
    switch (random.nextInt(6)) {
      case 0:
        buf.putInt(at, random.nextBoolean() ? random.nextInt(24) : random.nextInt()); // kind
        break;
      case 1:
        buf.putInt(at + 4, random.nextInt(4)); // flags
        break;
      case 2:
        buf.putLong(at + 8, buf.getLong(at + 8) + (random.nextInt(17) - 8) * (random.nextBoolean() ? 1 : 64L));
        break;
      case 3:
        buf.putLong(at + 16, random.nextBoolean() ? buf.getLong(at + 16) + random.nextInt(33) - 16 : random.nextLong());
        break;
      case 4:
        buf.putLong(at + 16, Long.MAX_VALUE - random.nextInt(1024));
        break;
      default:
        buf.putInt(at + 28, 1 + random.nextInt(7)); // reserved
        break;
    }
    return b;
  }

  /** Takes one section (of the same kind, usually) from another corpus input. */
  private byte[] splice(SnapshotBytes s) {
    final SnapshotBytes donor = SnapshotBytes.parse(corpus.get(random.nextInt(corpus.size())));
    if (donor == null || donor.sections.isEmpty() || s.sections.isEmpty()) {
      return s.build();
    }
    final SnapshotBytes.Entry given = donor.sections.get(random.nextInt(donor.sections.size()));
    SnapshotBytes.Entry same = null;
    for (SnapshotBytes.Entry e : s.sections) {
      if (e.code == given.code) {
        same = e;
      }
    }
    if (same != null && random.nextInt(4) != 0) {
      same.content = given.content.clone();
    } else {
      s.sections.add(random.nextInt(s.sections.size() + 1), given.copy());
    }
    return s.build();
  }

  /** Drops, duplicates or swaps sections, or adds one of an unknown kind. */
  private byte[] reshuffle(SnapshotBytes s) {
    final List<SnapshotBytes.Entry> list = s.sections;
    if (list.isEmpty()) {
      return s.build();
    }
    final int i = random.nextInt(list.size());
    switch (random.nextInt(4)) {
      case 0:
        list.remove(i);
        break;
      case 1:
        list.add(i, list.get(i).copy());
        break;
      case 2:
        java.util.Collections.swap(list, i, random.nextInt(list.size()));
        break;
      default:
        final byte[] content = new byte[random.nextInt(64)];
        random.nextBytes(content);
        list.add(new SnapshotBytes.Entry(21 + random.nextInt(40), random.nextInt(2), 0, content));
        break;
    }
    return s.build();
  }

  /**
   * Replaces one attribute bitmap with a random RoaringBitmap of ordinals near {@code N}: array, bitmap
   * or run containers, sometimes with a random key. Reaches the checks behind the bitmap validation.
   */
  private byte[] replaceBitmap(SnapshotBytes s) {
    final SnapshotBytes.Entry e = s.entry(Kind.ATTRIBUTE_BITMAPS);
    if (e == null) {
      return s.build();
    }
    final ByteBuffer in = e.buffer();
    final int[] starts = new int[64];
    int entries = 0;
    try {
      for (int f = 0; f < 4; f++) {
        for (int k = in.getInt(); k > 0; k--) {
          if (entries < starts.length) {
            starts[entries++] = in.position();
          }
          in.position(in.position() + 8);
          final int length = in.getInt();
          in.position(in.position() + length);
        }
      }
    } catch (RuntimeException malformed) {
      // take what was parsed
    }
    if (entries == 0) {
      return s.build();
    }
    final int at = starts[random.nextInt(entries)];
    final RoaringBitmap bitmap = new RoaringBitmap();
    final int n = Math.max(1, Math.min(1 << 20, s.ordinals())); // a mutated header may say anything
    final int shape = random.nextInt(3);
    if (shape == 0) {
      for (int i = random.nextInt(8); i >= 0; i--) {
        bitmap.add(random.nextInt(n + 2));
      }
    } else if (shape == 1) {
      final int from = random.nextInt(n);
      bitmap.add((long) from, (long) from + 1 + random.nextInt(n - from + 1));
    } else {
      for (int i = 0; i < 4200; i++) {
        bitmap.add(i);
      }
    }
    if (random.nextBoolean()) {
      bitmap.runOptimize();
    }
    final byte[] serialised = new byte[bitmap.serializedSizeInBytes()];
    bitmap.serialize(ByteBuffer.wrap(serialised));
    final ByteBuffer old = e.buffer();
    if (at + 12 > e.content.length) {
      return s.build(); // the entry was cut short
    }
    final long key = random.nextInt(4) == 0 ? random.nextInt(70) : old.getLong(at);
    final int oldLength = old.getInt(at + 8);
    if (oldLength < 0 || (long) at + 12 + oldLength > e.content.length) {
      return s.build();
    }
    final int end = at + 12 + oldLength;
    final ByteBuffer out =
        ByteBuffer.allocate(e.content.length - oldLength + serialised.length).order(ByteOrder.LITTLE_ENDIAN);
    out.put(e.content, 0, at).putLong(key).putInt(serialised.length).put(serialised);
    out.put(e.content, end, e.content.length - end);
    e.content = out.array();
    return s.build();
  }
}
