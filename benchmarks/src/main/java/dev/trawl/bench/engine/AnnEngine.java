package dev.trawl.bench.engine;

import dev.trawl.bench.data.Dataset;

/**
 * One HNSW implementation under test, adapted to a common shape so that every benchmark drives
 * Trawl and its peers the same way: build from a prefix of a dataset's base vectors (ids are base
 * positions) on N threads, then search with per-thread query contexts at a given ef, returning the
 * {@link Dataset#K} nearest base positions.
 *
 * <p>All engines use M = 16 (HNSW; JVector: maximum degree 32, HNSW's level-0 degree) and
 * efConstruction = 200. Implementations are stateless factories and thread-safe.
 */
public interface AnnEngine {
  /** HNSW links per node on upper levels (level 0 holds twice as many). */
  int M = 16;
  /** Beam width while building. */
  int EF_CONSTRUCTION = 200;

  /** Name used in JMH parameters and tables. */
  String name();

  /**
   * Builds an index of {@code base[0..count)} using {@code threads} threads. The engine keeps
   * whatever it needs: it never holds on to the dataset's own arrays, so heap measured after a
   * build counts the engine's own copy of the vectors.
   */
  Index build(Dataset data, int count, int threads) throws Exception;

  /** A built index. Searching it from several threads at once is safe with one {@link Query} each. */
  interface Index {
    /** A per-thread query context searching with beam width {@code ef}. */
    Query newQuery(int ef) throws Exception;

    /** Kernel or vectorisation implementation in use, for the report. */
    default String kernels() {
      return "";
    }

    /** Directed links stored over all levels, or -1 when the engine does not expose them. */
    default long linkCount() {
      return -1;
    }

    /**
     * A per-thread query context that leaves out the base positions a request names, through the
     * engine's own filtered search (or, for an engine without one, the post-filter its users write),
     * and reports the nodes each search scored. Engines that cannot do this throw
     * {@link UnsupportedOperationException}.
     */
    default ExcludingQuery newExcludingQuery(int ef) throws Exception {
      throw new UnsupportedOperationException("this engine has no excluding query");
    }
  }

  /**
   * Searches one index from one thread for the nearest items outside a per-request exclusion list
   * (a user's "seen" items), and counts the work. Not thread-safe.
   */
  interface ExcludingQuery {
    /**
     * Writes up to {@link Dataset#K} nearest base positions not in {@code excluded[0, count)},
     * nearest first; returns how many. Building the engine's filter from the list is part of the
     * call, as it is part of every request. {@code count == 0} runs the engine's plain unfiltered
     * search (no filter object at all), so both sides of a comparison use the same context.
     */
    int search(float[] query, long[] excluded, int count, int[] out) throws Exception;

    /**
     * Nodes whose distance to the query the last search computed (the engine's own visited count,
     * or its distance computations), or -1 when the engine does not report it.
     */
    long lastVisited();
  }

  /** Searches one index from one thread. Not thread-safe. */
  interface Query {
    /** Writes up to {@link Dataset#K} nearest base positions, nearest first; returns how many. */
    int search(float[] query, int[] out) throws Exception;
  }
}
