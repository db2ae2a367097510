package dev.trawl.pipeline.stages;

import dev.trawl.pipeline.CandidateBatch;
import dev.trawl.pipeline.Feature;
import dev.trawl.pipeline.RequestContext;
import dev.trawl.pipeline.Scorer;

/**
 * Multiplies each score by {@code 0.5^(age / halfLife)}, where age is
 * {@link RequestContext#nowMillis()} minus the candidate's creation time (clamped at 0). Candidates
 * of unknown age are multiplied by {@code unknownAgeFactor}. Scores are expected non-negative (a
 * negative score would move up as it decays).
 *
 * <p><b>Thread-safe and immutable</b>; allocates nothing.
 */
public final class FreshnessDecay implements Scorer {
  /** Never blocks (computation over in-memory data): runs on the request thread. */
  @Override
  public boolean mayBlock() {
    return false;
  }

  private final double halfLifeMillis;
  private final float unknownAgeFactor;

  /**
   * A decay halving scores every {@code halfLifeMillis} of age.
   *
   * @param halfLifeMillis the age, in milliseconds, at which a score halves
   * @param unknownAgeFactor the factor, in [0, 1], for candidates whose creation time is unknown
   * @throws IllegalArgumentException if {@code halfLifeMillis <= 0} or the factor is not in [0, 1]
   */
  public FreshnessDecay(long halfLifeMillis, float unknownAgeFactor) {
    if (halfLifeMillis <= 0) {
      throw new IllegalArgumentException("halfLifeMillis must be positive, got " + halfLifeMillis);
    }
    if (!(unknownAgeFactor >= 0 && unknownAgeFactor <= 1)) {
      throw new IllegalArgumentException("unknownAgeFactor must be in [0, 1], got " + unknownAgeFactor);
    }
    this.halfLifeMillis = halfLifeMillis;
    this.unknownAgeFactor = unknownAgeFactor;
  }

  @Override
  public Feature[] reads() {
    return new Feature[] {Feature.CREATED_AT};
  }

  @Override
  public void score(RequestContext ctx, CandidateBatch batch) {
    final long now = ctx.nowMillis();
    final float[] scores = batch.scores();
    final double ln2OverHalfLife = Math.log(2) / halfLifeMillis;
    for (int r = 0, n = batch.size(); r < n; r++) {
      final long created = batch.createdAt(r);
      if (created == CandidateBatch.UNKNOWN) {
        scores[r] *= unknownAgeFactor;
      } else {
        scores[r] *= (float) Math.exp(-Math.max(0, now - created) * ln2OverHalfLife);
      }
    }
  }
}
