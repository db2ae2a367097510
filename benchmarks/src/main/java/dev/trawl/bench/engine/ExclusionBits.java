package dev.trawl.bench.engine;

/**
 * A reusable per-thread exclusion set over base positions [0, size) for the peers' filtered
 * searches: a request marks its excluded positions, the engine's acceptance callback reads
 * {@link #accepts}, and the request unmarks them again, so a request costs two passes over its own
 * list and never one over the whole item space (Trawl's {@code RequestFilter} is composed per request
 * too). Allocates only at construction. Not thread-safe: one per query context.
 */
final class ExclusionBits {
  private final long[] words;
  private final int size;

  ExclusionBits(int size) {
    this.size = size;
    this.words = new long[(size + 63) >>> 6];
  }

  /** Positions the set covers. */
  int size() {
    return size;
  }

  /** Marks {@code ids[0, count)} as excluded. */
  void exclude(long[] ids, int count) {
    for (int i = 0; i < count; i++) {
      final int id = (int) ids[i];
      words[id >>> 6] |= 1L << id;
    }
  }

  /** Unmarks {@code ids[0, count)}: the set accepts everything again. */
  void reset(long[] ids, int count) {
    for (int i = 0; i < count; i++) {
      words[(int) ids[i] >>> 6] = 0;
    }
  }

  /** Whether {@code position} is not excluded. */
  boolean accepts(int position) {
    return (words[position >>> 6] & (1L << position)) == 0;
  }
}
