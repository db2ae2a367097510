package dev.trawl.pipeline.stages;

import dev.trawl.pipeline.CandidateBatch;
import dev.trawl.pipeline.CandidateHydrator;
import dev.trawl.pipeline.Feature;
import dev.trawl.pipeline.RequestContext;

/**
 * Fills author, community and creation time of candidates whose source did not (those still
 * {@link CandidateBatch#UNKNOWN}) from the host's {@link ItemMetadata}, so that caps and freshness
 * can run over candidates of every source.
 *
 * <p><b>Thread-safe and immutable</b>; allocates nothing.
 */
public final class AttributeHydrator implements CandidateHydrator {
  /** Never blocks (computation over in-memory data): runs on the request thread. */
  @Override
  public boolean mayBlock() {
    return false;
  }

  private final ItemMetadata attributes;

  /**
   * A hydrator reading the host's {@code attributes}.
   *
   * @param attributes the host's metadata lookup; thread-safe, allocation-free, kept
   */
  public AttributeHydrator(ItemMetadata attributes) {
    if (attributes == null) {
      throw new NullPointerException("attributes is null");
    }
    this.attributes = attributes;
  }

  @Override
  public Feature[] writes() {
    return new Feature[] {Feature.AUTHOR, Feature.COMMUNITY, Feature.CREATED_AT};
  }

  @Override
  public void hydrate(RequestContext ctx, CandidateBatch batch) {
    final ItemMetadata a = attributes;
    final int n = batch.size();
    for (int r = 0; r < n; r++) {
      final long id = batch.id(r);
      if (batch.author(r) == CandidateBatch.UNKNOWN) {
        batch.setAuthor(r, a.author(id));
      }
      if (batch.community(r) == CandidateBatch.UNKNOWN) {
        batch.setCommunity(r, a.community(id));
      }
      if (batch.createdAt(r) == CandidateBatch.UNKNOWN) {
        batch.setCreatedAt(r, a.createdAt(id));
      }
    }
  }
}
