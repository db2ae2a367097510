package dev.trawl.shadow.metrics;

/**
 * Distribution-shift statistics between two histograms on the same {@link FixedBins}.
 *
 * <p><b>Stateless and thread-safe.</b> <b>Allocation:</b> none.
 */
public final class BinnedDistance {
  /**
   * Proportion substituted for an empty bin in {@link #psi}, so that a bin empty on one side adds a
   * large but finite term instead of infinity. The common choice in credit-risk practice.
   */
  public static final double PSI_EMPTY_BIN = 1e-4;

  private BinnedDistance() {}

  /**
   * Population stability index {@code sum_i (a_i - b_i) ln(a_i / b_i)} over bin proportions, an
   * empty bin's proportion replaced by {@link #PSI_EMPTY_BIN}. Symmetric, 0 for identical
   * proportions; by convention below 0.1 is "no real shift", above 0.25 "a large shift".
   *
   * @param a the first histogram: a count per bin
   * @param b the second histogram, over the same bins
   * @return the PSI, or {@code NaN} if either histogram is empty
   * @throws IllegalArgumentException if the arrays differ in length
   */
  public static double psi(long[] a, long[] b) {
    checkSameLength(a, b);
    final double totalA = total(a);
    final double totalB = total(b);
    if (totalA == 0 || totalB == 0) {
      return Double.NaN;
    }
    double psi = 0.0;
    for (int i = 0; i < a.length; i++) {
      if (a[i] == 0 && b[i] == 0) {
        continue;
      }
      final double pa = a[i] == 0 ? PSI_EMPTY_BIN : a[i] / totalA;
      final double pb = b[i] == 0 ? PSI_EMPTY_BIN : b[i] / totalB;
      psi += (pa - pb) * Math.log(pa / pb);
    }
    return psi;
  }

  /**
   * The two-sample Kolmogorov-Smirnov statistic on binned data: the largest absolute difference of
   * the two empirical CDFs evaluated at the bin edges. Binning can only hide differences inside a
   * bin, so it is a lower bound of the unbinned statistic.
   *
   * @param a the first histogram: a count per bin
   * @param b the second histogram, over the same bins
   * @return D in [0, 1], or {@code NaN} if either histogram is empty
   * @throws IllegalArgumentException if the arrays differ in length
   */
  public static double ks(long[] a, long[] b) {
    checkSameLength(a, b);
    final double totalA = total(a);
    final double totalB = total(b);
    if (totalA == 0 || totalB == 0) {
      return Double.NaN;
    }
    long cumA = 0;
    long cumB = 0;
    double d = 0.0;
    for (int i = 0; i < a.length; i++) {
      cumA += a[i];
      cumB += b[i];
      d = Math.max(d, Math.abs(cumA / totalA - cumB / totalB));
    }
    return d;
  }

  /**
   * The KS distance two samples of sizes {@code n} and {@code m} from one distribution exceed with
   * probability about {@code alpha}: {@code c(alpha) sqrt((n + m) / (n m))},
   * {@code c(alpha) = sqrt(-ln(alpha / 2) / 2)}.
   *
   * @param n the first sample's size
   * @param m the second sample's size
   * @param alpha the false-alarm probability, in (0, 1)
   * @return the critical distance
   */
  public static double ksCritical(long n, long m, double alpha) {
    if (n == 0 || m == 0) {
      return Double.NaN;
    }
    final double c = Math.sqrt(-Math.log(alpha / 2) / 2);
    return c * Math.sqrt((double) (n + m) / ((double) n * m));
  }

  /**
   * The PSI expected from sampling alone for two samples of sizes {@code n} and {@code m} over
   * {@code bins} bins: PSI is a symmetrised KL divergence, which for equal distributions behaves
   * like {@code chi^2(bins - 1) (1/n + 1/m)}; its mean is returned.
   *
   * @param n the first sample's size
   * @param m the second sample's size
   * @param bins the number of bins
   * @return the mean PSI of two same-distribution samples of those sizes
   */
  public static double psiExpectedNoise(long n, long m, int bins) {
    if (n == 0 || m == 0) {
      return Double.NaN;
    }
    return (bins - 1) * (1.0 / n + 1.0 / m);
  }

  private static double total(long[] counts) {
    long t = 0;
    for (long c : counts) {
      t += c;
    }
    return t;
  }

  private static void checkSameLength(long[] a, long[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException(
          "histograms must share their bins, got " + a.length + " and " + b.length + " bins");
    }
  }
}
