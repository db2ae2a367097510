package dev.trawl.pipeline.stages;

import dev.trawl.pipeline.CandidateBatch;
import dev.trawl.pipeline.CandidateRule;
import dev.trawl.pipeline.RequestContext;
import java.util.function.LongPredicate;

/**
 * Removes candidates a host predicate reports removed for everyone, e.g. posts taken down by
 * moderation that the index still holds: a check after retrieval, by id. What one user must not see
 * (seen posts, blocked authors, muted communities) is the request's filter instead
 * ({@link RequestFilterHydrator}).
 *
 * <pre>{@code
 * builder.rule("taken-down", RemovedItemsRule.of(takenDown::contains));
 * }</pre>
 *
 * <p><b>Thread-safe and immutable</b>; applying it allocates nothing (the predicate must not either).
 * A safety stage: keep it required (the default), so a failure fails the request instead of showing
 * removed content.
 */
public final class RemovedItemsRule implements CandidateRule {
  /** Never blocks (computation over in-memory data): runs on the request thread. */
  @Override
  public boolean mayBlock() {
    return false;
  }

  private final LongPredicate removed;

  private RemovedItemsRule(LongPredicate removed) {
    this.removed = removed;
  }

  /**
   * Removes ids the predicate reports removed (must be thread-safe and allocation-free).
   *
   * @param removedIds true for an id that must not be shown
   * @return a new rule applying it
   */
  public static RemovedItemsRule of(LongPredicate removedIds) {
    if (removedIds == null) {
      throw new NullPointerException("removedIds is null");
    }
    return new RemovedItemsRule(removedIds);
  }

  @Override
  public void apply(RequestContext ctx, CandidateBatch batch) {
    final LongPredicate gone = removed;
    for (int r = 0, n = batch.size(); r < n; r++) {
      if (gone.test(batch.id(r))) {
        batch.remove(r);
      }
    }
  }
}
