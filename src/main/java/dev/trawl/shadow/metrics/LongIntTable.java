package dev.trawl.shadow.metrics;

import java.util.Arrays;

/**
 * An open-addressing map from {@code long} keys to non-negative {@code int} values, cleared in O(1)
 * by bumping an epoch stamp. It is the one hash structure behind page alignment and distinct counts:
 * a page of a few hundred ids is inserted, probed and forgotten once per compared request.
 *
 * <p>Keys are spread by a 64-bit finaliser and probed linearly in a power-of-two table kept at most
 * half full. Every key, including {@code 0} and {@code Long.MIN_VALUE}, is allowed; slots are
 * recognised as live by their stamp, not by a reserved key.
 *
 * <p><b>Not thread-safe</b>: owned by one comparator. <b>Allocation:</b> none in steady state; the
 * table doubles (allocating) only when a page larger than any seen before is inserted.
 */
public final class LongIntTable {
  /** Returned by {@link #get} for a key that is not present. */
  public static final int MISSING = -1;

  private long[] keys;
  private int[] values;
  private int[] stamps;
  private int mask;
  private int size;
  private int epoch = 1;

  /** A table that holds {@code expectedKeys} keys without growing. */
  public LongIntTable(int expectedKeys) {
    if (expectedKeys < 0) {
      throw new IllegalArgumentException("expectedKeys must be >= 0, got " + expectedKeys);
    }
    allocate(capacityFor(expectedKeys));
  }

  /** Number of keys held since the last {@link #clear}. */
  public int size() {
    return size;
  }

  /** Forgets every key in O(1). */
  public void clear() {
    size = 0;
    if (++epoch == Integer.MAX_VALUE) {
      // wrap-around: stale stamps could otherwise match a future epoch
      Arrays.fill(stamps, 0);
      epoch = 1;
    }
  }

  /** The value stored for {@code key}, or {@link #MISSING}. */
  public int get(long key) {
    final long[] k = keys;
    final int[] s = stamps;
    final int m = mask;
    final int e = epoch;
    for (int i = slot(key, m); ; i = (i + 1) & m) {
      if (s[i] != e) {
        return MISSING;
      }
      if (k[i] == key) {
        return values[i];
      }
    }
  }

  /**
   * Stores {@code value} for {@code key} unless the key is present.
   *
   * @return {@link #MISSING} if the key was inserted, otherwise the value already stored (unchanged)
   * @throws IllegalArgumentException if {@code value} is negative
   */
  public int putIfAbsent(long key, int value) {
    if (value < 0) {
      throw new IllegalArgumentException("value must be >= 0, got " + value);
    }
    if ((size + 1) * 2 > keys.length) {
      grow();
    }
    final long[] k = keys;
    final int[] s = stamps;
    final int m = mask;
    final int e = epoch;
    int i = slot(key, m);
    while (s[i] == e) {
      if (k[i] == key) {
        return values[i];
      }
      i = (i + 1) & m;
    }
    s[i] = e;
    k[i] = key;
    values[i] = value;
    size++;
    return MISSING;
  }

  private void grow() {
    final long[] oldKeys = keys;
    final int[] oldValues = values;
    final int[] oldStamps = stamps;
    final int oldEpoch = epoch;
    allocate(oldKeys.length * 2);
    epoch = 1;
    size = 0;
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldStamps[i] == oldEpoch) {
        putIfAbsent(oldKeys[i], oldValues[i]);
      }
    }
  }

  private void allocate(int capacity) {
    keys = new long[capacity];
    values = new int[capacity];
    stamps = new int[capacity];
    mask = capacity - 1;
  }

  private static int capacityFor(int expectedKeys) {
    final int wanted = Math.max(16, expectedKeys * 2);
    return Integer.highestOneBit(wanted - 1) << 1;
  }

  private static int slot(long key, int mask) {
    long h = key;
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return (int) h & mask;
  }
}
