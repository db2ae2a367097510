package dev.trawl.shadow;

import dev.trawl.shadow.metrics.FixedBins;

/**
 * What a comparison measures and at which resolution: overlap depth, RBO persistence, score bins,
 * rank-shift range and latency range. Both windows of a report (A/B and A/A) must share one config.
 *
 * <p><b>Immutable and thread-safe.</b>
 */
public final class ComparisonConfig {
  private final int overlapDepth;
  private final double rboP;
  private final FixedBins scoreBins;
  private final int maxRankShift;
  private final int expectedPageSize;
  private final long highestLatencyNanos;

  private ComparisonConfig(Builder b) {
    overlapDepth = b.overlapDepth;
    rboP = b.rboP;
    scoreBins = b.scoreBins;
    maxRankShift = b.maxRankShift;
    expectedPageSize = b.expectedPageSize;
    highestLatencyNanos = b.highestLatencyNanos;
  }

  /**
   * {@return overlap@10, RBO p = 0.9, 20 score bins over [0, 1), rank shifts to ±50, latencies to
   * 60 s}
   */
  public static ComparisonConfig defaults() {
    return builder().build();
  }

  /**
   * {@return a new builder holding the defaults of {@link #defaults()}}
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * {@code k} of overlap@k.
   *
   * @return the depth {@code k}
   */
  public int overlapDepth() {
    return overlapDepth;
  }

  /** {@return persistence {@code p} of rank-biased overlap} */
  public double rboP() {
    return rboP;
  }

  /** {@return bins of the score histograms (PSI, KS)} */
  public FixedBins scoreBins() {
    return scoreBins;
  }

  /**
   * {@return rank shifts beyond ± this value fall into the outermost bins of the rank-shift
   * histogram}
   */
  public int maxRankShift() {
    return maxRankShift;
  }

  /** {@return the page size buffers are first sized for} */
  public int expectedPageSize() {
    return expectedPageSize;
  }

  /** {@return latencies above this are recorded as this value} */
  public long highestLatencyNanos() {
    return highestLatencyNanos;
  }

  /** Every option has a default; each setter validates its argument. */
  public static final class Builder {
    private int overlapDepth = 10;
    private double rboP = 0.9;
    private FixedBins scoreBins = FixedBins.of(0, 1, 20);
    private int maxRankShift = 50;
    private int expectedPageSize = 64;
    private long highestLatencyNanos = 60_000_000_000L;

    private Builder() {}

    /**
     * Sets {@code k} of overlap@k.
     *
     * @param k the depth of overlap@k, positive
     * @return this builder, for chaining
     */
    public Builder overlapDepth(int k) {
      if (k < 1) {
        throw new IllegalArgumentException("overlap depth must be >= 1, got " + k);
      }
      overlapDepth = k;
      return this;
    }

    /**
     * Sets the persistence {@code p} of rank-biased overlap.
     *
     * @param p the persistence, in (0, 1)
     * @return this builder, for chaining
     */
    public Builder rboP(double p) {
      if (!(p > 0 && p < 1)) {
        throw new IllegalArgumentException("RBO persistence p must be in (0, 1), got " + p);
      }
      rboP = p;
      return this;
    }

    /**
     * Sets the score histograms' bins.
     *
     * @param bins the bins of the score histograms (PSI, KS)
     * @return this builder, for chaining
     */
    public Builder scoreBins(FixedBins bins) {
      if (bins == null) {
        throw new IllegalArgumentException("score bins must not be null");
      }
      scoreBins = bins;
      return this;
    }

    /**
     * Sets where the rank-shift histogram's outermost bins start.
     *
     * @param max the largest rank shift binned on its own, positive
     * @return this builder, for chaining
     */
    public Builder maxRankShift(int max) {
      if (max < 1) {
        throw new IllegalArgumentException("max rank shift must be >= 1, got " + max);
      }
      maxRankShift = max;
      return this;
    }

    /**
     * Sets the page size buffers are first sized for.
     *
     * @param size the usual page length, positive
     * @return this builder, for chaining
     */
    public Builder expectedPageSize(int size) {
      if (size < 1) {
        throw new IllegalArgumentException("expected page size must be >= 1, got " + size);
      }
      expectedPageSize = size;
      return this;
    }

    /**
     * Sets the latency above which values are recorded as this value.
     *
     * @param nanos the highest latency recorded as itself, positive
     * @return this builder, for chaining
     */
    public Builder highestLatencyNanos(long nanos) {
      if (nanos < 1000) {
        throw new IllegalArgumentException("highest latency must be >= 1000 ns, got " + nanos);
      }
      highestLatencyNanos = nanos;
      return this;
    }

    /**
     * Builds the configuration.
     *
     * @return a new, immutable configuration
     */
    public ComparisonConfig build() {
      return new ComparisonConfig(this);
    }
  }
}
