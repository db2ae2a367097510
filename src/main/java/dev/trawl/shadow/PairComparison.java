package dev.trawl.shadow;

import dev.trawl.shadow.metrics.DistinctCounter;
import dev.trawl.shadow.metrics.PageAlignment;
import java.util.Arrays;

/**
 * The comparison of one request's two runs (A = primary, B = candidate or second primary): computes
 * every per-request metric into reusable fields, which a {@link ComparisonWindow} then folds in.
 *
 * <p>Page metrics (overlap, RBO, tau, shares, ...) are computed only when both runs answered
 * ({@link RunRecord#OK}); outcomes and latencies are always taken.
 *
 * <p><b>Not thread-safe</b>: one per comparing thread. <b>Allocation:</b> none in steady state. It
 * keeps references to the two records until the next {@link #compare}; the window reads scores and
 * latencies from them, so do not reuse the records before {@link ComparisonWindow#add} returns.
 */
public final class PairComparison {
  private final ShadowSchema schema;
  private final ComparisonConfig config;
  private final PageAlignment alignment;
  private final DistinctCounter distinct;
  private final double[] shareA;
  private final double[] shareB;
  private final double[] removedA;
  private final double[] removedB;
  private final long[] rankShift;
  private RunRecord a;
  private RunRecord b;
  private boolean bothAnswered;
  private double overlap;
  private double jaccard;
  private double rbo;
  private double tau;
  private double meanRankShift;
  private int authorsA;
  private int authorsB;
  private int communitiesA;
  private int communitiesB;

  /**
   * A comparison with its buffers sized by {@code config}; one per thread.
   *
   * @param schema the names both runs are reported under
   * @param config the metrics' parameters
   */
  public PairComparison(ShadowSchema schema, ComparisonConfig config) {
    this.schema = schema;
    this.config = config;
    alignment = new PageAlignment(config.expectedPageSize());
    distinct = new DistinctCounter(config.expectedPageSize());
    shareA = new double[schema.sourceCount()];
    shareB = new double[schema.sourceCount()];
    removedA = new double[schema.ruleCount()];
    removedB = new double[schema.ruleCount()];
    rankShift = new long[2 * config.maxRankShift() + 1];
  }

  /**
   * Compares run {@code a} with run {@code b} of the same request.
   *
   * @param a the primary's run
   * @param b the candidate's run of the same request
   * @throws IllegalArgumentException if a record belongs to another schema
   */
  public void compare(RunRecord a, RunRecord b) {
    if (a.schema() != schema || b.schema() != schema) {
      throw new IllegalArgumentException("records must belong to the comparison's schema " + schema);
    }
    this.a = a;
    this.b = b;
    funnel(a, removedA);
    funnel(b, removedB);
    bothAnswered = a.outcome() == RunRecord.OK && b.outcome() == RunRecord.OK;
    if (!bothAnswered) {
      return;
    }
    final PageAlignment al = alignment;
    al.align(a.idColumn(), a.size(), b.idColumn(), b.size());
    overlap = al.overlapAt(config.overlapDepth());
    jaccard = al.jaccard();
    rbo = al.rbo(config.rboP());
    tau = al.kendallTau();
    meanRankShift = al.meanAbsoluteRankShift();
    authorsA = distinct.count(a.authorColumn(), a.size());
    authorsB = distinct.count(b.authorColumn(), b.size());
    communitiesA = distinct.count(a.communityColumn(), a.size());
    communitiesB = distinct.count(b.communityColumn(), b.size());
    shares(a, shareA);
    shares(b, shareB);
    Arrays.fill(rankShift, 0);
    final int max = config.maxRankShift();
    for (int i = 0; i < al.sizeA(); i++) {
      final int r = al.rankInB(i);
      if (r >= 0) {
        // positive = the candidate ranks the item lower (further down the page)
        final int shift = Math.max(-max, Math.min(max, r - i));
        rankShift[shift + max]++;
      }
    }
  }

  private static void shares(RunRecord run, double[] out) {
    Arrays.fill(out, 0);
    final int n = run.size();
    if (n == 0) {
      Arrays.fill(out, Double.NaN);
      return;
    }
    final int[] src = run.sourceColumn();
    for (int i = 0; i < n; i++) {
      out[src[i]]++;
    }
    for (int s = 0; s < out.length; s++) {
      out[s] /= n;
    }
  }

  private static void funnel(RunRecord run, double[] out) {
    for (int f = 0; f < out.length; f++) {
      final int in = run.ruleIn(f);
      out[f] = in <= 0 ? Double.NaN : (double) run.ruleRemoved(f) / in;
    }
  }

  RunRecord a() {
    return a;
  }

  RunRecord b() {
    return b;
  }

  /** {@return whether both runs answered, i.e. whether the page metrics below are set} */
  public boolean bothAnswered() {
    return bothAnswered;
  }

  /**
   * {@return overlap@k of the last compared pages}
   */
  public double overlap() {
    return overlap;
  }

  /**
   * {@return the Jaccard similarity of the last compared pages}
   */
  public double jaccard() {
    return jaccard;
  }

  /**
   * {@return the rank-biased overlap of the last compared pages}
   */
  public double rbo() {
    return rbo;
  }

  /** {@return Kendall's tau on shared items; {@code NaN} with fewer than two} */
  public double kendallTau() {
    return tau;
  }

  /** {@return mean absolute rank shift of shared items; {@code NaN} when none is shared} */
  public double meanRankShift() {
    return meanRankShift;
  }

  int authorsA() {
    return authorsA;
  }

  int authorsB() {
    return authorsB;
  }

  int communitiesA() {
    return communitiesA;
  }

  int communitiesB() {
    return communitiesB;
  }

  /**
   * Share of page A's items from source {@code index}.
   *
   * @param index a source's index in the schema
   * @return the share, in [0, 1]
   */
  public double shareA(int index) {
    return shareA[index];
  }

  /**
   * Share of page B's items from source {@code index}.
   *
   * @param index a source's index in the schema
   * @return the share, in [0, 1]
   */
  public double shareB(int index) {
    return shareB[index];
  }

  double removedA(int index) {
    return removedA[index];
  }

  double removedB(int index) {
    return removedB[index];
  }

  long[] rankShiftCounts() {
    return rankShift;
  }
}
