package dev.trawl.pipeline.stages;

import dev.trawl.pipeline.CandidateBatch;
import dev.trawl.pipeline.Feature;
import dev.trawl.pipeline.RequestContext;
import dev.trawl.pipeline.Scorer;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code score = bias + w_source * sourceScore + sum(w_i * feature_i) + sourceBoost[source]}: a
 * weighted sum of candidate features.
 *
 * <pre>{@code
 * LinearScorer.builder().sourceScore(1.0f).weight(AFFINITY, 0.5f).sourceBoost(1, 0.1f).build()
 * }</pre>
 *
 * <p><b>Thread-safe and immutable</b>; scoring allocates nothing.
 */
public final class LinearScorer implements Scorer {
  /** Never blocks (computation over in-memory data): runs on the request thread. */
  @Override
  public boolean mayBlock() {
    return false;
  }

  private final float bias;
  private final float sourceWeight;
  private final Feature[] features;
  private final float[] weights;
  private final float[] sourceBoosts;

  private LinearScorer(Builder b) {
    this.bias = b.bias;
    this.sourceWeight = b.sourceWeight;
    this.features = b.features.toArray(new Feature[0]);
    this.weights = new float[features.length];
    for (int i = 0; i < weights.length; i++) {
      weights[i] = b.weights.get(i);
    }
    this.sourceBoosts = b.sourceBoosts.clone();
  }

  /**
   * Starts a scorer.
   *
   * @return a new builder: source score weight 1, no bias, no feature, no boost
   */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public Feature[] reads() {
    final Feature[] r = new Feature[features.length + 1];
    r[0] = Feature.SOURCE_SCORE;
    System.arraycopy(features, 0, r, 1, features.length);
    return r;
  }

  @Override
  public void score(RequestContext ctx, CandidateBatch batch) {
    final int n = batch.size();
    final float[] scores = batch.scores();
    for (int r = 0; r < n; r++) {
      final int src = batch.source(r);
      scores[r] = bias + sourceWeight * batch.sourceScore(r)
          + (src < sourceBoosts.length ? sourceBoosts[src] : 0f);
    }
    for (int f = 0; f < features.length; f++) {
      final float[] column = batch.featureColumn(features[f]);
      final float w = weights[f];
      for (int r = 0; r < n; r++) {
        scores[r] += w * column[r];
      }
    }
  }

  /** Configures a {@link LinearScorer}. Not thread-safe. */
  public static final class Builder {
    private float bias;
    private float sourceWeight = 1f;
    private final List<Feature> features = new ArrayList<>();
    private final List<Float> weights = new ArrayList<>();
    private float[] sourceBoosts = new float[0];

    /**
     * A constant added to every score (default 0).
     *
     * @param bias a finite constant added to every score
     * @return this builder, for chaining
     * @throws IllegalArgumentException if {@code bias} is not finite
     */
    public Builder bias(float bias) {
      this.bias = check("bias", bias);
      return this;
    }

    /**
     * Weight of the source score (default 1).
     *
     * @param weight a finite factor of the source's score
     * @return this builder, for chaining
     * @throws IllegalArgumentException if {@code weight} is not finite
     */
    public Builder sourceScore(float weight) {
      this.sourceWeight = check("source score weight", weight);
      return this;
    }

    /**
     * Adds {@code weight * feature}.
     *
     * @param feature a candidate feature an earlier stage writes
     * @param weight its finite factor
     * @return this builder, for chaining
     * @throws IllegalArgumentException if the feature is not a candidate feature or the weight is
     *     not finite
     */
    public Builder weight(Feature feature, float weight) {
      if (feature.kind() != Feature.Kind.CANDIDATE) {
        throw new IllegalArgumentException(feature + " is not a candidate feature");
      }
      features.add(feature);
      weights.add(check(feature.name(), weight));
      return this;
    }

    /**
     * Adds a constant to candidates of source {@code sourceIndex} (declaration order).
     *
     * @param sourceIndex the source's position among the pipeline's sources, 0 first
     * @param boost the finite constant added
     * @return this builder, for chaining
     */
    public Builder sourceBoost(int sourceIndex, float boost) {
      if (sourceIndex < 0) {
        throw new IllegalArgumentException("source index must be >= 0, got " + sourceIndex);
      }
      if (sourceBoosts.length <= sourceIndex) {
        sourceBoosts = java.util.Arrays.copyOf(sourceBoosts, sourceIndex + 1);
      }
      sourceBoosts[sourceIndex] = check("boost", boost);
      return this;
    }

    private static float check(String what, float w) {
      if (!Float.isFinite(w)) {
        throw new IllegalArgumentException(what + " must be finite, got " + w);
      }
      return w;
    }

    /**
     * Builds the scorer.
     *
     * @return a new, immutable scorer
     */
    public LinearScorer build() {
      return new LinearScorer(this);
    }
  }
}
