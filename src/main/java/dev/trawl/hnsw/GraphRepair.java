package dev.trawl.hnsw;

import java.util.Arrays;

/**
 * Re-links an {@link HnswGraph} around its deleted nodes, so that searches stop walking through them
 * and recall does not decay as items are removed.
 *
 * <p>For every live node with a deleted neighbour on some level, the new neighbour list is chosen by the
 * usual HNSW heuristic from a candidate pool made of its live neighbours plus the live neighbours of
 * its deleted neighbours (the nodes the deleted ones used to connect it to); when that pool is smaller
 * than the node's degree, and always on the upper levels, a beam search of width efConstruction from
 * the node tops it up. The chosen
 * list is refilled with the nearest pruned candidates back to the node's former degree (it lost the
 * in-links that ran through deleted nodes), and each new neighbour links back to it as after an insert.
 * If the entry point is deleted, the live node on the highest level becomes the entry point first.
 * Deleted nodes keep their own (now unused) lists, so a search or insert that is already inside one
 * still finds its way out.
 *
 * <p><b>Concurrency:</b> runs while searches and inserts continue. Each list is rewritten under its
 * node's stripe lock (the lock inserts take for their reverse links), holding no other lock, and a
 * rewritten list only ever names published nodes, so the reader publication protocol of
 * {@link HnswGraph} is unchanged. A node deleted while a pass runs is handled by the next pass. One
 * {@code GraphRepair} is not thread-safe; passes over one graph are serialised by the graph, whichever
 * {@code GraphRepair} runs them.
 *
 * <p><b>Reuse.</b> With {@link HnswGraph#reuseDeleted} on, each pass also drives the graph's
 * {@link OrdinalReclaimer}: before scanning it claims the deleted nodes found so far and marks those
 * whose older walks are over as <i>unlinked</i>; the pass then leaves their lists alone and removes
 * every link to them, from live nodes (re-linked as above) and from deleted nodes still reachable
 * (their link to an unlinked node is dropped). The lists of live nodes are checked under their stripe
 * lock, so a concurrent pruning rewrite cannot hide a deleted neighbour. After the pass, the
 * reclaimer frees the unlinked nodes once no walk that entered before the pass ended remains.
 *
 * <p><b>Allocation:</b> owns its scratch (a candidate pool that grows with the largest pool seen);
 * repair is a background, write-side task.
 */
public final class GraphRepair implements OrdinalFilter {
  private final HnswGraph graph;
  private final HnswSearcher searcher;
  private final GraphInserter linker;
  private final VisitedSet pooled;
  private final int[] chosen;
  private long[] pool;
  private long[] found;
  private int self = -1;

  public GraphRepair(HnswGraph graph) {
    this.graph = graph;
    this.searcher = new HnswSearcher(graph);
    this.linker = new GraphInserter(graph);
    this.pooled = new VisitedSet(graph.size());
    this.chosen = new int[graph.maxDegree(0)];
    this.pool = new long[4 * graph.maxDegree(0)];
    this.found = new long[graph.efConstruction() + 1];
  }

  /** The top-up search never proposes the node being repaired. */
  @Override
  public boolean accepts(int ordinal) {
    return ordinal != self;
  }

  /**
   * Runs one repair pass over the nodes allocated when it starts.
   *
   * @return how many link lists were rewritten
   */
  public int run() {
    final HnswGraph g = graph;
    synchronized (g.repairLock()) {
      final int limit = g.size();
      final boolean reuse = g.reusesDeleted();
      final OrdinalReclaimer reclaimer = g.reclaimer();
      if (reuse) {
        reclaimer.beginPass(limit);
      }
      searcher.pin();
      int rewritten = 0;
      try {
        pooled.ensureCapacity(limit, g.nodeCapacity());
        replaceDeletedEntry(limit);
        for (int level = Math.max(0, g.topLevel()); level >= 0; level--) {
          for (int node = 0; node < limit; node++) {
            if (g.publishedLevel(node) < level || (reuse && reclaimer.isUnlinked(node))) {
              continue;
            }
            if (!g.isDeleted(node)) {
              if (relink(node, level)) {
                rewritten++;
              }
            } else if (reuse) {
              dropUnlinked(node, level);
            }
          }
        }
      } finally {
        searcher.unpin();
      }
      if (reuse) {
        reclaimer.endPass();
      }
      return rewritten;
    }
  }

  /**
   * Drops the nodes being unlinked from the list of a deleted node that is still reachable (it was
   * deleted after this pass claimed the others), so that walks passing through it cannot reach them.
   * Its other links stay: walks still use them to find their way.
   */
  private void dropUnlinked(int node, int level) {
    final HnswGraph g = graph;
    final OrdinalReclaimer reclaimer = g.reclaimer();
    synchronized (g.stripe(node)) {
      final int[] links = g.linkPage(node, level);
      final int base = g.linkBase(node, level);
      final int count = Math.min(links[base], g.maxDegree(level));
      int kept = 0;
      for (int i = 1; i <= count; i++) {
        final int neighbour = links[base + i];
        if (!reclaimer.isUnlinked(neighbour)) {
          links[base + 1 + kept++] = neighbour;
        }
      }
      links[base] = kept;
    }
  }

  /** Whether {@code node}'s list on {@code level} names a deleted node. Caller holds its stripe. */
  private boolean hasDeletedNeighbour(int node, int level) {
    final HnswGraph g = graph;
    final int[] links = g.linkPage(node, level);
    final int base = g.linkBase(node, level);
    final int count = Math.min(links[base], g.maxDegree(level));
    for (int i = 1; i <= count; i++) {
      if (g.isDeleted(links[base + i])) {
        return true;
      }
    }
    return false;
  }

  private void replaceDeletedEntry(int limit) {
    final HnswGraph g = graph;
    final int entry = g.entryNode();
    if (entry < 0 || !g.isDeleted(entry)) {
      return;
    }
    int best = -1;
    int bestLevel = -1;
    for (int node = 0; node < limit; node++) {
      final int level = g.publishedLevel(node);
      if (level > bestLevel && !g.isDeleted(node)) {
        best = node;
        bestLevel = level;
      }
    }
    if (best < 0) {
      return; // everything is deleted: keep the old entry, searches return nothing anyway
    }
    synchronized (g.entryLock()) {
      // An insert may have raised the entry meanwhile; only replace the deleted one we saw.
      if (g.entryNode() == entry) {
        g.setEntry(best, bestLevel);
      }
    }
  }

  /**
   * Rewrites {@code node}'s list on {@code level} if it names a deleted node; returns whether it did.
   * The check is made under the stripe lock: an unlocked read racing a pruning rewrite could miss a
   * deleted neighbour, which, with reuse on, would stay linked after its ordinal is freed.
   */
  private boolean relink(int node, int level) {
    final HnswGraph g = graph;
    final int maxDegree = g.maxDegree(level);
    final int kept;
    synchronized (g.stripe(node)) {
      if (!hasDeletedNeighbour(node, level)) {
        return false;
      }
      // Read under the stripe lock: this node's links, which only change under it, name published
      // nodes below this bound, including nodes inserted since the pass began (fine neighbours too).
      final int limit = g.size();
      pooled.ensureCapacity(limit, g.nodeCapacity());
      pooled.clear();
      pooled.getAndSet(node);
      int size = 0;
      final int[] links = g.linkPage(node, level);
      final int base = g.linkBase(node, level);
      final int count = Math.min(links[base], maxDegree);
      for (int i = 1; i <= count; i++) {
        final int neighbour = links[base + i];
        if (neighbour >= limit) {
          continue;
        }
        if (!g.isDeleted(neighbour)) {
          size = offer(node, neighbour, size);
          continue;
        }
        // The deleted neighbour's own neighbours are the nodes it bridged this node to.
        final int[] bridge = g.linkPage(neighbour, level);
        final int bridgeBase = g.linkBase(neighbour, level);
        final int bridgeCount = Math.min(bridge[bridgeBase], maxDegree);
        for (int j = 1; j <= bridgeCount; j++) {
          final int candidate = bridge[bridgeBase + j];
          if (candidate < limit && !g.isDeleted(candidate) && g.isPublished(candidate)) {
            size = offer(node, candidate, size);
          }
        }
      }
      // Upper levels always search as well: their lists carry the long links that take a walk to
      // the right region, and a pool of bridged neighbours alone loses them over repeated repairs
      // (measured under churn: queries stranded in the wrong cluster). Few nodes live there, so
      // it is cheap.
      if (size < maxDegree || level > 0) {
        size = topUp(node, level, limit, size);
      }
      Arrays.sort(pool, 0, size);
      kept = fill(GraphInserter.selectNeighbours(g, node, pool, size, maxDegree, chosen), size,
          Math.min(count, maxDegree));
      System.arraycopy(chosen, 0, links, base + 1, kept);
      links[base] = kept;
    }
    // As an insert does: the new neighbours link back, each under its own stripe lock.
    for (int i = 0; i < kept; i++) {
      linker.addReverseLink(chosen[i], node, level);
    }
    return true;
  }

  /**
   * Tops the heuristic's choice up with the nearest candidates it pruned, back to the node's former
   * degree: a repaired node has lost in-links through its deleted neighbours, and the extra out-links
   * keep it as well connected as before.
   */
  private int fill(int kept, int size, int degree) {
    for (int i = 0; i < size && kept < degree; i++) {
      final int candidate = NodeScores.node(pool[i]);
      boolean taken = false;
      for (int j = 0; j < kept; j++) {
        if (chosen[j] == candidate) {
          taken = true;
          break;
        }
      }
      if (!taken) {
        chosen[kept++] = candidate;
      }
    }
    return kept;
  }

  /** Adds {@code candidate} to the pool unless already there; returns the new pool size. */
  private int offer(int node, int candidate, int size) {
    if (pooled.getAndSet(candidate)) {
      return size;
    }
    if (size == pool.length) {
      pool = Arrays.copyOf(pool, size * 2);
    }
    pool[size] = NodeScores.pack(graph.distanceBetween(node, candidate), candidate);
    return size + 1;
  }

  /** Adds the live nodes a beam search from {@code node} finds on {@code level}. */
  private int topUp(int node, int level, int limit, int size) {
    final HnswGraph g = graph;
    self = node;
    try {
      searcher.searchLevel(
          searcher.useStoredQuery(node), g.vectors().offset(node), node, 0f, g.efConstruction(), level,
          this, limit, Integer.MAX_VALUE);
    } finally {
      self = -1;
    }
    if (found.length < searcher.queued()) {
      found = new long[searcher.queued()];
    }
    final int n = searcher.drainPacked(found);
    for (int i = 0; i < n; i++) {
      size = offer(node, NodeScores.node(found[i]), size);
    }
    return size;
  }
}
