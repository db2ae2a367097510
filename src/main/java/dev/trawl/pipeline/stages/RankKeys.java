package dev.trawl.pipeline.stages;

import dev.trawl.pipeline.CandidateBatch;

/**
 * Packs (score, row) into one {@code long} whose ascending order is "highest score first, then lower
 * row first", and sorts such keys in place. NaN scores rank last. An in-place heap sort, because
 * {@code Arrays.sort(long[])} may allocate a merge buffer for large inputs.
 */
final class RankKeys {
  private RankKeys() {}

  static long key(float score, int row) {
    final float s = Float.isNaN(score) ? Float.NEGATIVE_INFINITY : score;
    int bits = Float.floatToIntBits(s == 0f ? 0f : s);
    bits ^= (bits >> 31) & 0x7fffffff; // ascending int order == ascending float order
    return ((long) ~bits << 32) | (row & 0xffffffffL);
  }

  static int row(long key) {
    return (int) key;
  }

  /** Writes the batch's rows in rank order into {@code rows} (uses the batch's long scratch). */
  static void rank(CandidateBatch batch, int[] rows) {
    final int n = batch.size();
    final long[] keys = batch.longScratch();
    for (int r = 0; r < n; r++) {
      keys[r] = key(batch.score(r), r);
    }
    sort(keys, n);
    for (int i = 0; i < n; i++) {
      rows[i] = row(keys[i]);
    }
  }

  static void sort(long[] a, int n) {
    for (int i = n / 2 - 1; i >= 0; i--) {
      siftDown(a, i, n);
    }
    for (int end = n - 1; end > 0; end--) {
      final long t = a[0];
      a[0] = a[end];
      a[end] = t;
      siftDown(a, 0, end);
    }
  }

  private static void siftDown(long[] a, int i, int n) {
    final long v = a[i];
    while (true) {
      int c = 2 * i + 1;
      if (c >= n) {
        break;
      }
      if (c + 1 < n && a[c + 1] > a[c]) {
        c++;
      }
      if (a[c] <= v) {
        break;
      }
      a[i] = a[c];
      i = c;
    }
    a[i] = v;
  }
}
