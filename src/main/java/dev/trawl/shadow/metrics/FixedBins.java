package dev.trawl.shadow.metrics;

/**
 * Equal-width bins over {@code [lo, hi)}, fixed before any value is seen, so that histograms from
 * two runs (or two windows) line up bin for bin. Values below {@code lo} fall into the first bin,
 * values at or above {@code hi} into the last, {@code NaN} into the first.
 *
 * <p><b>Immutable and thread-safe.</b> <b>Allocation:</b> none after construction.
 */
public final class FixedBins {
  private final double lo;
  private final double hi;
  private final int count;
  private final double scale;

  private FixedBins(double lo, double hi, int count) {
    this.lo = lo;
    this.hi = hi;
    this.count = count;
    this.scale = count / (hi - lo);
  }

  /**
   * {@code count} equal bins over {@code [lo, hi)}.
   *
   * @param lo the lower edge of the first bin
   * @param hi the upper edge of the last bin
   * @param count the number of bins
   * @return new, immutable bins
   * @throws IllegalArgumentException unless {@code lo < hi}, both finite, and {@code count >= 1}
   */
  public static FixedBins of(double lo, double hi, int count) {
    if (!(Double.isFinite(lo) && Double.isFinite(hi) && lo < hi)) {
      throw new IllegalArgumentException("bins need finite lo < hi, got [" + lo + ", " + hi + ")");
    }
    if (count < 1) {
      throw new IllegalArgumentException("bin count must be >= 1, got " + count);
    }
    return new FixedBins(lo, hi, count);
  }

  /**
   * The bin of {@code value}, clamped to {@code [0, count)}.
   *
   * @param value any value; below {@code lo} counts in bin 0, at or above {@code hi} in the last
   * @return the bin, {@code 0 <= bin < count()}
   */
  public int index(double value) {
    final double x = (value - lo) * scale;
    if (!(x >= 0.0)) {
      return 0;
    }
    return x >= count ? count - 1 : (int) x;
  }

  /**
   * {@return the number of bins}
   */
  public int count() {
    return count;
  }

  /**
   * {@return the lower edge of the first bin}
   */
  public double lo() {
    return lo;
  }

  /**
   * {@return the upper edge of the last bin}
   */
  public double hi() {
    return hi;
  }

  /**
   * Lower edge of bin {@code i}.
   *
   * @param i a bin, {@code 0 <= i < count()}
   * @return the smallest value that falls in it (unclamped)
   */
  public double lowerEdge(int i) {
    return lo + (hi - lo) * i / count;
  }

  @Override
  public String toString() {
    return count + " bins over [" + lo + ", " + hi + ")";
  }
}
