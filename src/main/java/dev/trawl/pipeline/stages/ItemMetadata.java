package dev.trawl.pipeline.stages;

/**
 * The host's lookup of item metadata by id, read by {@link AttributeHydrator}. Implementations must
 * be thread-safe and allocation-free, and return {@link dev.trawl.pipeline.CandidateBatch#UNKNOWN}
 * for an unknown item.
 */
public interface ItemMetadata {
  /**
   * The author of an item.
   *
   * @param id an item id
   * @return the item's author, or {@link dev.trawl.pipeline.CandidateBatch#UNKNOWN} for an unknown
   *     item
   */
  long author(long id);

  /**
   * The community of an item.
   *
   * @param id an item id
   * @return the item's community, or {@link dev.trawl.pipeline.CandidateBatch#UNKNOWN} for an
   *     unknown item
   */
  long community(long id);

  /**
   * Creation time in epoch milliseconds.
   *
   * @param id an item id
   * @return the item's creation time, or {@link dev.trawl.pipeline.CandidateBatch#UNKNOWN} for an
   *     unknown item
   */
  long createdAt(long id);
}
