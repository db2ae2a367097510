package dev.trawl.shadow.metrics;

/**
 * Count, mean and variance of a stream of {@code double}s by Welford's update, so that a window can
 * report a mean with its standard error without storing the samples. {@code NaN} samples (a metric
 * undefined for one request, e.g. Kendall's tau with fewer than two shared items) are counted apart
 * and otherwise ignored.
 *
 * <p><b>Not thread-safe</b>; callers that share one guard it. <b>Allocation:</b> none.
 */
public final class RunningStat {
  private long count;
  private long undefined;
  private double mean;
  private double m2;

  /**
   * Adds one sample; {@code NaN} is counted as undefined.
   *
   * @param x the sample
   */
  public void add(double x) {
    if (Double.isNaN(x)) {
      undefined++;
      return;
    }
    final long n = ++count;
    final double delta = x - mean;
    mean += delta / n;
    m2 += delta * (x - mean);
  }

  /**
   * Adds every sample of {@code other} (Chan et al.'s parallel combination).
   *
   * @param other the samples added; unchanged
   */
  public void merge(RunningStat other) {
    undefined += other.undefined;
    if (other.count == 0) {
      return;
    }
    if (count == 0) {
      count = other.count;
      mean = other.mean;
      m2 = other.m2;
      return;
    }
    final long n = count + other.count;
    final double delta = other.mean - mean;
    mean += delta * other.count / n;
    m2 += other.m2 + delta * delta * ((double) count * other.count / n);
    count = n;
  }

  /**
   * Copies {@code other} into this.
   *
   * @param other the statistics copied; unchanged
   */
  public void copyFrom(RunningStat other) {
    count = other.count;
    undefined = other.undefined;
    mean = other.mean;
    m2 = other.m2;
  }

  /**
   * Forgets every sample.
   */
  public void reset() {
    count = 0;
    undefined = 0;
    mean = 0;
    m2 = 0;
  }

  /** {@return the number of defined samples} */
  public long count() {
    return count;
  }

  /** {@return the number of {@code NaN} samples seen} */
  public long undefinedCount() {
    return undefined;
  }

  /** {@return the mean of the defined samples, {@code NaN} when there are none} */
  public double mean() {
    return count == 0 ? Double.NaN : mean;
  }

  /** {@return the sample variance (n - 1 denominator), {@code 0} with fewer than two samples} */
  public double variance() {
    return count < 2 ? 0.0 : m2 / (count - 1);
  }

  /** {@return the standard error of the mean, {@code 0} with fewer than two samples} */
  public double standardError() {
    return count < 2 ? 0.0 : Math.sqrt(variance() / count);
  }
}
