package dev.trawl.hnsw;

import dev.trawl.vector.Int8Store;
import dev.trawl.vector.VectorStore;

/**
 * Searches one {@link HnswGraph}: greedy descent through the upper levels, then a beam search of width
 * {@code ef} on level 0, or an exact scan. Results stay in the searcher until drained with
 * {@link #drainNearest}.
 *
 * <p>Filtering happens inside the walk: every published node is traversed, but only nodes that are
 * not tombstoned and pass the {@link OrdinalFilter} enter the result queue, and the walk continues
 * until the queue holds {@code ef} accepted nodes closer than every remaining candidate (or the visit
 * budget runs out, which {@link #budgetExhausted} reports so a planner can fall back).
 *
 * <p>On a graph stored as int7 codes ({@link HnswGraph#codes}) the query is encoded once, the walk
 * scores codes against codes, and the {@value #RERANK_FACTOR}{@code  * k} nearest queued results (all of
 * them when fewer) are rescored by the exact distance from the float query to their decoded codes;
 * the rest are dropped. Exact scans score with that float distance throughout.
 *
 * <p><b>Not thread-safe: one searcher per thread.</b> It owns its scratch (epoch-stamped visited set,
 * packed {@code long} heaps) and reuses it on every call. <b>Allocation:</b> none in steady state;
 * scratch grows only when the graph or the requested ef has grown since the last search.
 */
public final class HnswSearcher {
  /** A quantized search reranks this many times {@code k} of its best candidates by float distance. */
  public static final int RERANK_FACTOR = 3;

  private final HnswGraph graph;
  private final Int8Store codes; // null: float vectors
  private final int[] queryCodes; // the encoded query (or the stored node being linked)
  private final WalkEpochs.Slot slot;
  private final VisitedSet visited;
  private final LongHeap candidates;
  private final LongHeap results; // complemented keys: peek() is the worst result
  private final LongHeap rejectedCore; // rejected nodes nearer than every accepted one, complemented
  private long[] drained = new long[256];
  // Written so the JIT cannot drop the loads of touchFirstLines; never read.
  private float prefetchSink;
  private final int[] fresh; // the expanded node's unvisited, published neighbours
  private int visitedCount;
  private int rejectedCount;
  private int lastBeam;
  private boolean budgetExhausted;

  public HnswSearcher(HnswGraph graph) {
    this.graph = graph;
    this.codes = graph.codes();
    this.queryCodes = codes == null ? null : new int[codes.stride()];
    this.slot = graph.epochs().register();
    this.visited = new VisitedSet(graph.size());
    this.candidates = new LongHeap(256);
    this.results = new LongHeap(256);
    this.rejectedCore = new LongHeap(64);
    this.fresh = new int[graph.maxDegree(0) + 1];
  }

  public HnswGraph graph() {
    return graph;
  }

  /**
   * Announces that this searcher is inside a walk, so that no ordinal it may meet is reused until
   * {@link #unpin}. Every search method pins (a no-op when already pinned); {@link #drainNearest}
   * unpins. A caller that translates ordinals after draining (to ids, say) pins first and unpins after,
   * using {@link #drainNearestPinned}. Costs a volatile write and read; allocates nothing.
   */
  public void pin() {
    slot.pin();
  }

  /** Ends the walk announced by {@link #pin} (a release write; a no-op when not pinned). */
  public void unpin() {
    slot.unpin();
  }

  /**
   * Approximate search. Leaves up to {@code ef} accepted nodes, nearest to the query, in the result
   * queue; returns how many.
   *
   * @param query the query, already checked and normalised for the metric
   * @param visitBudget stop after scoring this many nodes ({@code Integer.MAX_VALUE} for no limit)
   */
  public int search(float[] query, int ef, OrdinalFilter filter, int visitBudget) {
    return search(query, ef, ef, ef, filter, visitBudget);
  }

  /**
   * Approximate search whose beam widens when rejected nodes surround the query. The beam starts at
   * {@code ef} accepted results. The <i>rejected core</i> is the set of nodes the walk has scored but
   * may not return (filtered out or deleted) that are nearer than every accepted node found so far; the
   * beam widens to {@code k +} the core's largest size, never past {@code efLimit}. So a filter that
   * removes exactly the items nearest the query (a user's seen posts, a muted community the user is in)
   * gets a beam deep enough to pass them and still hold {@code k} answers, while a filter whose
   * rejections are spread out (random, another language) or far away (old history) leaves the beam as
   * it is: its accepted nodes interleave with the rejected ones, so the core stays small.
   * {@code efLimit == ef} turns widening off.
   *
   * @param k the number of results the caller will drain ({@code 1 <= k <= ef})
   * @param efLimit the widest beam allowed ({@code >= ef})
   * @throws IllegalArgumentException unless {@code 1 <= k <= ef <= efLimit}
   */
  public int search(
      float[] query, int k, int ef, int efLimit, OrdinalFilter filter, int visitBudget) {
    if (k < 1 || k > ef || efLimit < ef) {
      throw new IllegalArgumentException(
          "need 1 <= k <= ef <= efLimit, got k=" + k + ", ef=" + ef + ", efLimit=" + efLimit);
    }
    slot.pin();
    results.clear();
    visitedCount = 0;
    rejectedCount = 0;
    budgetExhausted = false;
    final long entry = graph.entry();
    if (entry == HnswGraph.NO_ENTRY) {
      return 0;
    }
    if (codes != null) {
      codes.encode(query, queryCodes);
    }
    final int limit = graph.size();
    int node = (int) entry;
    float dist = score(query, 0, node);
    for (int level = (int) (entry >>> 32); level > 0; level--) {
      final long best = greedy(query, 0, node, dist, level, limit);
      node = NodeScores.node(best);
      dist = NodeScores.distance(best);
    }
    searchLevel(query, 0, node, dist, k, ef, efLimit, 0, filter, limit, visitBudget);
    if (codes != null) {
      rerank(query, k);
    }
    return results.size();
  }

  /**
   * Keeps the {@link #RERANK_FACTOR}{@code  * k} nearest queued results by code distance and requeues
   * them by the float distance from {@code query} to their decoded codes.
   */
  private void rerank(float[] query, int k) {
    final int queued = results.size();
    if (drained.length < queued) {
      drained = new long[Math.max(queued, drained.length * 2)];
    }
    final int n = drainPacked(drained);
    final int keep = (int) Math.min(n, (long) RERANK_FACTOR * k);
    for (int i = 0; i < keep; i++) {
      final int node = NodeScores.node(drained[i]);
      results.push(~NodeScores.pack(graph.distance(query, 0, node), node));
    }
  }

  /**
   * Distance from the query to {@code node} as the walk scores it: float kernels, or code kernels on
   * the encoded query of a quantized graph (then {@code query} is not read).
   */
  float score(float[] query, int queryOffset, int node) {
    return codes != null
        ? codes.distance(queryCodes, 0, node)
        : graph.distance(query, queryOffset, node);
  }

  /**
   * Makes stored node {@code node} the query of the next {@link #greedy}/{@link #searchLevel} calls
   * (inserts and repairs search from a stored vector): returns the float page to pass as the query,
   * with offset {@code graph.vectors().offset(node)}, or null on a quantized graph, whose walk reads
   * the node's codes copied here instead.
   */
  float[] useStoredQuery(int node) {
    if (codes == null) {
      return graph.vectors().page(node);
    }
    System.arraycopy(codes.page(node), codes.offset(node), queryCodes, 0, queryCodes.length);
    return null;
  }

  /**
   * Greedy walk on one level from {@code node}: moves to the nearest neighbour while that is closer.
   * Returns the packed (distance, node) it stops at.
   */
  long greedy(float[] query, int queryOffset, int node, float dist, int level, int limit) {
    final HnswGraph g = graph;
    final int maxDegree = g.maxDegree(level);
    boolean moved = true;
    while (moved) {
      moved = false;
      final int[] links = g.linkPage(node, level);
      final int base = g.linkBase(node, level);
      final int count = Math.min(links[base], maxDegree);
      for (int i = 1; i <= count; i++) {
        final int next = links[base + i];
        if (next >= limit || !g.isPublished(next)) {
          continue;
        }
        visitedCount++;
        final float d = score(query, queryOffset, next);
        if (d < dist) {
          dist = d;
          node = next;
          moved = true;
        }
      }
    }
    return NodeScores.pack(dist, node);
  }

  /**
   * Beam search of width {@code ef} on one level from {@code entry}; leaves the accepted results in the
   * result queue (cleared first).
   */
  void searchLevel(
      float[] query,
      int queryOffset,
      int entry,
      float entryDist,
      int ef,
      int level,
      OrdinalFilter filter,
      int limit,
      int visitBudget) {
    searchLevel(query, queryOffset, entry, entryDist, ef, ef, ef, level, filter, limit, visitBudget);
  }

  /**
   * As above, with the beam starting at {@code ef} and widening up to {@code efLimit} by the rejected
   * core (see the public {@code search}).
   */
  private void searchLevel(
      float[] query,
      int queryOffset,
      int entry,
      float entryDist,
      int k,
      int ef,
      int efLimit,
      int level,
      OrdinalFilter filter,
      int limit,
      int visitBudget) {
    final HnswGraph g = graph;
    final Tombstones dead = g.tombstones();
    final VisitedSet seen = visited;
    final LongHeap frontier = candidates;
    final LongHeap found = results;
    final LongHeap core = rejectedCore;
    final VectorStore vectors = g.vectors();
    final int maxDegree = g.maxDegree(level);
    final boolean widens = efLimit > ef;
    seen.ensureCapacity(limit, g.nodeCapacity());
    seen.clear();
    frontier.clear();
    found.clear();
    core.clear();

    int beam = ef;
    final int coreLimit = efLimit - k;
    float nearestAccepted = Float.POSITIVE_INFINITY;
    seen.getAndSet(entry);
    frontier.push(NodeScores.pack(entryDist, entry));
    if (!dead.contains(entry) && filter.accepts(entry)) {
      found.push(~NodeScores.pack(entryDist, entry));
      nearestAccepted = entryDist;
    } else if (widens) {
      core.push(~NodeScores.pack(entryDist, entry));
    }
    float worst = found.size() >= beam ? entryDist : Float.POSITIVE_INFINITY;
    int scored = 1;
    int rejected = 0;
    while (!frontier.isEmpty()) {
      final long current = frontier.pop();
      if (NodeScores.distance(current) > worst) {
        break;
      }
      if (scored >= visitBudget) {
        budgetExhausted = true;
        break;
      }
      final int node = NodeScores.node(current);
      final int[] links = g.linkPage(node, level);
      final int base = g.linkBase(node, level);
      final int count = Math.min(links[base], maxDegree);
      // Two passes: pick the neighbours to score first, then score them in a tight loop, so the
      // vectors' cache misses overlap instead of waiting behind the heap work of the previous one.
      final int[] batch = fresh;
      int n = 0;
      for (int i = 1; i <= count; i++) {
        final int next = links[base + i];
        if (next < limit && !seen.getAndSet(next) && g.isPublished(next)) {
          batch[n++] = next;
        }
      }
      scored += n;
      prefetchSink += touchFirstLines(vectors, codes, batch, n);
      for (int j = 0; j < n; j++) {
        final int next = batch[j];
        final float d = score(query, queryOffset, next);
        if (d < worst) {
          final long scoredNode = NodeScores.pack(d, next);
          frontier.push(scoredNode);
          if (!dead.contains(next) && filter.accepts(next)) {
            found.offerBounded(~scoredNode, beam);
            if (found.size() >= beam) {
              worst = NodeScores.distance(~found.peek());
            }
            if (d < nearestAccepted) {
              nearestAccepted = d;
              while (!core.isEmpty() && NodeScores.distance(~core.peek()) > d) {
                core.pop();
              }
            }
          } else {
            rejected++;
            if (!widens || d >= nearestAccepted || beam >= efLimit) {
              continue;
            }
            core.offerBounded(~scoredNode, coreLimit);
            if (k + core.size() > beam) {
              beam = k + core.size();
              worst = Float.POSITIVE_INFINITY; // the beam has room again
            }
          }
        }
      }
    }
    visitedCount += scored;
    rejectedCount += rejected;
    lastBeam = beam;
  }

  /** The beam width the last level-0 search ended with ({@code ef} unless it widened). */
  public int lastBeam() {
    return lastBeam;
  }

  /**
   * Loads the first element of each vector about to be scored, all before any is scored: Java has no
   * prefetch instruction, and these independent loads are the substitute. The cache misses of the
   * whole batch overlap, and each vector's first line starts the hardware prefetcher on the rest
   * (measured: +8-11% queries per CPU-second at 384 and 784 dimensions, neutral at 128).
   */
  private static float touchFirstLines(VectorStore vectors, Int8Store codes, int[] batch, int n) {
    float sum = 0;
    if (codes != null) {
      for (int j = 0; j < n; j++) {
        final int node = batch[j];
        sum += codes.page(node)[codes.offset(node)];
      }
      return sum;
    }
    for (int j = 0; j < n; j++) {
      final int node = batch[j];
      sum += vectors.page(node)[vectors.offset(node)];
    }
    return sum;
  }

  /**
   * Exact search: scores every published, live, accepted node. Leaves the {@code k} nearest in the
   * result queue; returns how many.
   */
  public int searchExact(float[] query, int k, OrdinalFilter filter) {
    slot.pin();
    results.clear();
    budgetExhausted = false;
    final HnswGraph g = graph;
    final Tombstones dead = g.tombstones();
    final int limit = g.size();
    int scored = 0;
    for (int node = 0; node < limit; node++) {
      if (offerIfLive(query, k, node, dead, filter)) {
        scored++;
      }
    }
    visitedCount = scored;
    return results.size();
  }

  /**
   * Exact search over a caller-given list of ordinals (for example the members of a small allowed
   * set). Unpublished, tombstoned and rejected ordinals are skipped: the filter the list was collected
   * from is checked again, because a request filter also rejects ordinals reused since it was composed,
   * which its bitsets alone do not say. Returns how many results are queued.
   */
  public int searchOrdinals(float[] query, int k, int[] ordinals, int count, OrdinalFilter filter) {
    slot.pin();
    results.clear();
    budgetExhausted = false;
    final HnswGraph g = graph;
    final Tombstones dead = g.tombstones();
    final int limit = g.size();
    int scored = 0;
    for (int i = 0; i < count; i++) {
      final int node = ordinals[i];
      if (node >= 0 && node < limit && offerIfLive(query, k, node, dead, filter)) {
        scored++;
      }
    }
    visitedCount = scored;
    return results.size();
  }

  /**
   * Scores {@code node} into the bounded result queue when it is published, not deleted and accepted;
   * returns whether it was scored. The exact scans' shared step. The tombstone is read before the
   * state: a reused ordinal's tombstone is cleared after it was unpublished, so a scan that sees it
   * cleared then sees the node unpublished or republished with its new vector, never the old state.
   */
  private boolean offerIfLive(
      float[] query, int k, int node, Tombstones dead, OrdinalFilter filter) {
    final HnswGraph g = graph;
    if (dead.contains(node) || !g.isPublished(node) || !filter.accepts(node)) {
      return false;
    }
    results.offerBounded(~NodeScores.pack(g.distance(query, 0, node), node), k);
    return true;
  }

  /**
   * Moves the {@code k} nearest queued results that are still live, nearest first, into the given
   * arrays and empties the queue. Returns how many were written (at most {@code min(k, queued)};
   * fewer only when queued nodes were deleted while the search ran). Unpins: the ordinals written may
   * be reused from now on, so a caller that still needs them valid uses {@link #drainNearestPinned}.
   */
  public int drainNearest(int k, int[] ordinals, float[] distances) {
    final int n = drainNearestPinned(k, ordinals, distances);
    slot.unpin();
    return n;
  }

  /**
   * As {@link #drainNearest}, but stays pinned: the caller calls {@link #unpin} once it is done with
   * the ordinals.
   */
  public int drainNearestPinned(int k, int[] ordinals, float[] distances) {
    final int queued = results.size();
    if (drained.length < queued) {
      drained = new long[Math.max(queued, drained.length * 2)];
    }
    final int n = drainPacked(drained);
    // Re-check tombstones now that the walk is over: an update retires the old ordinal before it
    // publishes the new one, so a search that met both (the old one before its retirement) sees the
    // old one's tombstone here, and returns the item once.
    final Tombstones dead = graph.tombstones();
    int kept = 0;
    for (int i = 0; i < n && kept < k; i++) {
      final int node = NodeScores.node(drained[i]);
      if (dead.contains(node)) {
        continue;
      }
      ordinals[kept] = node;
      distances[kept] = NodeScores.distance(drained[i]);
      kept++;
    }
    return kept;
  }

  /**
   * Moves every queued result into {@code out} as packed (distance, node) longs, nearest first; returns
   * how many. {@code out} must hold {@link #queued()} entries.
   */
  int drainPacked(long[] out) {
    final int n = results.size();
    for (int i = n - 1; i >= 0; i--) {
      out[i] = ~results.pop();
    }
    return n;
  }

  /** Number of results queued by the last search. */
  public int queued() {
    return results.size();
  }

  /** Nodes scored by the last search (a cost measure that does not depend on the clock). */
  public int visitedCount() {
    return visitedCount;
  }

  /**
   * Nodes the last approximate search scored near enough to expand but could not return: deleted
   * (tombstoned, not yet repaired away) or rejected by the filter. Under a stream of updates with no
   * filter, this is the dead nodes the walk went through. Allocates nothing.
   */
  public int rejectedCount() {
    return rejectedCount;
  }

  /** Whether the last approximate search stopped because it hit its visit budget. */
  public boolean budgetExhausted() {
    return budgetExhausted;
  }
}
