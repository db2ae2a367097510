package dev.trawl.fetch;

/**
 * The TinyLFU frequency estimate of a {@link NearCache} segment: a count-min sketch of 4-bit counters
 * (sixteen to a {@code long}), four counters per key, with aging: after {@code 10 x capacity}
 * increments every counter is halved, so a key that was popular an hour ago does not outrank what is
 * popular now.
 *
 * <p>A key's estimate is the smallest of its four counters, so collisions only ever over-estimate, and
 * saturating at 15 is enough: admission compares two keys' estimates, it never needs exact counts.
 *
 * <p><b>Not thread-safe</b>: guarded by its segment's maintenance lock. <b>Allocation:</b> the table,
 * once, at construction.
 */
final class FrequencySketch {
  /** After halving, the top bit of every 4-bit counter is clear. */
  private static final long HALVE_MASK = 0x7777_7777_7777_7777L;
  /** The low bit of every 4-bit counter: odd counters lose half a count when halved. */
  private static final long LOW_BITS = 0x1111_1111_1111_1111L;
  private static final long[] SEEDS = {
    0x9E37_79B9_7F4A_7C15L, 0xC2B2_AE3D_27D4_EB4FL, 0x1656_67B1_9E37_79F9L, 0xD6E8_FEB8_6659_FD93L
  };

  private final long[] table;
  private final int mask;
  private final int sampleSize;
  private int additions;
  private long resets;

  /** A sketch for a segment of {@code capacity} entries. */
  FrequencySketch(int capacity) {
    final int words = tableLength(capacity);
    this.table = new long[words];
    this.mask = words - 1;
    this.sampleSize = (int) Math.min(Integer.MAX_VALUE, 10L * Math.max(1, capacity));
  }

  /** Words of the table for a segment of {@code capacity} entries (a power of two, at least 8). */
  static int tableLength(int capacity) {
    final int c = Math.max(8, capacity);
    return Integer.highestOneBit(c - 1) << 1;
  }

  /** The estimated number of recent occurrences of {@code key}, 0 to 15. */
  int frequency(long key) {
    final long h = spread(key);
    int min = 15;
    for (int i = 0; i < 4; i++) {
      final long hi = probe(h, i);
      final int count = (int) ((table[(int) hi & mask] >>> ((int) (hi >>> 60) << 2)) & 0xF);
      if (count < min) {
        min = count;
      }
    }
    return min;
  }

  /** Records one occurrence of {@code key}; halves every counter once the sample is full. */
  void increment(long key) {
    final long h = spread(key);
    boolean added = false;
    for (int i = 0; i < 4; i++) {
      final long hi = probe(h, i);
      final int index = (int) hi & mask;
      final int shift = (int) (hi >>> 60) << 2;
      if (((table[index] >>> shift) & 0xF) != 0xF) {
        table[index] += 1L << shift;
        added = true;
      }
    }
    if (added && ++additions >= sampleSize) {
      halve();
    }
  }

  /** Number of times the counters were halved (aging). */
  long resets() {
    return resets;
  }

  private void halve() {
    int odd = 0;
    for (int i = 0; i < table.length; i++) {
      final long w = table[i];
      odd += Long.bitCount(w & LOW_BITS);
      table[i] = (w >>> 1) & HALVE_MASK;
    }
    // every increment touched four counters: an odd counter lost a quarter of an addition
    additions = (additions >>> 1) - (odd >>> 2);
    resets++;
  }

  /** Bytes held by the sketch (its table and header). */
  long footprintBytes() {
    return NearCache.arrayBytes(table.length, 8) + 32;
  }

  /** One full 64-bit mix per key (the counters' positions all derive from it). */
  private static long spread(long key) {
    long z = key * 0x9E37_79B9_7F4A_7C15L;
    z = (z ^ (z >>> 32)) * 0xD6E8_FEB8_6659_FD93L;
    return z ^ (z >>> 32);
  }

  /**
   * Counter {@code i}'s position: the spread hash times an odd per-counter seed, so the four
   * positions are independent functions of the key; the table index comes from the low bits, the
   * 4-bit slot within the word from the top four.
   */
  private static long probe(long h, int i) {
    final long p = (h + SEEDS[i]) * SEEDS[(i + 1) & 3];
    return p ^ (p >>> 29);
  }
}
