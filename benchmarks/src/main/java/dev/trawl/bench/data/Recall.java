package dev.trawl.bench.data;

/** Recall arithmetic. Stateless. */
public final class Recall {
  private Recall() {}

  /** |found[0..k) ∩ truth[0..k)| / k. */
  public static double atK(int[] found, int foundCount, int[] truth, int k) {
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
