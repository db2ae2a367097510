package dev.trawl.shadow;

/**
 * When a difference between primary and candidate is flagged: only when it exceeds what noise alone
 * produces. Noise has two parts, both added to the threshold:
 *
 * <ul>
 *   <li><b>Run-to-run noise</b>, measured by the A/A window (the primary against itself with a second
 *       seed, or the same pipeline re-run): its difference is the floor.
 *   <li><b>Sampling noise</b> of a finite window: {@code z} standard errors of the paired mean
 *       difference for per-request metrics, the KS critical value at {@code ksAlpha} and
 *       {@code psiNoiseMultiplier} times the expected null PSI for score distributions, and
 *       {@code latencyTolerance} of the primary's value for latency quantiles (which have no cheap
 *       standard error).
 * </ul>
 *
 * <p>A difference is flagged iff {@code |delta| > |noise| + allowance + minEffect}; so identical runs
 * (every delta 0) are never flagged.
 *
 * <p><b>Immutable and thread-safe.</b>
 */
public final class FlagPolicy {
  private final double z;
  private final double minEffect;
  private final double ksAlpha;
  private final double psiNoiseMultiplier;
  private final double latencyTolerance;

  private FlagPolicy(Builder b) {
    z = b.z;
    minEffect = b.minEffect;
    ksAlpha = b.ksAlpha;
    psiNoiseMultiplier = b.psiNoiseMultiplier;
    latencyTolerance = b.latencyTolerance;
  }

  /** z = 3, no minimum effect, KS alpha = 0.001, PSI multiplier 3, latency tolerance 10%. */
  public static FlagPolicy defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public double z() {
    return z;
  }

  public double minEffect() {
    return minEffect;
  }

  public double ksAlpha() {
    return ksAlpha;
  }

  public double psiNoiseMultiplier() {
    return psiNoiseMultiplier;
  }

  public double latencyTolerance() {
    return latencyTolerance;
  }

  /** Every option has a default; each setter validates its argument. */
  public static final class Builder {
    private double z = 3.0;
    private double minEffect = 0.0;
    private double ksAlpha = 0.001;
    private double psiNoiseMultiplier = 3.0;
    private double latencyTolerance = 0.10;

    private Builder() {}

    /** Standard errors a paired difference must exceed (beyond the A/A floor). */
    public Builder z(double z) {
      require(z >= 0 && Double.isFinite(z), "z must be finite and >= 0", z);
      this.z = z;
      return this;
    }

    /** An absolute difference always tolerated, in the metric's own unit. */
    public Builder minEffect(double minEffect) {
      require(minEffect >= 0 && Double.isFinite(minEffect), "minEffect must be finite and >= 0", minEffect);
      this.minEffect = minEffect;
      return this;
    }

    public Builder ksAlpha(double alpha) {
      require(alpha > 0 && alpha < 1, "ksAlpha must be in (0, 1)", alpha);
      this.ksAlpha = alpha;
      return this;
    }

    public Builder psiNoiseMultiplier(double m) {
      require(m >= 0 && Double.isFinite(m), "psiNoiseMultiplier must be finite and >= 0", m);
      this.psiNoiseMultiplier = m;
      return this;
    }

    /** Relative latency change (of the primary's quantile) tolerated beyond the A/A floor. */
    public Builder latencyTolerance(double fraction) {
      require(fraction >= 0 && Double.isFinite(fraction), "latencyTolerance must be finite and >= 0", fraction);
      this.latencyTolerance = fraction;
      return this;
    }

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
