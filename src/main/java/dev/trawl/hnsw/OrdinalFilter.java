package dev.trawl.hnsw;

/**
 * Which node ordinals a search may return. Rejected nodes are still walked through, so a filter that
 * removes exactly the nearest nodes does not cut the graph.
 *
 * <p>Implementations must be safe to call from the searching thread while writers add nodes, must not
 * allocate, and are usually request-scoped (see the {@code dev.trawl.filter} package).
 */
@FunctionalInterface
public interface OrdinalFilter {
  /** Accepts every node. */
  OrdinalFilter ALL = ordinal -> true;

  /** Whether {@code ordinal} may be returned. */
  boolean accepts(int ordinal);
}
