package dev.trawl.pipeline.stages;

import dev.trawl.pipeline.CandidateBatch;
import dev.trawl.pipeline.RequestContext;
import dev.trawl.pipeline.Selector;

/**
 * Orders candidates by score, highest first; ties keep merge order (source declaration order, then
 * the source's own order), so the result is deterministic. NaN scores go last.
 *
 * <p><b>Thread-safe and stateless</b>; allocates nothing (an in-place heap sort of packed keys).
 */
public final class SortByScore implements Selector {
  /** Never blocks (computation over in-memory data): runs on the request thread. */
  @Override
  public boolean mayBlock() {
    return false;
  }

  private static final SortByScore INSTANCE = new SortByScore();

  private SortByScore() {}

  /**
   * {@return the one instance: the selector has no state}
   */
  public static SortByScore instance() {
    return INSTANCE;
  }

  @Override
  public void select(RequestContext ctx, CandidateBatch batch) {
    final int[] rows = batch.rowScratch();
    RankKeys.rank(batch, rows);
    batch.keepRows(rows, batch.size());
  }
}
