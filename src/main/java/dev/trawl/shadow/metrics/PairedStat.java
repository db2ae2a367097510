package dev.trawl.shadow.metrics;

/**
 * Running statistics of a quantity measured on both runs of the same request (A = primary,
 * B = candidate): the mean of each side and the mean of the paired difference {@code B - A} with its
 * standard error. Pairing removes the request-to-request variation both runs share, so a shift is
 * detectable with far fewer requests than comparing the two means independently.
 *
 * <p>A request where either side is {@code NaN} (undefined there, e.g. a filter the candidate does
 * not have) contributes to that side's mean only and counts as an undefined difference.
 *
 * <p><b>Not thread-safe</b>; callers that share one guard it. <b>Allocation:</b> none.
 */
public final class PairedStat {
  private final RunningStat a = new RunningStat();
  private final RunningStat b = new RunningStat();
  private final RunningStat diff = new RunningStat();

  /**
   * Adds one request's values.
   *
   * @param valueA the primary's value
   * @param valueB the candidate's value
   */
  public void add(double valueA, double valueB) {
    a.add(valueA);
    b.add(valueB);
    diff.add(valueB - valueA);
  }

  /** {@return the statistics of side A (the primary); live, not a copy} */
  public RunningStat a() {
    return a;
  }

  /** {@return the statistics of side B (the candidate); live, not a copy} */
  public RunningStat b() {
    return b;
  }

  /** {@return the statistics of the paired difference {@code B - A}; live, not a copy} */
  public RunningStat diff() {
    return diff;
  }

  /**
   * Makes this a copy of {@code other}.
   *
   * @param other the statistics copied; unchanged
   */
  public void copyFrom(PairedStat other) {
    a.copyFrom(other.a);
    b.copyFrom(other.b);
    diff.copyFrom(other.diff);
  }

  /**
   * Adds every pair of {@code other}.
   *
   * @param other the statistics added; unchanged
   */
  public void merge(PairedStat other) {
    a.merge(other.a);
    b.merge(other.b);
    diff.merge(other.diff);
  }

  /**
   * Forgets every pair.
   */
  public void reset() {
    a.reset();
    b.reset();
    diff.reset();
  }
}
