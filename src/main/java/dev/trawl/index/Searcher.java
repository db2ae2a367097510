package dev.trawl.index;

import dev.trawl.filter.RequestFilter;
import dev.trawl.hnsw.HnswSearcher;
import dev.trawl.hnsw.OrdinalFilter;
import dev.trawl.vector.VectorChecks;

/**
 * Searches one {@link VectorIndex}. Owns all per-query scratch (a normalised query copy, the HNSW
 * visited set and heaps, the {@link FilterPlanner}'s ordinal buffer), so a search allocates nothing.
 *
 * <p>Two entry points: {@link #search(float[], int, int, SearchResults)} without a filter, and
 * {@link #search(float[], int, int, RequestFilter, SearchResults)}, which plans every filter it is
 * given ({@link FilterPlanner}). A filter is always a {@link RequestFilter}, so what a search does
 * never depends on the static type of a variable.
 *
 * <p><b>Not thread-safe: one searcher per thread</b>, reused for every query. Searches run
 * concurrently with writers on other threads and never block on them. Results go into a caller-owned
 * {@link SearchResults}, which the searcher does not keep.
 *
 * <p>Bad input ({@code k <= 0}, {@code ef < k}, a query of the wrong dimension, with NaN or infinite
 * components, or zero under cosine) throws {@link IllegalArgumentException} before anything is done.
 */
public final class Searcher {
  private final VectorIndex index;
  private final HnswSearcher hnsw;
  private final FilterPlanner planner;
  private final float[] query;
  private final FilterPlanner.AcceptedOrdinals exactFilter = new FilterPlanner.AcceptedOrdinals();

  Searcher(VectorIndex index) {
    this.index = index;
    this.hnsw = new HnswSearcher(index.graph());
    this.planner = new FilterPlanner(hnsw);
    this.query = new float[index.dimension()];
  }

  /**
   * Approximate k-nearest-neighbour search with beam width {@code ef}; writes up to {@code k} results,
   * nearest first, into {@code out} and returns how many. Allocates nothing in steady state.
   *
   * @param query the query vector, of the index's dimension, finite (and not zero under cosine);
   *     copied, not kept
   * @param k how many nearest items to return, 1 to 2^20
   * @param ef the beam width of the walk, {@code k} to 2^20: wider finds more of the true nearest
   *     and scores more nodes
   * @param out receives the results, nearest first; grown if it holds fewer than {@code k}
   * @return the number of results written, {@code k} unless the index holds fewer matching items
   * @throws IllegalArgumentException if the query has the wrong dimension or a non-finite component
   *     (or is zero under cosine), or {@code k} or {@code ef} is out of range
   */
  public int search(float[] query, int k, int ef, SearchResults out) {
    checkKAndEf(k, ef);
    prepare(query);
    try {
      hnsw.search(this.query, k, ef, ef, OrdinalFilter.ALL, Integer.MAX_VALUE);
      return drain(k, out);
    } finally {
      hnsw.unpin();
    }
  }

  /**
   * Filtered search, planned from the filter's cardinality by this searcher's {@link #planner()}: an
   * exact scan of the allowed items when few remain, otherwise a walk with the filter applied inside
   * it and a beam widened by the excluded items it meets near the query, falling back to an exact
   * scan if the walk runs out of budget. Every filtered search goes through the planner; there is no
   * unplanned filtered search. Writes up to {@code k} accepted results, nearest first, into
   * {@code out}; returns how many. Allocates nothing in steady state. The filter is only read, so
   * several searchers may use one filter at once while nobody composes it.
   *
   * @throws NullPointerException if {@code filter} is null (use {@link #search(float[], int, int,
   *     SearchResults)} for no filter)
   * @param query the query vector, of the index's dimension, finite (and not zero under cosine);
   *     copied, not kept
   * @param k how many nearest items to return, 1 to 2^20
   * @param ef the beam width of the walk, {@code k} to 2^20; the planner may widen it for the items
   *     the filter excludes near the query
   * @param filter the items the search may return, composed for this request; only read
   * @param out receives the results, nearest first; grown if it holds fewer than {@code k}
   * @return the number of accepted results written, fewer than {@code k} only when fewer items pass
   *     the filter or the walk found no more
   * @throws IllegalArgumentException if the query has the wrong dimension or a non-finite component
   *     (or is zero under cosine), or {@code k} or {@code ef} is out of range
   */
  public int search(float[] query, int k, int ef, RequestFilter filter, SearchResults out) {
    checkKAndEf(k, ef);
    if (filter == null) {
      throw new NullPointerException("filter is null; use search(query, k, ef, out) for no filter");
    }
    prepare(query);
    try {
      planner.search(this.query, k, ef, filter);
      return drain(k, out);
    } finally {
      hnsw.unpin();
    }
  }

  /**
   * The filter planner of this searcher: its settings and the plan and cost of the last search.
   *
   * @return this searcher's planner, the same object on every call (one per searcher, so not shared
   *     between threads)
   */
  public FilterPlanner planner() {
    return planner;
  }

  /**
   * Exact search by scanning every live item: the ground truth for tests and tiny indexes.
   *
   * @param query the query vector, of the index's dimension, finite (and not zero under cosine);
   *     copied, not kept
   * @param k how many nearest items to return, 1 to 2^20
   * @param out receives the results, nearest first; grown if it holds fewer than {@code k}
   * @return the number of results written, {@code k} unless the index holds fewer live items
   * @throws IllegalArgumentException if the query has the wrong dimension or a non-finite component
   *     (or is zero under cosine), or {@code k} is out of range
   */
  public int searchExact(float[] query, int k, SearchResults out) {
    return exact(query, k, OrdinalFilter.ALL, out);
  }

  /**
   * Exact search over the items {@code filter} accepts: the ground truth of a filtered search.
   *
   * @throws NullPointerException if {@code filter} is null
   * @param query the query vector, of the index's dimension, finite (and not zero under cosine);
   *     copied, not kept
   * @param k how many nearest items to return, 1 to 2^20
   * @param filter the items the search may return; only read
   * @param out receives the results, nearest first; grown if it holds fewer than {@code k}
   * @return the number of accepted results written, {@code k} unless fewer live items pass the
   *     filter
   * @throws IllegalArgumentException if the query has the wrong dimension or a non-finite component
   *     (or is zero under cosine), or {@code k} is out of range
   */
  public int searchExact(float[] query, int k, RequestFilter filter, SearchResults out) {
    if (filter == null) {
      throw new NullPointerException("filter is null; use searchExact(query, k, out) for no filter");
    }
    exactFilter.filter = filter;
    try {
      return exact(query, k, exactFilter, out);
    } finally {
      exactFilter.filter = null;
    }
  }

  private int exact(float[] query, int k, OrdinalFilter filter, SearchResults out) {
    checkK(k);
    prepare(query);
    try {
      hnsw.searchExact(this.query, k, filter);
      return drain(k, out);
    } finally {
      hnsw.unpin();
    }
  }

  /**
   * Nodes scored by the last search: a clock-free measure of its cost.
   *
   * @return the nodes whose distance to the query the last search computed, on every level
   */
  public int visitedCount() {
    return hnsw.visitedCount();
  }

  /** The engine-level searcher, for measurements in this package's tests. */
  HnswSearcher engine() {
    return hnsw;
  }

  /** Checks and (for cosine) normalises {@code query} into this searcher's own copy. */
  float[] prepare(float[] query) {
    VectorChecks.check(query, index.dimension(), index.metric(), "query");
    VectorChecks.copyForMetric(query, this.query, 0, index.metric());
    return this.query;
  }

  /**
   * Moves the engine's queued results into {@code out}, translating ordinals to ids while the walk is
   * still pinned (so no result's ordinal is reused before its id is read), then unpins.
   */
  int drain(int k, SearchResults out) {
    out.ensureCapacity(k);
    final int n = hnsw.drainNearestPinned(k, out.ordinalArray(), out.distanceArray());
    final int[] ordinals = out.ordinalArray();
    final long[] ids = out.idArray();
    for (int i = 0; i < n; i++) {
      ids[i] = index.idOf(ordinals[i]);
    }
    out.setSize(n);
    hnsw.unpin();
    return n;
  }

  private static void checkKAndEf(int k, int ef) {
    checkK(k);
    if (ef < k || ef > Limits.MAX_EF) {
      throw new IllegalArgumentException(
          "ef must be in [k, " + Limits.MAX_EF + "] (k = " + k + "), got " + ef);
    }
  }

  private static void checkK(int k) {
    if (k <= 0 || k > Limits.MAX_K) {
      throw new IllegalArgumentException("k must be in [1, " + Limits.MAX_K + "], got " + k);
    }
  }
}
