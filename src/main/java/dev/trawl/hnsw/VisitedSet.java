package dev.trawl.hnsw;

import java.util.Arrays;

/**
 * The set of nodes a search has already scored, as an epoch-stamped {@code int[]}: a node is visited
 * when its slot holds the current epoch, so {@link #clear} is a single increment instead of a pass over
 * the whole index.
 *
 * <p><b>Not thread-safe</b>: owned by one searcher. <b>Allocation:</b> {@link #ensureCapacity} grows
 * the array when the index has grown; otherwise none.
 */
public final class VisitedSet {
  private int[] stamps;
  private int epoch = 1;
  private int count;

  public VisitedSet(int capacity) {
    stamps = new int[Math.max(16, capacity)];
  }

  /**
   * Makes room for nodes {@code [0, nodes)}; when it must grow, it grows to {@code preferred} (the
   * graph's reserved capacity) if that is larger, so a growing index does not regrow it per insert.
   */
  public void ensureCapacity(int nodes, int preferred) {
    if (nodes > stamps.length) {
      stamps = Arrays.copyOf(stamps, Math.max(Math.max(nodes, preferred), stamps.length * 2));
    }
  }

  /** Forgets every node in O(1) (O(capacity) once every 2^31 clears). */
  public void clear() {
    count = 0;
    if (++epoch == Integer.MAX_VALUE) {
      Arrays.fill(stamps, 0);
      epoch = 1;
    }
  }

  /** Marks {@code node} visited; returns whether it was already. */
  public boolean getAndSet(int node) {
    if (stamps[node] == epoch) {
      return true;
    }
    stamps[node] = epoch;
    count++;
    return false;
  }

  /** Whether {@code node} is visited. */
  public boolean contains(int node) {
    return stamps[node] == epoch;
  }

  /** Nodes marked since the last clear. */
  public int count() {
    return count;
  }
}
