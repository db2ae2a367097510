package dev.trawl.index;

/**
 * The bounds on an index's parameters and stored vectors, shared by {@link VectorIndex.Builder}
 * (which refuses to build outside them) and the snapshot loader (which refuses a file outside them),
 * so that every index a snapshot can hold is one the builder could have made, and the other way round.
 *
 * <p>Why bounds at all: each parameter sizes an allocation made later, on a write or a search, not
 * when the index is built or loaded (a searcher's scratch holds a vector of {@code dimension} floats,
 * an insert's beam {@code efConstruction} candidates, each node {@code 2M + 1} link slots). Without an
 * upper bound a bad value loads fine and fails later, far from its cause, with an overflow or an
 * {@link OutOfMemoryError}. The bounds are far above any useful setting.
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

  /**
   * Largest squared norm of a stored vector: the bound writes and queries are checked against
   * ({@link dev.trawl.vector.VectorChecks#MAX_SQUARED_NORM}, 1e37, below a quarter of the largest
   * float), so that no squared L2 distance ({@code <= 2|a|^2 + 2|b|^2}) and no inner product
   * ({@code <= |a| |b|}) between two stored vectors overflows to infinity.
   */
  static final float MAX_SQUARED_NORM = (float) dev.trawl.vector.VectorChecks.MAX_SQUARED_NORM;

  /**
   * How far from 1 the squared norm of a vector stored under cosine may be, for {@code dimension}
   * components. Stored vectors are normalised in float arithmetic; summing {@code d} float squares
   * errs by at most about {@code d * 2^-24} relatively, so twice that (plus a floor) accepts every
   * vector the library normalised, at any dimension up to {@link #MAX_DIMENSION} (below 0.008), and
   * refuses every vector that was not normalised at all.
   */
  static float unitNormTolerance(int dimension) {
    return 1e-4f + dimension * 0x1p-23f;
  }
}
