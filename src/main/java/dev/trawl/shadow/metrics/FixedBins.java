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

  /** The bin of {@code value}, clamped to {@code [0, count)}. */
  public int index(double value) {
    final double x = (value - lo) * scale;
    if (!(x >= 0.0)) {
      return 0;
    }
    return x >= count ? count - 1 : (int) x;
  }

  public int count() {
    return count;
  }

  public double lo() {
    return lo;
  }

  public double hi() {
    return hi;
  }

  /** Lower edge of bin {@code i}. */
  public double lowerEdge(int i) {
    return lo + (hi - lo) * i / count;
  }

  @Override
  public String toString() {
    return count + " bins over [" + lo + ", " + hi + ")";
  }
}
