package dev.trawl.shadow;

/**
 * One line of a {@link ShadowReport}. Immutable and thread-safe.
 *
 * @param group what the metric is about: {@code agreement}, {@code page}, {@code source_share},
 *     {@code rule_funnel}, {@code scores}, {@code latency}, {@code errors}
 * @param name the metric, e.g. {@code rbo}, {@code share[trending]}, {@code latency_p99_us}
 * @param primary the primary's value (side A); {@code NaN} for metrics of the pair (agreement, PSI)
 * @param candidate the candidate's value (side B); for agreement metrics the similarity itself
 * @param delta the difference tested: {@code candidate - primary}, or for agreement metrics the
 *     dissimilarity {@code 1 - similarity} (mean rank shift as is), or the PSI/KS statistic
 * @param noise the same difference measured by the A/A window, {@code 0} without one
 * @param threshold {@code |noise|} plus the sampling allowance and minimum effect
 * @param flagged {@code |delta| > threshold}, or the metric exists on only one side
 * @param note an explanation when flagged for a structural reason, else empty
 */
public record MetricRow(
    String group,
    String name,
    double primary,
    double candidate,
    double delta,
    double noise,
    double threshold,
    boolean flagged,
    String note) {}
