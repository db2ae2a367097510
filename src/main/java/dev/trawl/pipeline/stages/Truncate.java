package dev.trawl.pipeline.stages;

import dev.trawl.pipeline.CandidateBatch;
import dev.trawl.pipeline.RequestContext;
import dev.trawl.pipeline.Selector;

/**
 * Keeps the first {@code n} candidates, or {@code multiple x} the request's page size (to bound the
 * work of later selectors, or to keep a few pages for the host's cache).
 *
 * <p><b>Thread-safe and immutable</b>; allocates nothing.
 */
public final class Truncate implements Selector {
  /** Never blocks (computation over in-memory data): runs on the request thread. */
  @Override
  public boolean mayBlock() {
    return false;
  }

  private final int fixed;
  private final int pageMultiple;

  private Truncate(int fixed, int pageMultiple) {
    this.fixed = fixed;
    this.pageMultiple = pageMultiple;
  }

  /**
   * Keeps the first {@code n} candidates.
   *
   * @param n the candidates kept, positive
   * @return a new selector
   * @throws IllegalArgumentException if {@code n} is not positive
   */
  public static Truncate to(int n) {
    if (n <= 0) {
      throw new IllegalArgumentException("n must be positive, got " + n);
    }
    return new Truncate(n, 0);
  }

  /**
   * Keeps the first {@code multiple * pageSize} candidates.
   *
   * @param multiple the pages kept, positive
   * @return a new selector
   */
  public static Truncate toPages(int multiple) {
    if (multiple <= 0) {
      throw new IllegalArgumentException("multiple must be positive, got " + multiple);
    }
    return new Truncate(0, multiple);
  }

  @Override
  public void select(RequestContext ctx, CandidateBatch batch) {
    batch.truncate(fixed > 0 ? fixed : (int) Math.min(Integer.MAX_VALUE, (long) pageMultiple * ctx.pageSize()));
  }
}
