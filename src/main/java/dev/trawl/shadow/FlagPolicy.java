package dev.trawl.shadow;

import java.util.EnumMap;
import java.util.Map;

/**
 * How a report decides each metric's {@link Verdict}: a confidence interval for the tested effect at a
 * family-wise error rate, and a minimum practical effect per {@link MetricKind}.
 *
 * <p><b>Tested effect.</b> For per-request metrics and latencies it is the A/B difference
 * ({@code candidate - primary}); for agreement metrics and score distances, which are not zero even
 * between two runs of the same pipeline, it is the A/B value minus the A/A (noise floor) value.
 *
 * <p><b>Interval.</b> {@code effect ± z · se}, where {@code se} is the paired standard error of
 * per-request metrics, the two-window standard error for agreement metrics, a two-proportion
 * standard error for pooled funnels, and a seeded bootstrap ({@link
 * dev.trawl.shadow.metrics.QuantileBootstrap}) for latency quantiles. {@code z} is Bonferroni-corrected
 * over the {@code m} metrics the report tests: {@code z = Phi^-1(1 - fwer / (2m))}, so the chance that a
 * report of two identical pipelines shows any change is at most {@code fwer} (default 0.05). Score
 * distances use the KS critical value at {@code fwer / m} and {@code psiNoiseMultiplier} times the
 * expected PSI of two samples of one distribution as their half-widths.
 *
 * <p><b>Minimum effect.</b> A change must also exceed {@code max(absolute, relative · |primary|)} of
 * its kind. Defaults: latency 1 µs or 3% of the primary's value; agreement 0.01; rank shift 0.1 ranks;
 * counts 0.1 or 1%; proportions 0.005; score distances 0.01; query features 0.1 standard deviations;
 * error rates 0.001.
 *
 * <p><b>Immutable and thread-safe.</b>
 */
public final class FlagPolicy {
  private final double familyWiseErrorRate;
  private final double psiNoiseMultiplier;
  private final int bootstrapResamples;
  private final long bootstrapSeed;
  private final double[] absolute;
  private final double[] relative;

  private FlagPolicy(Builder b) {
    familyWiseErrorRate = b.familyWiseErrorRate;
    psiNoiseMultiplier = b.psiNoiseMultiplier;
    bootstrapResamples = b.bootstrapResamples;
    bootstrapSeed = b.bootstrapSeed;
    absolute = new double[MetricKind.values().length];
    relative = new double[MetricKind.values().length];
    for (Map.Entry<MetricKind, double[]> e : b.minEffects.entrySet()) {
      absolute[e.getKey().ordinal()] = e.getValue()[0];
      relative[e.getKey().ordinal()] = e.getValue()[1];
    }
  }

  /** {@return the documented defaults: family-wise error 0.05, the minimum effects listed above} */
  public static FlagPolicy defaults() {
    return builder().build();
  }

  /**
   * {@return a new builder holding the defaults of {@link #defaults()}}
   */
  public static Builder builder() {
    return new Builder();
  }

  /** {@return the chance, at most, that a report of identical pipelines shows any change} */
  public double familyWiseErrorRate() {
    return familyWiseErrorRate;
  }

  /**
   * {@return how many times the expected sampling PSI a shift must exceed to count}
   */
  public double psiNoiseMultiplier() {
    return psiNoiseMultiplier;
  }

  /**
   * {@return the resamples of the latency quantile bootstrap}
   */
  public int bootstrapResamples() {
    return bootstrapResamples;
  }

  /**
   * {@return the seed of the latency quantile bootstrap}
   */
  public long bootstrapSeed() {
    return bootstrapSeed;
  }

  /**
   * The minimum practical effect of a metric of {@code kind} whose primary value is {@code
   * primary}.
   *
   * @param kind the metric's kind
   * @param primary the primary's value of the metric
   * @return the smallest effect that counts, in the kind's unit
   */
  public double minEffect(MetricKind kind, double primary) {
    final double rel = Double.isNaN(primary) ? 0 : relative[kind.ordinal()] * Math.abs(primary);
    return Math.max(absolute[kind.ordinal()], rel);
  }

  /** Every option has a default; each setter validates its argument. */
  public static final class Builder {
    private double familyWiseErrorRate = 0.05;
    private double psiNoiseMultiplier = 3.0;
    private int bootstrapResamples = 400;
    private long bootstrapSeed = 0x5EEDL;
    private final Map<MetricKind, double[]> minEffects = new EnumMap<>(MetricKind.class);

    private Builder() {
      minEffects.put(MetricKind.AGREEMENT, new double[] {0.01, 0});
      minEffects.put(MetricKind.RANK_SHIFT, new double[] {0.1, 0});
      minEffects.put(MetricKind.COUNT, new double[] {0.1, 0.01});
      minEffects.put(MetricKind.PROPORTION, new double[] {0.005, 0});
      minEffects.put(MetricKind.DISTRIBUTION, new double[] {0.01, 0});
      minEffects.put(MetricKind.FEATURE, new double[] {0.1, 0});
      minEffects.put(MetricKind.LATENCY, new double[] {1.0, 0.03});
      minEffects.put(MetricKind.ERROR_RATE, new double[] {0.001, 0});
    }

    /**
     * The chance, at most, that a report of identical pipelines flags anything; in (0, 1).
     *
     * @param alpha the family-wise error rate
     * @return this builder, for chaining
     */
    public Builder familyWiseErrorRate(double alpha) {
      require(alpha > 0 && alpha < 1, "familyWiseErrorRate must be in (0, 1)", alpha);
      this.familyWiseErrorRate = alpha;
      return this;
    }

    /**
     * The minimum practical effect of {@code kind}: {@code max(absolute, relative · |primary|)}, in the
     * kind's unit (microseconds for latency).
     *
     * @param kind the metric kind
     * @param absolute the absolute floor, in the kind's unit
     * @param relative the fraction of the primary's value
     * @return this builder, for chaining
     */
    public Builder minEffect(MetricKind kind, double absolute, double relative) {
      if (kind == null) {
        throw new IllegalArgumentException("kind must not be null");
      }
      require(absolute >= 0 && Double.isFinite(absolute), "absolute minimum effect must be finite and >= 0",
          absolute);
      require(relative >= 0 && Double.isFinite(relative), "relative minimum effect must be finite and >= 0",
          relative);
      minEffects.put(kind, new double[] {absolute, relative});
      return this;
    }

    /**
     * Sets how many times the PSI expected from sampling alone a shift must exceed to count.
     *
     * @param m the multiple of the expected sampling PSI
     * @return this builder, for chaining
     */
    public Builder psiNoiseMultiplier(double m) {
      require(m >= 0 && Double.isFinite(m), "psiNoiseMultiplier must be finite and >= 0", m);
      this.psiNoiseMultiplier = m;
      return this;
    }

    /**
     * Resamples of the latency quantile bootstrap (default 400), at least 50.
     *
     * @param n the resamples
     * @return this builder, for chaining
     */
    public Builder bootstrapResamples(int n) {
      require(n >= 50, "bootstrapResamples must be >= 50", n);
      this.bootstrapResamples = n;
      return this;
    }

    /**
     * Seed of the latency quantile bootstrap; the same seed and windows give the same report.
     *
     * @param seed the seed
     * @return this builder, for chaining
     */
    public Builder bootstrapSeed(long seed) {
      this.bootstrapSeed = seed;
      return this;
    }

    /**
     * Builds the policy.
     *
     * @return a new, immutable policy
     */
    public FlagPolicy build() {
      return new FlagPolicy(this);
    }

    private static void require(boolean ok, String message, double value) {
      if (!ok) {
        throw new IllegalArgumentException(message + ", got " + value);
      }
    }
  }
}
