package dev.trawl.filter;

/**
 * The index as a {@link RequestFilter} sees it: maps a host's 64-bit item id to the index's current
 * node ordinal, so per-request sets given by id (seen posts, hidden posts) can be turned into
 * ordinals, and tells a filter when an ordinal it holds bits for was given to a new item.
 * {@code dev.trawl.index.VectorIndex} implements it.
 *
 * <p>Implementations must be thread-safe and must not allocate.
 */
@FunctionalInterface
public interface IdResolver {
  /** Value returned for an id that is not in the index. */
  int MISSING = -1;

  /**
   * The ordinal currently holding {@code id}, or {@link #MISSING}.
   *
   * @param id a host's item id
   * @return the ordinal, or {@link #MISSING} when the id is not live
   */
  int ordinalOf(long id);

  /**
   * A stamp of the index's ordinal reuse, which a filter takes when it is reset and passes to
   * {@link #reusedSince} for every ordinal it accepts; or {@link #NEVER_REUSED} when the index does not
   * reuse the ordinals of removed items and never did, so no check is needed. Default: never reused.
   * @return the current stamp, or {@link #NEVER_REUSED}
   */
  default long reuseStamp() {
    return NEVER_REUSED;
  }

  /**
   * Whether {@code ordinal} was given to a new item after {@code stamp} ({@link #reuseStamp}) was taken:
   * then what a filter recorded about it describes the previous item. Default: false.
   *
   * @param ordinal an ordinal the filter holds a bit for
   * @param stamp the stamp the filter took when it was reset
   * @return true when the ordinal holds another item than when the stamp was taken
   */
  default boolean reusedSince(int ordinal, long stamp) {
    return false;
  }

  /** {@link #reuseStamp} of an index that has never reused an ordinal and will not. */
  long NEVER_REUSED = -1;
}
