package dev.trawl.testing;

/** Recall arithmetic shared by the tests. */
public final class Recall {
  private Recall() {}

  /** |found[0..k) ∩ truth[0..k)| / k, with ids compared as longs. */
  public static double atK(long[] found, int foundCount, int[] truth, int k) {
    int hits = 0;
    for (int i = 0; i < Math.min(k, foundCount); i++) {
      for (int j = 0; j < k; j++) {
        if (found[i] == truth[j]) {
          hits++;
          break;
        }
      }
    }
    return hits / (double) k;
  }
}
