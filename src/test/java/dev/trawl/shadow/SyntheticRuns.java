package dev.trawl.shadow;

/**
 * Seeded synthetic runs for window and report tests: a request is a pool of candidates (id, source,
 * author, community, score) from which a "pipeline" keeps the best-scoring page after an optional
 * source rule and an optional rank perturbation.
 */
final class SyntheticRuns {
  static final ShadowSchema SCHEMA = ShadowSchema.builder()
      .source("ann", "recency", "trending")
      .rule("drop_trending")
      .stage("sources", "scorer")
      .build();

  final long[] ids;
  final int[] sources;
  final long[] authors;
  final long[] communities;
  final float[] scores;
  private final int[] order;

  SyntheticRuns(int poolSize) {
    ids = new long[poolSize];
    sources = new int[poolSize];
    authors = new long[poolSize];
    communities = new long[poolSize];
    scores = new float[poolSize];
    order = new int[poolSize];
  }

  /** Draws request {@code request}'s candidate pool; same request number, same pool. */
  void drawPool(long request) {
    // SplitMix64 inline: seeded and allocation-free, so lanes built on it allocate nothing
    long state = request * 7919 + 17;
    for (int i = 0; i < ids.length; i++) {
      ids[i] = request * 100_000 + i;
      state += 0x9E3779B97F4A7C15L;
      final long z = mix(state);
      sources[i] = (int) ((z >>> 1) % 3);
      authors[i] = (z >>> 8) % 40;
      communities[i] = (z >>> 20) % 10;
      scores[i] = (z >>> 40) * 0x1.0p-24f;
    }
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /**
   * Fills {@code out} with the top-{@code page} candidates by score, dropping source 2 when
   * {@code dropTrending}, then swapping {@code swaps} random adjacent pairs drawn from {@code seed}.
   */
  void run(RunRecord out, int page, boolean dropTrending, int swaps, long seed, long latencyNanos) {
    out.clear();
    int n = 0;
    int removed = 0;
    for (int i = 0; i < ids.length; i++) {
      if (dropTrending && sources[i] == 2) {
        removed++;
      } else {
        order[n++] = i;
      }
    }
    // selection sort of the best `page` candidates: small and allocation-free
    final int kept = Math.min(page, n);
    for (int i = 0; i < kept; i++) {
      int best = i;
      for (int j = i + 1; j < n; j++) {
        if (scores[order[j]] > scores[order[best]]) {
          best = j;
        }
      }
      final int t = order[i];
      order[i] = order[best];
      order[best] = t;
    }
    long state = seed * 0x9E3779B97F4A7C15L + 1;
    for (int s = 0; s < swaps && kept > 1; s++) {
      state = state * 6364136223846793005L + 1442695040888963407L;
      final int i = (int) ((state >>> 33) % (kept - 1));
      final int t = order[i];
      order[i] = order[i + 1];
      order[i + 1] = t;
    }
    for (int i = 0; i < kept; i++) {
      final int c = order[i];
      out.addItem(ids[c], sources[c], authors[c], communities[c], scores[c]);
    }
    if (dropTrending) {
      // without the rule the run has no funnel entry for it: the rule does not exist there
      out.ruleCounts(0, ids.length, removed);
    }
    out.totalNanos(latencyNanos);
    out.stageNanos(0, latencyNanos / 2);
    out.stageNanos(1, latencyNanos / 4);
  }
}
