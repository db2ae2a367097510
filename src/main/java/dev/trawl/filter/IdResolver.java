package dev.trawl.filter;

/**
 * Maps a host's 64-bit item id to the index's current node ordinal, so per-request sets given by id
 * (seen posts, hidden posts) can be turned into ordinals. {@code dev.trawl.index.VectorIndex}
 * implements it.
 *
 * <p>Implementations must be thread-safe and must not allocate.
 */
@FunctionalInterface
public interface IdResolver {
  /** Value returned for an id that is not in the index. */
  int MISSING = -1;

  /** The ordinal currently holding {@code id}, or {@link #MISSING}. */
  int ordinalOf(long id);
}
