package dev.trawl.index;

import dev.trawl.filter.RequestFilter;
import dev.trawl.hnsw.HnswGraph;
import dev.trawl.hnsw.HnswSearcher;
import dev.trawl.hnsw.OrdinalFilter;
import java.util.Arrays;

/**
 * Chooses, per request, how to run a filtered k-nearest-neighbour search from the filter's exact
 * cardinality, then runs it for its {@link Searcher}:
 *
 * <ol>
 *   <li><b>Exact</b> over the allowed ordinals when few remain: when the allowed count is at most
 *       {@link #exactBelow} or at most the estimated cost of a filtered walk (see below). Scoring a few
 *       hundred vectors is cheaper and exact.
 *   <li><b>In-walk filtering</b> otherwise: the graph walk traverses rejected nodes but only returns
 *       accepted ones. Its beam starts at {@code ef} and widens, up to {@code maxEfFactor * ef}, by the
 *       rejected nodes it meets nearer than its {@code k}-th accepted one
 *       (the walk's widening beam),
 *       because an exclusion such as "already seen" removes exactly the region nearest the query, while
 *       exclusions elsewhere (a long history, other communities) need no wider beam.
 *   <li><b>Fallback</b>: the walk gets a visit budget equal to the exact scan's cost; when it exhausts it
 *       (the filter was harder than the estimate), the search is redone exactly, as Lucene does.
 * </ol>
 *
 * The estimated cost of a walk is {@code walkCostPerEf * ef' * limit / allowed}: a walk scores about
 * {@code walkCostPerEf} nodes per unit of beam width, divided by the fraction of nodes the filter
 * accepts, because only that fraction fills the beam; {@code ef'} is {@link #walkEf}, the beam the walk
 * would reach if every item excluded one by one lay near the query.
 *
 * <p>Obtained from {@link Searcher#planner()} to tune its thresholds and read the plan and cost of the
 * last search. <b>Not thread-safe: one per searcher</b>, like the {@link Searcher} that owns it.
 * <b>Allocation:</b> none in steady state; its ordinal buffer grows once when an exact plan needs more
 * room.
 */
public final class FilterPlanner {
  /** The plan of the last search: no search yet. */
  public static final int NONE = 0;
  /** The last search scanned the allowed ordinals exactly. */
  public static final int EXACT = 1;
  /** The last search walked the graph with the filter applied inside the walk. */
  public static final int WALK = 2;
  /** The last search walked the graph, exhausted its budget and then scanned exactly. */
  public static final int WALK_THEN_EXACT = 3;

  private final HnswSearcher searcher;
  private final AcceptedOrdinals accepted = new AcceptedOrdinals();
  private int[] ordinals = new int[1024];
  private int exactBelow = 1_000;
  private int walkCostPerEf = 16;
  private int maxEfFactor = 4;
  private int forcedPlan = NONE;
  private int lastPlan = NONE;
  private int lastEf;
  private int lastAllowed;
  private int lastVisited;

  /** A planner driving {@code searcher}, with the default thresholds. */
  FilterPlanner(HnswSearcher searcher) {
    this.searcher = searcher;
  }

  /**
   * Always scan exactly when at most this many items are allowed. Default 1,000.
   *
   * @param allowed the allowed-item count at or below which the planner skips the walk, 0 or more
   * @return this planner, for chaining
   * @throws IllegalArgumentException if {@code allowed} is negative
   */
  public FilterPlanner exactBelow(int allowed) {
    if (allowed < 0) {
      throw new IllegalArgumentException("exactBelow must be >= 0, got " + allowed);
    }
    this.exactBelow = allowed;
    return this;
  }

  /**
   * Nodes a walk scores per unit of beam width, for the cost estimate. Default 16.
   *
   * @param nodes the nodes a walk is expected to score per unit of {@code ef}, positive; higher
   *     makes exact scans more attractive
   * @return this planner, for chaining
   * @throws IllegalArgumentException if {@code nodes} is not positive
   */
  public FilterPlanner walkCostPerEf(int nodes) {
    if (nodes <= 0) {
      throw new IllegalArgumentException("walkCostPerEf must be positive, got " + nodes);
    }
    this.walkCostPerEf = nodes;
    return this;
  }

  /**
   * A walk's beam never widens past {@code factor * ef}. Default 4; 1 disables widening.
   *
   * @param factor how many times the requested {@code ef} a walk may widen to, at least 1
   * @return this planner, for chaining
   * @throws IllegalArgumentException if {@code factor} is below 1
   */
  public FilterPlanner maxEfFactor(int factor) {
    if (factor < 1) {
      throw new IllegalArgumentException("maxEfFactor must be >= 1, got " + factor);
    }
    this.maxEfFactor = factor;
    return this;
  }

  /**
   * Forces every search to use one plan, for measurement: {@link #EXACT}, {@link #WALK} (a walk with no
   * visit budget, hence no fallback) or {@link #NONE} to let the planner choose (the default).
   *
   * @throws IllegalArgumentException for any other value
   * @param plan {@link #EXACT}, {@link #WALK}, or {@link #NONE} to let the planner choose
   * @return this planner, for chaining
   */
  public FilterPlanner forcePlan(int plan) {
    if (plan != NONE && plan != EXACT && plan != WALK) {
      throw new IllegalArgumentException("forcePlan takes NONE, EXACT or WALK, got " + plan);
    }
    this.forcedPlan = plan;
    return this;
  }

  /**
   * The beam width the cost estimate assumes for a walk: {@code max(ef, k + pointExclusions)}, capped
   * at {@link #maxBeam}. A seen set is the posts nearest the user, so at worst every one of them sits
   * where the beam needs room; the walk itself widens only by those it actually meets near the query.
   * @param k the results asked for
   * @param ef the beam width asked for
   * @param pointExclusions the items the filter excludes one by one ({@code
   *     RequestFilter.pointExclusions()})
   * @return the assumed beam width, from {@code ef} up to {@link #maxBeam maxBeam(ef)}
   */
  public int walkEf(int k, int ef, int pointExclusions) {
    return (int) Math.max(ef, Math.min((long) k + pointExclusions, maxBeam(ef)));
  }

  /**
   * The widest beam a walk may reach from {@code ef}: {@code maxEfFactor * ef}.
   *
   * @param ef the beam width asked for
   * @return {@code maxEfFactor * ef}, capped at {@code Integer.MAX_VALUE}
   */
  public int maxBeam(int ef) {
    return (int) Math.min(Integer.MAX_VALUE, (long) ef * maxEfFactor);
  }

  /**
   * Runs a filtered search for the {@code k} nearest accepted items, leaving them queued in the
   * searcher ({@link HnswSearcher#drainNearest}); returns how many are queued.
   *
   * @param query already checked and normalised for the metric
   * @param ef the caller's beam width ({@code >= k}); the planner may widen it
   */
  int search(float[] query, int k, int ef, RequestFilter filter) {
    accepted.filter = filter;
    try {
      return plan(query, k, ef, filter, accepted);
    } finally {
      accepted.filter = null;
    }
  }

  private int plan(float[] query, int k, int ef, RequestFilter filter, OrdinalFilter accepts) {
    final HnswGraph graph = searcher.graph();
    final int limit = graph.size();
    final int allowed = filter.allowedCount(limit);
    lastAllowed = allowed;
    if (allowed == 0) {
      lastPlan = EXACT;
      lastEf = 0;
      lastVisited = 0;
      return searcher.searchOrdinals(query, k, ordinals, 0, accepts);
    }
    final int efWalk = walkEf(k, ef, filter.pointExclusions());
    lastEf = efWalk;
    final long walkCost = (long) walkCostPerEf * efWalk * limit / allowed;
    final boolean exact =
        forcedPlan == NONE ? allowed <= exactBelow || allowed <= walkCost : forcedPlan == EXACT;
    if (exact) {
      lastPlan = EXACT;
      final int found = exact(query, k, filter, accepts, limit, allowed);
      lastVisited = searcher.visitedCount();
      return found;
    }
    searcher.search(
        query, k, ef, maxBeam(ef), accepts, forcedPlan == WALK ? Integer.MAX_VALUE : allowed);
    lastEf = searcher.lastBeam();
    final int walked = searcher.visitedCount();
    if (!searcher.budgetExhausted()) {
      lastPlan = WALK;
      lastVisited = walked;
      return searcher.queued();
    }
    final int found = exact(query, k, filter, accepts, limit, allowed);
    lastPlan = WALK_THEN_EXACT;
    lastVisited = walked + searcher.visitedCount();
    return found;
  }

  private int exact(
      float[] query, int k, RequestFilter filter, OrdinalFilter accepts, int limit, int allowed) {
    if (ordinals.length < allowed) {
      ordinals = Arrays.copyOf(ordinals, Math.max(allowed, ordinals.length * 2));
    }
    final int n = filter.collectAllowed(limit, ordinals);
    return searcher.searchOrdinals(query, k, ordinals, n, accepts);
  }

  /**
   * The plan of the last search: {@link #EXACT}, {@link #WALK} or {@link #WALK_THEN_EXACT}.
   *
   * @return {@link #EXACT}, {@link #WALK} or {@link #WALK_THEN_EXACT}; {@link #NONE} before the
   *     first filtered search
   */
  public int lastPlan() {
    return lastPlan;
  }

  /**
   * The beam width the last search's walk ended with, or, when it scanned exactly without walking, the
   * {@link #walkEf} estimate it planned with.
   *
   * @return the final (possibly widened) beam width of the last walk, or the planned estimate when
   *     it only scanned
   */
  public int lastEf() {
    return lastEf;
  }

  /**
   * Nodes scored by the last search, walk and exact scan together: its clock-free cost.
   *
   * @return the nodes the last filtered search scored, over its walk and its exact scan
   */
  public int lastVisited() {
    return lastVisited;
  }

  /**
   * The allowed count the last search planned with.
   *
   * @return how many items the last search's filter allowed, as counted for the plan
   */
  public int lastAllowed() {
    return lastAllowed;
  }

  /**
   * The request filter as the graph walk sees it. {@link RequestFilter} is API and the walk's filter
   * interface is internal, so the planner hands the walk this view instead of the filter itself.
   */
  static final class AcceptedOrdinals implements OrdinalFilter {
    RequestFilter filter;

    @Override
    public boolean accepts(int ordinal) {
      return filter.accepts(ordinal);
    }
  }
}
