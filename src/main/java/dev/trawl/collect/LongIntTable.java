package dev.trawl.collect;

import java.util.Arrays;

/**
 * An open-addressing map from {@code long} keys to non-negative {@code int} values, cleared in O(1)
 * by bumping an epoch stamp: the one hash table behind Trawl's request-scoped sets and counters
 * (candidate de-duplication, per-author caps, a request's id sets, page alignment in shadow
 * comparisons), which insert a few hundred keys, probe them and forget them once per request.
 *
 * <p>Used as a set ({@link #add}), a counter ({@link #increment}) or a map ({@link #putIfAbsent},
 * {@link #get}). Keys are spread by a 64-bit finaliser and probed linearly in a power-of-two table
 * kept at most half full. Every key, including {@code 0} and {@code Long.MIN_VALUE}, is allowed: a
 * slot is live when its stamp equals the current epoch, not because its key differs from a reserved
 * one. Values are non-negative so that {@link #MISSING} can mean "absent".
 *
 * <p><b>Not thread-safe</b>: owned by one thread at a time (a request context, a comparator).
 * <b>Allocation:</b> none in steady state; the table doubles (allocating) only when more keys are
 * inserted than any request before held, and the stamps are refilled once every 2^31 clears.
 */
public final class LongIntTable {
  /** Returned by {@link #get} and {@link #putIfAbsent} for a key that is not present. */
  public static final int MISSING = -1;

  private long[] keys;
  private int[] values;
  private int[] stamps;
  private int mask;
  private int size;
  private int epoch = 1;

  /**
   * A table that holds {@code expectedKeys} keys without growing.
   *
   * @throws IllegalArgumentException if {@code expectedKeys} is negative
   */
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

  /** Whether {@code key} is present. */
  public boolean contains(long key) {
    return get(key) != MISSING;
  }

  /** The value stored for {@code key}, or {@link #MISSING}. */
  public int get(long key) {
    final int i = find(key);
    return i < 0 ? MISSING : values[i];
  }

  /** The value stored for {@code key}, or {@code absent} when it is not present. */
  public int getOrDefault(long key, int absent) {
    final int i = find(key);
    return i < 0 ? absent : values[i];
  }

  /** Adds {@code key} (with value 0) if absent; returns whether it was added. Set use. */
  public boolean add(long key) {
    return putIfAbsent(key, 0) == MISSING;
  }

  /**
   * Adds one to the value of {@code key} (absent keys count from 0) and returns the new value.
   * Counter use.
   */
  public int increment(long key) {
    final int i = slotFor(key);
    if (stamps[i] == epoch) {
      return ++values[i];
    }
    insert(i, key, 1);
    return 1;
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
    final int i = slotFor(key);
    if (stamps[i] == epoch) {
      return values[i];
    }
    insert(i, key, value);
    return MISSING;
  }

  /** The live slot of {@code key}, or -1. */
  private int find(long key) {
    final long[] k = keys;
    final int[] s = stamps;
    final int m = mask;
    final int e = epoch;
    for (int i = hash(key) & m; ; i = (i + 1) & m) {
      if (s[i] != e) {
        return -1;
      }
      if (k[i] == key) {
        return i;
      }
    }
  }

  /**
   * The live slot of {@code key}, or the free slot where it would go (growing first if one more key
   * would make the table more than half full).
   */
  private int slotFor(long key) {
    if ((size + 1) * 2 > keys.length) {
      grow();
    }
    final long[] k = keys;
    final int[] s = stamps;
    final int m = mask;
    final int e = epoch;
    int i = hash(key) & m;
    while (s[i] == e && k[i] != key) {
      i = (i + 1) & m;
    }
    return i;
  }

  private void insert(int slot, long key, int value) {
    stamps[slot] = epoch;
    keys[slot] = key;
    values[slot] = value;
    size++;
  }

  private void grow() {
    final long[] oldKeys = keys;
    final int[] oldValues = values;
    final int[] oldStamps = stamps;
    final int oldEpoch = epoch;
    allocate(oldKeys.length * 2);
    epoch = 1;
    size = 0;
    final int m = mask;
    for (int j = 0; j < oldKeys.length; j++) {
      if (oldStamps[j] == oldEpoch) {
        int i = hash(oldKeys[j]) & m;
        while (stamps[i] == epoch) {
          i = (i + 1) & m;
        }
        insert(i, oldKeys[j], oldValues[j]);
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

  /** The 64-bit finaliser of MurmurHash3: sequential ids and ids with equal low bits spread out. */
  private static int hash(long key) {
    long h = key;
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return (int) h;
  }
}
