package dev.trawl.shadow;

/**
 * The decision on one report metric, at the report's family-wise error rate (see {@link FlagPolicy}).
 *
 * <ul>
 *   <li>{@link #SAME}: no change at least as large as the minimum effect — the confidence interval
 *       lies within {@code ±minEffect}, or the change is statistically real but smaller than it.
 *   <li>{@link #BETTER} / {@link #WORSE}: the interval excludes zero and the estimate exceeds the
 *       minimum effect, for a metric with a direction ({@link MetricKind#lowerIsBetter()}).
 *   <li>{@link #CHANGED}: the same for a metric without a direction, or the metric exists on one side
 *       only (a rule or stage that the candidate removed or added).
 *   <li>{@link #INCONCLUSIVE}: the interval contains zero but reaches beyond the minimum effect: too
 *       few requests to tell. Gates do not trip on it; more requests resolve it.
 * </ul>
 */
public enum Verdict {
  /** No change at least as large as the minimum effect. */
  SAME,
  /** A real improvement beyond the minimum effect. */
  BETTER,
  /** A real regression beyond the minimum effect. */
  WORSE,
  /** A real change of a metric without a direction, or a metric on one side only. */
  CHANGED,
  /** Too few requests to tell. */
  INCONCLUSIVE;

  /**
   * {@return whether this is a detected change ({@link #BETTER}, {@link #WORSE} or {@link
   * #CHANGED})}
   */
  public boolean isChange() {
    return this == BETTER || this == WORSE || this == CHANGED;
  }
}
