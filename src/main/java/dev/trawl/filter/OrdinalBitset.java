package dev.trawl.filter;

import java.util.Arrays;
import org.roaringbitmap.IntConsumer;
import org.roaringbitmap.RoaringBitmap;

/**
 * A reusable set of node ordinals as a plain {@code long[]} bitset, plus a one-bit-per-word summary of
 * the words that may be non-zero, so that {@link #clear}, {@link #cardinality} and iteration cost
 * O(words touched + capacity / 4096) rather than O(capacity). That is what makes one bitset per
 * request affordable on a large index: a seen set of 500 posts touches at most 500 words.
 *
 * <p><b>Not thread-safe</b>: owned by one request context (see {@link RequestFilter}).
 * <b>Allocation:</b> none, except when an ordinal beyond the current capacity is added, which grows
 * the arrays once (amortised doubling); callers pre-size with {@link #ensureCapacity}.
 */
final class OrdinalBitset {
  private long[] words;
  private long[] touched; // bit w set when words[w] may be non-zero
  private final IntConsumer adder = this::add;
  private final IntConsumer remover = this::remove;

  /** A bitset with room for ordinals {@code [0, capacity)} (grows on demand). */
  OrdinalBitset(int capacity) {
    words = new long[Math.max(1, (capacity + 63) >>> 6)];
    touched = new long[(words.length + 63) >>> 6];
  }

  /** Makes room for ordinals {@code [0, ordinals)}. Allocates only when growing. */
  void ensureCapacity(int ordinals) {
    final int needed = (int) (((long) ordinals + 63) >>> 6);
    if (needed > words.length) {
      final int grown = Math.max(needed, words.length + (words.length >> 1));
      words = Arrays.copyOf(words, grown);
      touched = Arrays.copyOf(touched, (grown + 63) >>> 6);
    }
  }

  /** Empties the set in O(touched words + capacity / 4096). */
  void clear() {
    final long[] w = words;
    final long[] t = touched;
    for (int s = 0; s < t.length; s++) {
      long bits = t[s];
      while (bits != 0) {
        w[(s << 6) + Long.numberOfTrailingZeros(bits)] = 0L;
        bits &= bits - 1;
      }
      t[s] = 0L;
    }
  }

  /** Adds {@code ordinal} (non-negative). */
  void add(int ordinal) {
    final int word = ordinal >>> 6;
    if (word >= words.length) {
      ensureCapacity(ordinal + 1);
    }
    words[word] |= 1L << ordinal;
    touched[word >>> 6] |= 1L << word;
  }

  /** Removes {@code ordinal}; ordinals beyond the capacity are ignored. */
  void remove(int ordinal) {
    final int word = ordinal >>> 6;
    if (word < words.length) {
      words[word] &= ~(1L << ordinal);
    }
  }

  /** Whether {@code ordinal} is in the set; false for negative or out-of-capacity ordinals. */
  boolean contains(int ordinal) {
    final int word = ordinal >>> 6;
    return ordinal >= 0 && word < words.length && (words[word] & (1L << ordinal)) != 0;
  }

  /** Adds every member of {@code bitmap}: O(|bitmap|), no allocation. */
  void addAll(RoaringBitmap bitmap) {
    bitmap.forEach(adder);
  }

  /** Removes every member of {@code bitmap}: O(|bitmap|), no allocation. */
  void removeAll(RoaringBitmap bitmap) {
    bitmap.forEach(remover);
  }

  /** Keeps only members also in {@code bitmap}: O(|this| log), no allocation. */
  void retainAll(RoaringBitmap bitmap) {
    final long[] w = words;
    final long[] t = touched;
    for (int s = 0; s < t.length; s++) {
      long summary = t[s];
      while (summary != 0) {
        final int word = (s << 6) + Long.numberOfTrailingZeros(summary);
        summary &= summary - 1;
        long bits = w[word];
        long kept = bits;
        while (bits != 0) {
          final int bit = Long.numberOfTrailingZeros(bits);
          bits &= bits - 1;
          if (!bitmap.contains((word << 6) + bit)) {
            kept &= ~(1L << bit);
          }
        }
        w[word] = kept;
      }
    }
  }

  /** Number of members. */
  int cardinality() {
    return countBelow(Integer.MAX_VALUE);
  }

  /** Number of members below {@code limit}. */
  int countBelow(int limit) {
    return countAndNotBelow(null, limit);
  }

  /** Number of members below {@code limit} that are not in {@code minus} (null: none removed). */
  int countAndNotBelow(OrdinalBitset minus, int limit) {
    final long[] w = words;
    final long[] t = touched;
    int count = 0;
    for (int s = 0; s < t.length; s++) {
      long summary = t[s];
      while (summary != 0) {
        final int word = (s << 6) + Long.numberOfTrailingZeros(summary);
        summary &= summary - 1;
        count += Long.bitCount(masked(w[word], minus, word, limit));
      }
    }
    return count;
  }

  /**
   * Writes members below {@code limit} not in {@code minus} (null: none) into {@code out}, ascending,
   * stopping when {@code out} is full; returns how many were written.
   */
  int collectAndNotBelow(OrdinalBitset minus, int limit, int[] out) {
    final long[] w = words;
    final long[] t = touched;
    int n = 0;
    for (int s = 0; s < t.length; s++) {
      long summary = t[s];
      while (summary != 0) {
        final int word = (s << 6) + Long.numberOfTrailingZeros(summary);
        summary &= summary - 1;
        long bits = masked(w[word], minus, word, limit);
        while (bits != 0) {
          if (n == out.length) {
            return n;
          }
          out[n++] = (word << 6) + Long.numberOfTrailingZeros(bits);
          bits &= bits - 1;
        }
      }
    }
    return n;
  }

  /**
   * Writes ordinals in {@code [0, limit)} that are not members into {@code out}, ascending, stopping
   * when it is full; returns how many. O(limit / 64).
   */
  int collectComplementBelow(int limit, int[] out) {
    int n = 0;
    final int lastWord = (limit - 1) >>> 6;
    for (int word = 0; limit > 0 && word <= lastWord; word++) {
      long bits = ~(word < words.length ? words[word] : 0L);
      if (word == lastWord && (limit & 63) != 0) {
        bits &= (1L << limit) - 1;
      }
      while (bits != 0) {
        if (n == out.length) {
          return n;
        }
        out[n++] = (word << 6) + Long.numberOfTrailingZeros(bits);
        bits &= bits - 1;
      }
    }
    return n;
  }

  private static long masked(long bits, OrdinalBitset minus, int word, int limit) {
    if (minus != null && word < minus.words.length) {
      bits &= ~minus.words[word];
    }
    final long first = (long) word << 6;
    if (first + 64 > limit) {
      bits = first >= limit ? 0L : bits & ((1L << (limit - first)) - 1);
    }
    return bits;
  }
}
