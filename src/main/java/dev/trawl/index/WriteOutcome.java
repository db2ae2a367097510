package dev.trawl.index;

/**
 * What a versioned write ({@link VectorIndex#upsert(long, long, float[], dev.trawl.filter.ItemAttributes)},
 * {@link VectorIndex#remove(long, long)}, {@link VectorIndex#setAttributes(long, long,
 * dev.trawl.filter.ItemAttributes)}) did. A stream consumer counts these; none of them is an error.
 */
public enum WriteOutcome {
  /** The write was newer than anything seen for the id and changed the index. */
  APPLIED,
  /**
   * The write was not newer than the last version seen for the id (a redelivery, or an event overtaken
   * by a newer one, a remembered removal included): nothing changed.
   */
  STALE,
  /**
   * The id was not live. For a removal, the removal's version is remembered (so a late, older upsert
   * is {@link #STALE}); for an attribute change, nothing changed.
   */
  ABSENT
}
