package dev.trawl.pipeline.stages;

import java.util.Arrays;

/**
 * Counts per {@code long} key (authors, communities) in an open-addressing table cleared in O(1) by
 * an epoch. Per-context scratch; not thread-safe; allocates only when it grows past half full.
 */
final class LongCounts {
  private long[] keys;
  private int[] counts;
  private int[] stamps;
  private int mask;
  private int epoch = 1;
  private int size;

  LongCounts(int expected) {
    final int c = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
    keys = new long[c];
    counts = new int[c];
    stamps = new int[c];
    mask = c - 1;
  }

  void clear() {
    size = 0;
    if (++epoch == 0) {
      Arrays.fill(stamps, 0);
      epoch = 1;
    }
  }

  /** Increments the count of {@code key} and returns the new count. */
  int increment(long key) {
    if (size * 2 >= keys.length) {
      grow();
    }
    int i = slot(key);
    while (stamps[i] == epoch) {
      if (keys[i] == key) {
        return ++counts[i];
      }
      i = (i + 1) & mask;
    }
    stamps[i] = epoch;
    keys[i] = key;
    counts[i] = 1;
    size++;
    return 1;
  }

  /** The count of {@code key} (0 when absent). */
  int get(long key) {
    int i = slot(key);
    while (stamps[i] == epoch) {
      if (keys[i] == key) {
        return counts[i];
      }
      i = (i + 1) & mask;
    }
    return 0;
  }

  private int slot(long key) {
    final long h = key * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32)) & mask;
  }

  private void grow() {
    final long[] ok = keys;
    final int[] oc = counts;
    final int[] os = stamps;
    final int oe = epoch;
    keys = new long[ok.length * 2];
    counts = new int[ok.length * 2];
    stamps = new int[ok.length * 2];
    mask = keys.length - 1;
    epoch = 1;
    size = 0;
    for (int j = 0; j < ok.length; j++) {
      if (os[j] == oe) {
        int i = slot(ok[j]);
        while (stamps[i] == epoch) {
          i = (i + 1) & mask;
        }
        stamps[i] = epoch;
        keys[i] = ok[j];
        counts[i] = oc[j];
        size++;
      }
    }
  }
}
