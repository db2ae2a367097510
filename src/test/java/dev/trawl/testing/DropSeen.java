package dev.trawl.testing;

import dev.trawl.pipeline.CandidateBatch;
import dev.trawl.pipeline.CandidateRule;
import dev.trawl.pipeline.IdSet;
import dev.trawl.pipeline.RequestContext;

/**
 * A test stage for pipelines without an index: removes candidates whose id is in the request's seen
 * set, so pipeline tests have a filter stage whose effect depends on the request. Feeds use the
 * request's filter instead ({@code RequestFilterHydrator}).
 */
public final class DropSeen implements CandidateRule {
  /** The one instance (stateless). */
  public static final DropSeen INSTANCE = new DropSeen();

  private DropSeen() {}

  @Override
  public boolean mayBlock() {
    return false;
  }

  @Override
  public void apply(RequestContext ctx, CandidateBatch batch) {
    final IdSet seen = ctx.seenIds();
    for (int r = 0, n = batch.size(); r < n; r++) {
      if (seen.contains(batch.id(r))) {
        batch.remove(r);
      }
    }
  }
}
