package dev.trawl.pipeline.stages;

/**
 * The host's lookup of item metadata by id, read by {@link AttributeHydrator}. Implementations must
 * be thread-safe and allocation-free, and return {@link dev.trawl.pipeline.CandidateBatch#UNKNOWN}
 * for an unknown item.
 */
public interface ItemMetadata {
  long author(long id);

  long community(long id);

  /** Creation time in epoch milliseconds. */
  long createdAt(long id);
}
