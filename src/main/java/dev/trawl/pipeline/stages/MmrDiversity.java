package dev.trawl.pipeline.stages;

import dev.trawl.index.VectorIndex;
import dev.trawl.pipeline.CandidateBatch;
import dev.trawl.pipeline.RequestContext;
import dev.trawl.pipeline.Selector;
import dev.trawl.vector.Metric;

/**
 * Maximal marginal relevance over the item vectors: from the first {@code pool} candidates (run it
 * after sorting), greedily picks the page, each time taking the candidate maximising
 * {@code lambda * relevance - (1 - lambda) * maxSimilarityToPicked}. Relevance is the score scaled
 * to [0, 1] over the pool; similarity is cosine ({@code 1 - distance}) for a cosine index, else the
 * negated distance, so use a cosine index for comparable scales. Picked candidates come first, then
 * the rest in their previous order.
 *
 * <p>Each candidate is looked up by id once per request (a lock-free probe), so a candidate whose
 * item was replaced or removed since its source found it is compared by its current vector or, when
 * gone, counts as dissimilar to everything; vectors are then compared in place
 * ({@link VectorIndex#distanceBetween}), without copying.
 *
 * <p><b>Thread-safe and immutable</b>; per-context scratch; allocates nothing. Cost: page x pool
 * distance computations.
 */
public final class MmrDiversity implements Selector {
  /** Never blocks (computation over in-memory data): runs on the request thread. */
  @Override
  public boolean mayBlock() {
    return false;
  }

  private final VectorIndex index;
  private final float lambda;
  private final int pool;
  private final float similarityOffset;

  /**
   * @param lambda trade-off in [0, 1]: 1 is pure relevance, 0 pure diversity
   * @param pool how many top candidates to consider
   * @param index the index holding the candidates' vectors, looked up by id
   * @throws IllegalArgumentException if lambda is outside [0, 1] or pool is not positive
   */
  public MmrDiversity(VectorIndex index, float lambda, int pool) {
    if (index == null) {
      throw new NullPointerException("index is null");
    }
    if (!(lambda >= 0 && lambda <= 1)) {
      throw new IllegalArgumentException("lambda must be in [0, 1], got " + lambda);
    }
    if (pool <= 0) {
      throw new IllegalArgumentException("pool must be positive, got " + pool);
    }
    this.index = index;
    this.lambda = lambda;
    this.pool = pool;
    this.similarityOffset = index.metric() == Metric.COSINE ? 1f : 0f;
  }

  @Override
  public Object newScratch() {
    return new Scratch(pool);
  }

  @Override
  public void select(RequestContext ctx, CandidateBatch batch) {
    final int size = batch.size();
    final int n = Math.min(pool, size);
    final int k = Math.min(ctx.pageSize(), n);
    if (k <= 1) {
      return;
    }
    final Scratch s = ctx.scratch();
    final float[] rel = s.relevance;
    final float[] maxSim = s.maxSim;
    final int[] ords = s.ordinals;
    final boolean[] picked = s.picked;
    float lo = Float.POSITIVE_INFINITY;
    float hi = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      final float score = batch.score(i);
      lo = Math.min(lo, score);
      hi = Math.max(hi, score);
      // by id, not the source's ordinal: with ordinal reuse on, that may name another item by now
      ords[i] = index.ordinalOf(batch.id(i));
      maxSim[i] = Float.NEGATIVE_INFINITY;
      picked[i] = false;
    }
    final float range = hi - lo;
    for (int i = 0; i < n; i++) {
      rel[i] = range > 0 ? (batch.score(i) - lo) / range : 1f;
    }
    final int[] rows = batch.rowScratch();
    final float l = lambda;
    for (int out = 0; out < k; out++) {
      int best = -1;
      float bestValue = Float.NEGATIVE_INFINITY;
      for (int i = 0; i < n; i++) {
        if (picked[i]) {
          continue;
        }
        final float sim = maxSim[i] == Float.NEGATIVE_INFINITY ? 0f : maxSim[i];
        final float v = l * rel[i] - (1 - l) * sim;
        if (best < 0 || v > bestValue) {
          best = i;
          bestValue = v;
        }
      }
      picked[best] = true;
      rows[out] = best;
      final int bo = ords[best];
      if (bo < 0 || out == k - 1) {
        continue;
      }
      for (int i = 0; i < n; i++) {
        if (!picked[i] && ords[i] >= 0) {
          final float sim = similarityOffset - index.distanceBetween(bo, ords[i]);
          if (sim > maxSim[i]) {
            maxSim[i] = sim;
          }
        }
      }
    }
    int w = k;
    for (int i = 0; i < n; i++) {
      if (!picked[i]) {
        rows[w++] = i;
      }
    }
    for (int i = n; i < size; i++) {
      rows[w++] = i;
    }
    batch.keepRows(rows, size);
  }

  private static final class Scratch {
    final float[] relevance;
    final float[] maxSim;
    final int[] ordinals;
    final boolean[] picked;

    Scratch(int pool) {
      relevance = new float[pool];
      maxSim = new float[pool];
      ordinals = new int[pool];
      picked = new boolean[pool];
    }
  }
}
