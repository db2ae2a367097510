package dev.trawl.pipeline.stages;

import dev.trawl.pipeline.CandidateBatch;
import dev.trawl.pipeline.CandidateFilter;
import dev.trawl.pipeline.Feature;
import dev.trawl.pipeline.RequestContext;
import java.util.function.LongPredicate;
import dev.trawl.pipeline.IdSet;

/**
 * Removes candidates the user must not see: ids already seen ({@link RequestContext#seenIds()}),
 * authors the user blocked ({@link RequestContext#blockedAuthors()}), or ids removed for everyone
 * (a host-owned, thread-safe predicate such as a concurrent set of taken-down posts).
 *
 * <pre>{@code
 * builder.filter("seen", ExcludeFilter.seen())
 *        .filter("blocked", ExcludeFilter.blockedAuthors())
 *        .filter("removed", ExcludeFilter.removed(takenDown::contains));
 * }</pre>
 *
 * <p><b>Thread-safe and immutable</b>; filtering allocates nothing. Safety filters: keep them required
 * (the default), so a failure fails the request instead of showing blocked content.
 */
public final class ExcludeFilter implements CandidateFilter {
  private enum Mode { SEEN, BLOCKED_AUTHORS, REMOVED }

  private static final ExcludeFilter SEEN = new ExcludeFilter(Mode.SEEN, null);
  private static final ExcludeFilter BLOCKED = new ExcludeFilter(Mode.BLOCKED_AUTHORS, null);

  private final Mode mode;
  private final LongPredicate removed;

  private ExcludeFilter(Mode mode, LongPredicate removed) {
    this.mode = mode;
    this.removed = removed;
  }

  /** Removes ids in the request's seen set. */
  public static ExcludeFilter seen() {
    return SEEN;
  }

  /** Removes candidates whose author is in the request's blocked set. */
  public static ExcludeFilter blockedAuthors() {
    return BLOCKED;
  }

  /** Removes ids the predicate reports removed (must be thread-safe and allocation-free). */
  public static ExcludeFilter removed(LongPredicate removedIds) {
    if (removedIds == null) {
      throw new NullPointerException("removedIds is null");
    }
    return new ExcludeFilter(Mode.REMOVED, removedIds);
  }

  @Override
  public Feature[] reads() {
    return mode == Mode.BLOCKED_AUTHORS ? new Feature[] {Feature.AUTHOR} : NONE;
  }

  @Override
  public void filter(RequestContext ctx, CandidateBatch batch) {
    final int n = batch.size();
    switch (mode) {
      case SEEN: {
        final IdSet seen = ctx.seenIds();
        if (seen.isEmpty()) {
          return;
        }
        for (int r = 0; r < n; r++) {
          if (seen.contains(batch.id(r))) {
            batch.remove(r);
          }
        }
        return;
      }
      case BLOCKED_AUTHORS: {
        final IdSet blocked = ctx.blockedAuthors();
        if (blocked.isEmpty()) {
          return;
        }
        for (int r = 0; r < n; r++) {
          if (blocked.contains(batch.author(r))) {
            batch.remove(r);
          }
        }
        return;
      }
      default: {
        final LongPredicate gone = removed;
        for (int r = 0; r < n; r++) {
          if (gone.test(batch.id(r))) {
            batch.remove(r);
          }
        }
      }
    }
  }
}
