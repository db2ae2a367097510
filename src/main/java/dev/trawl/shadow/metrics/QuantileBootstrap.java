package dev.trawl.shadow.metrics;

import java.util.Arrays;

/**
 * The standard error of the difference of one quantile between two samples ({@code q_B - q_A}), by a
 * seeded bootstrap over each sample's distribution (given as ascending values with counts, e.g. the
 * buckets of a latency histogram). Latency quantiles have no simple closed-form standard error; the
 * bootstrap gives one that respects the distribution's shape and its ties.
 *
 * <p>Each resample draws the quantile of {@code n} values from the sample's empirical distribution
 * through its order statistic: a bootstrap sample's {@code p}-quantile is the empirical value at
 * cumulative fraction {@code U}, where {@code U} is the {@code ceil(p n)}-th smallest of {@code n}
 * uniforms; {@code U} is drawn from its normal approximation {@code N(p, p(1-p)/n)}. So one resample
 * costs O(log buckets) whatever {@code n}, and a report over millions of requests bootstraps as fast
 * as one over a hundred. The two samples are resampled independently (they are different runs).
 *
 * <p>The standard error is half the spread between the 15.87th and 84.13th percentiles of the
 * resampled differences: the standard deviation when they are normal, and robust to the few
 * resamples of a high quantile that land on a tail outlier.
 *
 * <p><b>Not thread-safe</b> (it owns its generator and a scratch array of {@code resamples} doubles,
 * allocated at construction). <b>Allocation:</b> none per call (a primitive sort in place).
 */
public final class QuantileBootstrap {
  private final int resamples;
  private final double[] differences;
  private long state;

  /**
   * A bootstrap of {@code resamples} draws from a generator seeded with {@code seed}; the same seed and
   * inputs give the same result.
   *
   * @param resamples draws per estimate, at least 50
   * @param seed the generator's seed
   * @throws IllegalArgumentException if {@code resamples < 50}
   */
  public QuantileBootstrap(int resamples, long seed) {
    if (resamples < 50) {
      throw new IllegalArgumentException("resamples must be >= 50, got " + resamples);
    }
    this.resamples = resamples;
    this.differences = new double[resamples];
    this.state = seed;
  }

  /**
   * The bootstrap standard error of {@code quantile(B, p) - quantile(A, p)}; {@code NaN} if either
   * sample is empty.
   *
   * @param p the quantile as a fraction, in {@code [0, 1]}
   * @param valuesA side A's distinct values, ascending
   * @param cumulativeA running totals of side A's counts
   * @param lengthA how many of side A's values are used
   * @param valuesB side B's distinct values, ascending
   * @param cumulativeB running totals of side B's counts
   * @param lengthB how many of side B's values are used
   * @return the standard error, in the values' unit
   * @throws IllegalArgumentException if {@code p} is outside {@code [0, 1]}
   */
  public double differenceStandardError(
      double[] valuesA, long[] cumulativeA, int lengthA,
      double[] valuesB, long[] cumulativeB, int lengthB, double p) {
    if (!(p >= 0 && p <= 1)) {
      throw new IllegalArgumentException("p must be in [0, 1], got " + p);
    }
    if (lengthA == 0 || lengthB == 0 || cumulativeA[lengthA - 1] == 0 || cumulativeB[lengthB - 1] == 0) {
      return Double.NaN;
    }
    final long nA = cumulativeA[lengthA - 1];
    final long nB = cumulativeB[lengthB - 1];
    for (int r = 0; r < resamples; r++) {
      final double a = Distributions.valueAt(valuesA, cumulativeA, lengthA, draw(p, nA));
      final double b = Distributions.valueAt(valuesB, cumulativeB, lengthB, draw(p, nB));
      differences[r] = b - a;
    }
    Arrays.sort(differences);
    // half the central 68.3% range: the standard deviation for a normal spread, but not blown up by the
    // few resamples that reach a tail outlier (a p99 of 500 requests touches the maximum now and then)
    final double hi = differences[(int) Math.round(0.8413 * (resamples - 1))];
    final double lo = differences[(int) Math.round(0.1587 * (resamples - 1))];
    return (hi - lo) / 2;
  }

  /** The cumulative fraction of one bootstrap sample's p-quantile. */
  private double draw(double p, long n) {
    final double u = p + Math.sqrt(p * (1 - p) / n) * gaussian();
    return Math.max(0, Math.min(1, u));
  }

  /** A standard normal draw (Box-Muller on SplitMix64 uniforms; one of the pair is discarded). */
  private double gaussian() {
    final double u1 = (next() >>> 11) * 0x1.0p-53;
    final double u2 = (next() >>> 11) * 0x1.0p-53;
    return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
  }

  private long next() {
    state += 0x9E3779B97F4A7C15L;
    long z = state;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
