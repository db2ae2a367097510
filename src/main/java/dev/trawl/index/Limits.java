package dev.trawl.index;

/**
 * The bounds on an index's parameters, shared by {@link VectorIndex.Builder}
 * (which refuses to build outside them) and the snapshot loader (which refuses a file outside them),
 * so that every index a snapshot can hold is one the builder could have made, and the other way round.
 *
 * <p>Why bounds at all: each parameter sizes an allocation made later, on a write or a search, not
 * when the index is built or loaded (a searcher's scratch holds a vector of {@code dimension} floats,
 * an insert's beam {@code efConstruction} candidates, each node {@code 2M + 1} link slots). Without an
 * upper bound a bad value loads fine and fails later, far from its cause, with an overflow or an
 * {@link OutOfMemoryError}. The bounds are far above any useful setting. (The bound on stored
 * vectors' norms is the graph's: {@code dev.trawl.hnsw.GraphSnapshotReader} checks it on load.)
 *
 * <p>Constants only; stateless.
 */
final class Limits {
  private Limits() {}

  /** Largest vector dimension (a 256 KiB vector). */
  static final int MAX_DIMENSION = 65_536;

  /** Smallest {@code M}: with one link per upper-level node the graph is a list. */
  static final int MIN_M = 2;

  /** Largest {@code M} (level 0 keeps {@code 2M} = 1,024 links per node). */
  static final int MAX_M = 512;

  /**
   * Largest {@code k} a search may ask for: its results and heaps are sized by it, so an unbounded
   * {@code k} (say 2^30) would fail with an {@link OutOfMemoryError} instead of a clear error. An
   * exact search of every item of a larger index is not a request-path operation.
   */
  static final int MAX_K = 1 << 20;

  /** Largest search beam width {@code ef}, for the same reason as {@link #MAX_K}. */
  static final int MAX_EF = 1 << 20;

  /** Largest {@code efConstruction} (an insert's beam). */
  static final int MAX_EF_CONSTRUCTION = 65_536;
}
