package dev.trawl.shadow.metrics;

import dev.trawl.collect.LongIntTable;

/**
 * Joins two ranked pages by item id and answers the rank-agreement metrics from that one join:
 * overlap@k, Jaccard, rank-biased overlap, Kendall's tau on the shared items and the rank shift of
 * each shared item.
 *
 * <p>{@link #align} records, for every position of page A, the rank of the same id in page B (or
 * {@code -1}) and vice versa; every metric is then a pass over those two {@code int[]} columns. Pages
 * are expected to hold distinct ids (the pipeline de-duplicates). If an id repeats within a page,
 * only its first position takes part in the join; a later repeat counts as an item the other page
 * does not share.
 *
 * <p>Usage: {@code align(...)} once per request, then read any metrics; they refer to the last
 * alignment.
 *
 * <p><b>Not thread-safe</b>: one per comparing thread. <b>Allocation:</b> none in steady state; the
 * columns and hash tables grow (allocating) only for a page longer than any seen before. The id arrays
 * passed to {@code align} are read during the call and not kept.
 */
public final class PageAlignment {
  /** Rank in the other page of an item the other page does not hold. */
  public static final int ABSENT = -1;

  private final LongIntTable ranksA;
  private final LongIntTable ranksB;
  private int[] rankInB = new int[0];
  private int[] rankInA = new int[0];
  private int[] sequence = new int[0];
  private int[] mergeScratch = new int[0];
  private int sizeA;
  private int sizeB;
  private int shared;

  /**
   * An alignment sized for pages of about {@code expectedPageSize} items (grows on demand).
   *
   * @param expectedPageSize the usual page length
   */
  public PageAlignment(int expectedPageSize) {
    ranksA = new LongIntTable(expectedPageSize);
    ranksB = new LongIntTable(expectedPageSize);
    ensure(expectedPageSize);
  }

  /**
   * Joins page A ({@code idsA[0..sizeA)}, best first) with page B.
   *
   * @param idsA page A's ids, best first; read during the call only
   * @param sizeA page A's length
   * @param idsB page B's ids, best first; read during the call only
   * @param sizeB page B's length
   * @throws IllegalArgumentException if a size is negative or exceeds its array
   */
  public void align(long[] idsA, int sizeA, long[] idsB, int sizeB) {
    checkSize("A", idsA, sizeA);
    checkSize("B", idsB, sizeB);
    ensure(Math.max(sizeA, sizeB));
    this.sizeA = sizeA;
    this.sizeB = sizeB;
    index(ranksA, idsA, sizeA);
    index(ranksB, idsB, sizeB);
    int common = 0;
    for (int i = 0; i < sizeA; i++) {
      final int r = ranksA.get(idsA[i]) == i ? ranksB.get(idsA[i]) : ABSENT;
      rankInB[i] = r;
      if (r >= 0) {
        common++;
      }
    }
    for (int j = 0; j < sizeB; j++) {
      rankInA[j] = ranksB.get(idsB[j]) == j ? ranksA.get(idsB[j]) : ABSENT;
    }
    shared = common;
  }

  /** {@return the length of page A in the last alignment} */
  public int sizeA() {
    return sizeA;
  }

  /** {@return the length of page B in the last alignment} */
  public int sizeB() {
    return sizeB;
  }

  /** {@return the number of items on both pages} */
  public int shared() {
    return shared;
  }

  /**
   * Rank in page B of the item at position {@code i} of page A, or {@link #ABSENT}.
   *
   * @param i a position in page A
   * @return the item's position in page B, or {@link #ABSENT}
   */
  public int rankInB(int i) {
    if (i < 0 || i >= sizeA) {
      throw new IndexOutOfBoundsException("position " + i + " of page A of size " + sizeA);
    }
    return rankInB[i];
  }

  /**
   * Rank in page A of the item at position {@code j} of page B, or {@link #ABSENT}.
   *
   * @param j a position in page B
   * @return the item's position in page A, or {@link #ABSENT}
   */
  public int rankInA(int j) {
    if (j < 0 || j >= sizeB) {
      throw new IndexOutOfBoundsException("position " + j + " of page B of size " + sizeB);
    }
    return rankInA[j];
  }

  /**
   * Overlap at depth {@code k}: {@code |A[:d] ∩ B[:d]| / d} with {@code d = min(k, max(|A|, |B|))},
   * so two identical pages shorter than {@code k} still score 1 and a page cut short is penalised.
   * Two empty pages score 1.
   *
   * @param k the depth, at least 1
   * @return the overlap, in [0, 1]
   * @throws IllegalArgumentException if {@code k < 1}
   */
  public double overlapAt(int k) {
    if (k < 1) {
      throw new IllegalArgumentException("k must be >= 1, got " + k);
    }
    final int d = Math.min(k, Math.max(sizeA, sizeB));
    if (d == 0) {
      return 1.0;
    }
    final int limit = Math.min(d, sizeA);
    int hits = 0;
    for (int i = 0; i < limit; i++) {
      final int r = rankInB[i];
      if (r >= 0 && r < d) {
        hits++;
      }
    }
    return (double) hits / d;
  }

  /**
   * {@return the Jaccard similarity of the two pages as sets, {@code |A ∩ B| / |A ∪ B|}; two empty
   * pages score 1}
   */
  public double jaccard() {
    final int union = sizeA + sizeB - shared;
    return union == 0 ? 1.0 : (double) shared / union;
  }

  /**
   * Extrapolated rank-biased overlap, RBO<sub>EXT</sub> (Webber, Moffat &amp; Zobel 2010, eq. 32; eq. 30
   * for pages of different lengths). With {@code l} the longer and {@code s} the shorter length and
   * {@code X_d} the overlap of the two depth-{@code d} prefixes (the shorter page taken whole once
   * {@code d > s}):
   *
   * <pre>
   * RBO_ext = (1-p)/p * ( sum_{d=1..l} X_d/d * p^d + sum_{d=s+1..l} X_s (d-s) / (s d) * p^d )
   *         + ( (X_l - X_s)/l + X_s/s ) * p^l
   * </pre>
   *
   * <p>It is the point estimate that assumes the agreement seen at the evaluated depth continues
   * below it, so identical pages score exactly 1 (unlike the lower bound RBO<sub>MIN</sub>), and a
   * page that is a prefix of the other also scores 1. {@code p} sets how top-heavy it is: the top
   * ranks weigh most: p = 0.9 puts ~86% of the weight on the top 10 ranks, p = 0.98 on the top 50
   * (the paper's eq. 21).
   * Two empty pages score 1; an empty page against a non-empty one scores 0.
   *
   * @param p the persistence, in (0, 1): higher weighs deeper ranks more
   * @return the extrapolated RBO, in [0, 1]
   * @throws IllegalArgumentException unless {@code 0 < p < 1}
   */
  public double rbo(double p) {
    if (!(p > 0.0 && p < 1.0)) {
      throw new IllegalArgumentException("RBO persistence p must be in (0, 1), got " + p);
    }
    final int l = Math.max(sizeA, sizeB);
    final int s = Math.min(sizeA, sizeB);
    if (l == 0) {
      return 1.0;
    }
    if (s == 0) {
      return 0.0;
    }
    final int[] inB = rankInB;
    final int[] inA = rankInA;
    final int la = sizeA;
    final int lb = sizeB;
    double sum = 0.0;
    double pd = 1.0;
    int x = 0;
    int xs = 0;
    for (int t = 0; t < l; t++) {
      // depth d = t + 1 adds A[t] if B holds it at rank <= t, and B[t] if A holds it at rank < t
      // (rank == t is the same pair, already counted from A's side)
      if (t < la) {
        final int r = inB[t];
        if (r >= 0 && r <= t) {
          x++;
        }
      }
      if (t < lb) {
        final int r = inA[t];
        if (r >= 0 && r < t) {
          x++;
        }
      }
      final int d = t + 1;
      pd *= p;
      sum += (double) x / d * pd;
      if (d == s) {
        xs = x;
      } else if (d > s) {
        sum += (double) xs * (d - s) / ((double) s * d) * pd;
      }
    }
    return (1.0 - p) / p * sum + ((double) (x - xs) / l + (double) xs / s) * pd;
  }

  /**
   * Kendall's tau between the two orders of the shared items:
   * {@code (concordant - discordant) / (n (n - 1) / 2)}. Ranks within a page never tie, so tau-a
   * and tau-b coincide here. Computed in {@code O(n log n)} by counting inversions with a merge sort.
   *
   * @return tau in [-1, 1], or {@code NaN} when fewer than two items are shared
   */
  public double kendallTau() {
    final int n = shared;
    if (n < 2) {
      return Double.NaN;
    }
    final int[] seq = sequence;
    int m = 0;
    for (int i = 0; i < sizeA; i++) {
      final int r = rankInB[i];
      if (r >= 0) {
        seq[m++] = r;
      }
    }
    final long discordant = countInversions(seq, mergeScratch, n);
    final long pairs = (long) n * (n - 1) / 2;
    return (double) (pairs - 2 * discordant) / pairs;
  }

  /**
   * Mean of {@code |rank in A - rank in B|} over the shared items, or {@code NaN} when none is shared.
   * @return the mean shift in positions, or {@code NaN}
   */
  public double meanAbsoluteRankShift() {
    if (shared == 0) {
      return Double.NaN;
    }
    long total = 0;
    for (int i = 0; i < sizeA; i++) {
      final int r = rankInB[i];
      if (r >= 0) {
        total += Math.abs(r - i);
      }
    }
    return (double) total / shared;
  }

  /** Sorts {@code a[0..n)} ascending and returns the number of pairs it found out of order. */
  private static long countInversions(int[] a, int[] tmp, int n) {
    long inversions = 0;
    // bottom-up merge sort: no recursion, no allocation
    int[] src = a;
    int[] dst = tmp;
    for (int width = 1; width < n; width <<= 1) {
      for (int lo = 0; lo < n; lo += 2 * width) {
        final int mid = Math.min(lo + width, n);
        final int hi = Math.min(lo + 2 * width, n);
        int i = lo;
        int j = mid;
        int k = lo;
        while (i < mid && j < hi) {
          if (src[i] <= src[j]) {
            dst[k++] = src[i++];
          } else {
            inversions += mid - i;
            dst[k++] = src[j++];
          }
        }
        while (i < mid) {
          dst[k++] = src[i++];
        }
        while (j < hi) {
          dst[k++] = src[j++];
        }
      }
      final int[] swap = src;
      src = dst;
      dst = swap;
    }
    return inversions;
  }

  private static void index(LongIntTable table, long[] ids, int size) {
    table.clear();
    for (int i = 0; i < size; i++) {
      table.putIfAbsent(ids[i], i);
    }
  }

  private void ensure(int capacity) {
    if (rankInB.length < capacity) {
      final int c = Math.max(capacity, rankInB.length * 2);
      rankInB = new int[c];
      rankInA = new int[c];
      sequence = new int[c];
      mergeScratch = new int[c];
    }
  }

  private static void checkSize(String page, long[] ids, int size) {
    if (size < 0 || size > ids.length) {
      throw new IllegalArgumentException(
          "page " + page + " size " + size + " outside [0, " + ids.length + "]");
    }
  }
}
