package dev.trawl.hnsw;

import java.util.Arrays;

/**
 * Links one new node into an {@link HnswGraph}: per level, a beam search of width efConstruction for
 * candidates, the HNSW neighbour-selection heuristic (keep a candidate only if it is closer to the new
 * node than to every neighbour already kept), then reverse links, pruned by the same heuristic when a
 * neighbour's list is full.
 *
 * <p>One per inserting thread (held in a {@link ThreadLocal} by the graph); owns its scratch and
 * allocates nothing after construction unless the graph's ef grows. Also serves as the insert's
 * {@link OrdinalFilter}: it rejects the ordinal being replaced, so an update never links to the vector
 * it replaces.
 */
final class GraphInserter implements OrdinalFilter {
  private final HnswGraph graph;
  private final HnswSearcher searcher;
  private final long[] candidates;
  private final int[][] chosen;
  private final int[] chosenCount;
  private final long[] pruneScratch;
  private final int[] pruneChosen;
  private final int[] spliceScratch;
  private int replaced = -1;

  GraphInserter(HnswGraph graph) {
    this.graph = graph;
    this.searcher = new HnswSearcher(graph);
    this.candidates = new long[Math.max(graph.efConstruction(), graph.maxDegree(0)) + 1];
    this.chosen = new int[HnswGraph.MAX_LEVEL + 1][graph.maxDegree(0)];
    this.chosenCount = new int[HnswGraph.MAX_LEVEL + 1];
    this.pruneScratch = new long[graph.maxDegree(0) + 1];
    this.pruneChosen = new int[graph.maxDegree(0)];
    this.spliceScratch = new int[graph.maxDegree(0)];
  }

  @Override
  public boolean accepts(int ordinal) {
    return ordinal != replaced;
  }

  void insert(int node, int level, int replacedOrdinal) {
    final HnswGraph g = graph;
    replaced = replacedOrdinal;
    searcher.pin(); // the walk may meet deleted nodes: they must not be reused before it ends
    try {
      long entry = g.entry();
      if (entry == HnswGraph.NO_ENTRY) {
        synchronized (g.entryLock()) {
          if (g.entry() == HnswGraph.NO_ENTRY) {
            WriteFaults.at(WriteFaults.Step.BEFORE_PUBLISH);
            retire(replacedOrdinal);
            g.publish(node, level);
            g.setEntry(node, level);
            return;
          }
        }
        entry = g.entry();
      }
      final int entryLevel = (int) (entry >>> 32);
      final float[] query = searcher.useStoredQuery(node);
      final int queryOffset = g.vectors().offset(node);
      final int limit = g.size();
      int current = (int) entry;
      float currentDist = searcher.score(query, queryOffset, current);
      for (int l = entryLevel; l > level; l--) {
        final long best = searcher.greedy(query, queryOffset, current, currentDist, l, limit);
        current = NodeScores.node(best);
        currentDist = NodeScores.distance(best);
      }
      final int top = Math.min(level, entryLevel);
      for (int l = top; l >= 0; l--) {
        searcher.searchLevel(
            query, queryOffset, current, currentDist, g.efConstruction(), l, this, limit,
            Integer.MAX_VALUE);
        final int found = searcher.drainPacked(candidates);
        final int kept = selectNeighbours(g, node, candidates, found, g.maxDegree(l), chosen[l]);
        chosenCount[l] = kept;
        writeLinks(node, l, chosen[l], kept);
        WriteFaults.at(WriteFaults.Step.LEVEL_LINKED);
        if (found > 0) {
          current = NodeScores.node(candidates[0]);
          currentDist = NodeScores.distance(candidates[0]);
        }
      }
      WriteFaults.at(WriteFaults.Step.BEFORE_PUBLISH);
      // The commit point: from here on nothing allocates or calls out, so the write completes.
      retire(replacedOrdinal);
      g.publish(node, level);
      for (int l = top; l >= 0; l--) {
        final int[] neighbours = chosen[l];
        for (int i = 0, n = chosenCount[l]; i < n; i++) {
          addReverseLink(neighbours[i], node, l, replacedOrdinal);
        }
      }
      if (replacedOrdinal >= 0) {
        spliceOut(replacedOrdinal, node, Math.min(level, g.levelOf(replacedOrdinal)));
      }
      if (level > entryLevel) {
        synchronized (g.entryLock()) {
          if (level > g.topLevel()) {
            g.setEntry(node, level);
          }
        }
      }
    } finally {
      replaced = -1;
      searcher.unpin();
    }
  }

  private void retire(int ordinal) {
    if (ordinal >= 0) {
      graph.delete(ordinal);
    }
  }

  /**
   * The HNSW heuristic: walks candidates nearest first and keeps one only when no kept neighbour is
   * closer to it than the base node is, which spreads links across directions. {@code sorted} holds
   * packed (distance to base, node) pairs in ascending order.
   */
  static int selectNeighbours(
      HnswGraph g, int base, long[] sorted, int count, int maxDegree, int[] out) {
    int kept = 0;
    for (int i = 0; i < count && kept < maxDegree; i++) {
      final int candidate = NodeScores.node(sorted[i]);
      if (candidate == base) {
        continue;
      }
      final float toBase = NodeScores.distance(sorted[i]);
      boolean diverse = true;
      for (int j = 0; j < kept; j++) {
        if (g.distanceBetween(candidate, out[j]) < toBase) {
          diverse = false;
          break;
        }
      }
      if (diverse) {
        out[kept++] = candidate;
      }
    }
    return kept;
  }

  private void writeLinks(int node, int level, int[] neighbours, int count) {
    final HnswGraph g = graph;
    synchronized (g.stripe(node)) {
      final int[] page = g.linkPage(node, level);
      final int base = g.linkBase(node, level);
      System.arraycopy(neighbours, 0, page, base + 1, count);
      page[base] = count;
    }
  }

  void addReverseLink(int node, int added, int level) {
    addReverseLink(node, added, level, -1);
  }

  /**
   * After an update: the retired node's neighbours (which mostly link back to it, HNSW links being
   * mostly mutual) get the same replacement as in {@link #addReverseLink}, on every level both nodes
   * have. Only replaces, never adds: a neighbour that does not link to the retired node is left alone.
   */
  private void spliceOut(int retired, int added, int topLevel) {
    final HnswGraph g = graph;
    final int[] around = spliceScratch;
    for (int l = topLevel; l >= 0; l--) {
      final int count;
      synchronized (g.stripe(retired)) {
        final int[] page = g.linkPage(retired, l);
        final int base = g.linkBase(retired, l);
        count = Math.min(page[base], g.maxDegree(l));
        System.arraycopy(page, base + 1, around, 0, count);
      }
      for (int i = 0; i < count; i++) {
        final int neighbour = around[i];
        if (neighbour != added && g.publishedLevel(neighbour) >= l) {
          takeRetiredPlace(neighbour, added, l, retired);
        }
      }
    }
  }

  /** {@link #linkedOrTookPlace} under {@code node}'s stripe lock, and nothing else. */
  private void takeRetiredPlace(int node, int added, int level, int retired) {
    final HnswGraph g = graph;
    synchronized (g.stripe(node)) {
      final int[] page = g.linkPage(node, level);
      final int base = g.linkBase(node, level);
      linkedOrTookPlace(
          page, base, Math.min(page[base], g.maxDegree(level)), node, added, retired);
    }
  }

  /**
   * Whether {@code node}'s list ({@code count} links at {@code page[base + 1]}) already names
   * {@code added}, or names {@code retired} (the node {@code added} replaces, or -1) and
   * {@code added}, no farther from {@code node}, now took its place. Caller holds the stripe lock.
   */
  private boolean linkedOrTookPlace(
      int[] page, int base, int count, int node, int added, int retired) {
    int retiredAt = 0;
    for (int i = 1; i <= count; i++) {
      final int neighbour = page[base + i];
      if (neighbour == added) {
        return true;
      }
      if (neighbour == retired) {
        retiredAt = i;
      }
    }
    if (retiredAt > 0
        && graph.distanceBetween(node, added) <= graph.distanceBetween(node, retired)) {
      page[base + retiredAt] = added;
      return true;
    }
    return false;
  }

  /**
   * Links {@code node} to {@code added}. When {@code added} replaces {@code retired} (an update) and
   * {@code node} links to the retired node, {@code added} takes its place if it is no farther from
   * {@code node}: the link then leads to the item's new vector instead of a dead node, so searches stop
   * walking through the retired node now rather than after the next repair, and the list needs no
   * pruning. A re-embedded item that moved away from {@code node} joins the list as any new node does,
   * and the dead link waits for the repair, which bridges it to the retired node's neighbours.
   */
  private void addReverseLink(int node, int added, int level, int retired) {
    final HnswGraph g = graph;
    final int maxDegree = g.maxDegree(level);
    synchronized (g.stripe(node)) {
      final int[] page = g.linkPage(node, level);
      final int base = g.linkBase(node, level);
      final int count = page[base];
      if (linkedOrTookPlace(page, base, count, node, added, retired)) {
        return;
      }
      if (count < maxDegree) {
        page[base + 1 + count] = added;
        page[base] = count + 1;
        return;
      }
      final long[] scratch = pruneScratch;
      for (int i = 0; i < count; i++) {
        final int neighbour = page[base + 1 + i];
        scratch[i] = NodeScores.pack(g.distanceBetween(node, neighbour), neighbour);
      }
      scratch[count] = NodeScores.pack(g.distanceBetween(node, added), added);
      Arrays.sort(scratch, 0, count + 1);
      final int kept = selectNeighbours(g, node, scratch, count + 1, maxDegree, pruneChosen);
      System.arraycopy(pruneChosen, 0, page, base + 1, kept);
      page[base] = kept;
    }
  }
}
