package dev.trawl.shadow;

/**
 * What a report metric measures, which decides its unit, its default minimum practical effect (see
 * {@link FlagPolicy}) and whether a change has a good and a bad direction.
 *
 * <p>Only latency and error rates have a direction (lower is better): a changed page, source mix or
 * score distribution is what a candidate is for, so those changes are reported as
 * {@link Verdict#CHANGED}, never as better or worse.
 */
public enum MetricKind {
  /** Page dissimilarity to the primary (1 - overlap, 1 - Jaccard, 1 - RBO, 1 - tau), a fraction. */
  AGREEMENT(false, true),
  /** Mean absolute rank shift of shared items, in ranks. */
  RANK_SHIFT(false, true),
  /** A count per page (page size, distinct authors or communities). */
  COUNT(false, false),
  /** A share or rate in [0, 1] (source share of a page, fraction removed by a rule). */
  PROPORTION(false, false),
  /** A distance between score distributions (PSI, KS statistic). */
  DISTRIBUTION(false, true),
  /**
   * A query feature's mean (a vector component or a hydrated feature), as a standardised difference in
   * reference standard deviations; used by drift reports.
   */
  FEATURE(false, false),
  /** A latency in microseconds (mean or quantile, end to end or per stage); lower is better. */
  LATENCY(true, false),
  /** A failure or timeout rate; lower is better. */
  ERROR_RATE(true, false);

  private final boolean lowerIsBetter;
  private final boolean distance;

  MetricKind(boolean lowerIsBetter, boolean distance) {
    this.lowerIsBetter = lowerIsBetter;
    this.distance = distance;
  }

  /**
   * Whether the metric is a distance between the two sides, tested against the A/A distance: then
   * only an excess counts, and a candidate closer to the primary than the primary's own re-run is
   * {@link Verdict#SAME}.
   *
   * @return true for distance metrics
   */
  public boolean isDistance() {
    return distance;
  }

  /** {@return whether a decrease is an improvement (and an increase a regression)} */
  public boolean lowerIsBetter() {
    return lowerIsBetter;
  }
}
