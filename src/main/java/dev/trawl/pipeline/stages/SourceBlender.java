package dev.trawl.pipeline.stages;

import dev.trawl.pipeline.CandidateBatch;
import dev.trawl.pipeline.RequestContext;
import dev.trawl.pipeline.Selector;
import java.util.Arrays;

/**
 * Interleaves sources: each position of the result is drawn from a source chosen at random with
 * probability proportional to its weight (among sources with candidates left), taking that source's
 * next candidate in the current order (run it after sorting). Randomness comes from the request's
 * seeded stream ({@link RequestContext#seed}), so the same seed gives the same order.
 *
 * <p><b>Thread-safe and immutable</b>; per-context scratch grows to the largest batch once;
 * otherwise allocates nothing.
 */
public final class SourceBlender implements Selector {
  /** Never blocks (computation over in-memory data): runs on the request thread. */
  @Override
  public boolean mayBlock() {
    return false;
  }

  private final double[] weights;

  /**
   * @param weights weight per source, in source declaration order; sources beyond the array weigh 1
   * @throws IllegalArgumentException if a weight is negative or not finite
   */
  public SourceBlender(double... weights) {
    for (double w : weights) {
      if (!(w >= 0) || Double.isInfinite(w)) {
        throw new IllegalArgumentException("weights must be finite and >= 0, got " + Arrays.toString(weights));
      }
    }
    this.weights = weights.clone();
  }

  @Override
  public Object newScratch() {
    return new Scratch();
  }

  private double weight(int source) {
    return source < weights.length ? weights[source] : 1.0;
  }

  @Override
  public void select(RequestContext ctx, CandidateBatch batch) {
    final int n = batch.size();
    final int sources = batch.sourceCount();
    final Scratch s = ctx.scratch();
    s.ensure(n, sources);
    final int[] next = s.next;
    final int[] head = s.head;
    final int[] tail = s.tail;
    Arrays.fill(head, 0, sources, -1);
    for (int r = 0; r < n; r++) {
      final int src = batch.source(r);
      next[r] = -1;
      if (head[src] < 0) {
        head[src] = r;
      } else {
        next[tail[src]] = r;
      }
      tail[src] = r;
    }
    final int[] rows = batch.rowScratch();
    for (int out = 0; out < n; out++) {
      double total = 0;
      for (int src = 0; src < sources; src++) {
        if (head[src] >= 0) {
          total += weight(src);
        }
      }
      int chosen = -1;
      if (total > 0) {
        final double u = ctx.randomDouble() * total;
        double cumulative = 0;
        for (int src = 0; src < sources; src++) {
          final double w = weight(src);
          if (head[src] < 0 || w == 0) {
            continue;
          }
          cumulative += w;
          chosen = src; // the last candidate source also absorbs rounding at the top end
          if (u < cumulative) {
            break;
          }
        }
      } else {
        for (int src = 0; src < sources && chosen < 0; src++) {
          if (head[src] >= 0) {
            chosen = src; // only zero-weight sources are left: take them in order
          }
        }
      }
      final int r = head[chosen];
      rows[out] = r;
      head[chosen] = next[r];
    }
    batch.keepRows(rows, n);
  }

  private static final class Scratch {
    int[] next = new int[1024];
    int[] head = new int[8];
    int[] tail = new int[8];

    void ensure(int n, int sources) {
      if (next.length < n) {
        next = new int[Math.max(n, next.length * 2)];
      }
      if (head.length < sources) {
        head = new int[sources];
        tail = new int[sources];
      }
    }
  }
}
