package dev.trawl.shadow.metrics;

/**
 * Small numeric helpers for shadow verdicts: the standard normal quantile (for confidence intervals
 * at a Bonferroni-corrected level) and quantiles of a distribution given as sorted values with counts
 * (a latency histogram's buckets).
 *
 * <p><b>Stateless and thread-safe; allocates nothing.</b>
 */
public final class Distributions {
  private Distributions() {}

  /**
   * The standard normal quantile {@code Phi^-1(p)} (Acklam's rational approximation without refinement;
   * relative error below 1e-5 over {@code [1e-12, 1 - 1e-12]}, ample for critical values), e.g.
   * {@code normalQuantile(0.975) = 1.95996...}.
   *
   * @param p a probability strictly between 0 and 1
   * @return the {@code z} with {@code Phi(z) = p}
   * @throws IllegalArgumentException unless {@code 0 < p < 1}
   */
  public static double normalQuantile(double p) {
    if (!(p > 0 && p < 1)) {
      throw new IllegalArgumentException("p must be in (0, 1), got " + p);
    }
    final double low = 0.02425;
    if (p < low) {
      final double q = Math.sqrt(-2 * Math.log(p));
      return tail(q);
    }
    if (p > 1 - low) {
      final double q = Math.sqrt(-2 * Math.log(1 - p));
      return -tail(q);
    }
    final double q = p - 0.5;
    final double r = q * q;
    return (((((-3.969683028665376e+01 * r + 2.209460984245205e+02) * r - 2.759285104469687e+02) * r
                + 1.383577518672690e+02) * r - 3.066479806614716e+01) * r + 2.506628277459239e+00) * q
        / (((((-5.447609879822406e+01 * r + 1.615858368580409e+02) * r - 1.556989798598866e+02) * r
                + 6.680131188771972e+01) * r - 1.328068155288572e+01) * r + 1);
  }

  private static double tail(double q) {
    return (((((-7.784894002430293e-03 * q - 3.223964580411365e-01) * q - 2.400758277161838e+00) * q
                - 2.549671348874012e+00) * q + 4.374664141464968e+00) * q + 2.938163982698783e+00)
        / ((((7.784695709041462e-03 * q + 3.224671290700398e-01) * q + 2.445134137142996e+00) * q
                + 3.754408661907416e+00) * q + 1);
  }

  /**
   * The two-sided critical value {@code z} for {@code tests} simultaneous tests at family-wise error
   * rate {@code alpha} (Bonferroni): {@code Phi^-1(1 - alpha / (2 tests))}.
   *
   * @param alpha the family-wise error rate
   * @param tests the number of tests made together
   * @return the critical {@code |z|} each test must exceed
   * @throws IllegalArgumentException unless {@code 0 < alpha < 1} and {@code tests >= 1}
   */
  public static double bonferroniZ(double alpha, int tests) {
    if (tests < 1) {
      throw new IllegalArgumentException("tests must be >= 1, got " + tests);
    }
    if (!(alpha > 0 && alpha < 1)) {
      throw new IllegalArgumentException("alpha must be in (0, 1), got " + alpha);
    }
    return normalQuantile(1 - alpha / (2.0 * tests));
  }

  /**
   * The value at cumulative fraction {@code u} of a distribution of {@code values} (ascending) with
   * {@code counts}: the smallest value whose cumulative count reaches {@code ceil(u * total)} (at least
   * the first value). {@code NaN} for an empty distribution.
   * @param cumulative running totals of the counts ({@code cumulative[i] = counts[0] + ... + counts[i]})
   * @param values the distinct values, ascending
   * @param length how many of {@code values} are used
   * @param u the cumulative fraction, in [0, 1]
   * @return the value at {@code u}
   */
  public static double valueAt(double[] values, long[] cumulative, int length, double u) {
    if (length == 0 || cumulative[length - 1] == 0) {
      return Double.NaN;
    }
    final long total = cumulative[length - 1];
    final long rank = Math.max(1, Math.min(total, (long) Math.ceil(u * total)));
    int lo = 0;
    int hi = length - 1;
    while (lo < hi) {
      final int mid = (lo + hi) >>> 1;
      if (cumulative[mid] >= rank) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return values[lo];
  }
}
