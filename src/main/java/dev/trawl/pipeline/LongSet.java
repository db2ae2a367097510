package dev.trawl.pipeline;

/**
 * An open-addressing set of {@code long}s cleared in O(1) by bumping an epoch (a slot is occupied
 * only if its stamp equals the current epoch). Used to de-duplicate candidates across sources.
 * Not thread-safe; allocates only when it grows past half full.
 */
final class LongSet {
  private long[] keys;
  private int[] stamps;
  private int mask;
  private int epoch = 1;
  private int size;

  LongSet(int expected) {
    int c = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
    keys = new long[c];
    stamps = new int[c];
    mask = c - 1;
  }

  void clear() {
    size = 0;
    if (++epoch == 0) {
      java.util.Arrays.fill(stamps, 0);
      epoch = 1;
    }
  }

  /** Adds {@code key}; returns false if it was already present. */
  boolean add(long key) {
    if (size * 2 >= keys.length) {
      rehash();
    }
    int i = mix(key) & mask;
    while (stamps[i] == epoch) {
      if (keys[i] == key) {
        return false;
      }
      i = (i + 1) & mask;
    }
    stamps[i] = epoch;
    keys[i] = key;
    size++;
    return true;
  }

  private void rehash() {
    final long[] oldKeys = keys;
    final int[] oldStamps = stamps;
    final int oldEpoch = epoch;
    keys = new long[oldKeys.length * 2];
    stamps = new int[oldKeys.length * 2];
    mask = keys.length - 1;
    epoch = 1;
    size = 0;
    for (int j = 0; j < oldKeys.length; j++) {
      if (oldStamps[j] == oldEpoch) {
        add(oldKeys[j]);
      }
    }
  }

  private static int mix(long key) {
    long h = key * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32));
  }
}
