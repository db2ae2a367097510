package dev.trawl.pipeline.stages;

import dev.trawl.collect.LongIntTable;
import dev.trawl.pipeline.CandidateBatch;
import dev.trawl.pipeline.Feature;
import dev.trawl.pipeline.RequestContext;
import dev.trawl.pipeline.Selector;

/**
 * Keeps at most {@code max} candidates per author (or per community), walking the current order (run
 * it after sorting) and dropping the rest, so the cap holds on any prefix of the result, and so on
 * every page cut from it. Candidates with an unknown author (community) are not capped.
 *
 * <p><b>Thread-safe and immutable</b>; per-context scratch is a count table; allocates nothing.
 */
public final class DiversityCap implements Selector {
  /** Never blocks (computation over in-memory data): runs on the request thread. */
  @Override
  public boolean mayBlock() {
    return false;
  }

  private final boolean byAuthor;
  private final int max;

  private DiversityCap(boolean byAuthor, int max) {
    if (max <= 0) {
      throw new IllegalArgumentException("cap must be positive, got " + max);
    }
    this.byAuthor = byAuthor;
    this.max = max;
  }

  /**
   * At most {@code max} candidates per author.
   *
   * @param max the most candidates one author may have in the result
   * @return a new, stateless selector
   */
  public static DiversityCap perAuthor(int max) {
    return new DiversityCap(true, max);
  }

  /**
   * At most {@code max} candidates per community.
   *
   * @param max the most candidates one community may have in the result
   * @return a new, stateless selector
   */
  public static DiversityCap perCommunity(int max) {
    return new DiversityCap(false, max);
  }

  @Override
  public Feature[] reads() {
    return new Feature[] {byAuthor ? Feature.AUTHOR : Feature.COMMUNITY};
  }

  @Override
  public Object newScratch() {
    return new LongIntTable(256);
  }

  @Override
  public void select(RequestContext ctx, CandidateBatch batch) {
    final LongIntTable counts = ctx.scratch();
    counts.clear();
    final int[] rows = batch.rowScratch();
    int kept = 0;
    for (int r = 0, n = batch.size(); r < n; r++) {
      final long key = byAuthor ? batch.author(r) : batch.community(r);
      if (key == CandidateBatch.UNKNOWN || counts.increment(key) <= max) {
        rows[kept++] = r;
      }
    }
    if (kept < batch.size()) {
      batch.keepRows(rows, kept);
    }
  }
}
