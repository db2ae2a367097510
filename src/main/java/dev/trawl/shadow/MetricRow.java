package dev.trawl.shadow;

/**
 * One line of a {@link ShadowReport}. Immutable and thread-safe.
 *
 * @param group what the metric is about: {@code agreement}, {@code page}, {@code source_share},
 *     {@code rule_funnel}, {@code scores}, {@code latency}, {@code errors}
 * @param name the metric, e.g. {@code rbo}, {@code share[trending]}, {@code latency_p99_us}
 * @param kind the metric's kind: its unit, minimum effect and direction
 * @param primary the primary's value (side A); {@code NaN} for metrics of the pair (agreement, PSI)
 * @param candidate the candidate's value (side B); for agreement metrics the similarity itself
 * @param delta the A/B difference: {@code candidate - primary}, or for agreement metrics the
 *     dissimilarity {@code 1 - similarity} (mean rank shift as is), or the PSI/KS statistic
 * @param noise the same difference measured by the A/A window, {@code 0} without one
 * @param effect the tested effect: {@code delta - noise} ({@code delta} without a noise floor)
 * @param ciLow lower end of the effect's confidence interval at the report's Bonferroni level
 * @param ciHigh upper end of that interval
 * @param minEffect the smallest effect that counts as a change for this metric
 * @param verdict the decision (see {@link Verdict})
 * @param note why a structural verdict was given (e.g. {@code absent in candidate}), else empty
 */
public record MetricRow(
    String group,
    String name,
    MetricKind kind,
    double primary,
    double candidate,
    double delta,
    double noise,
    double effect,
    double ciLow,
    double ciHigh,
    double minEffect,
    Verdict verdict,
    String note) {

  /** {@return whether the verdict is a change ({@link Verdict#isChange()})} */
  public boolean flagged() {
    return verdict.isChange();
  }
}
