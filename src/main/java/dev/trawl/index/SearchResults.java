package dev.trawl.index;

import java.util.Arrays;

/**
 * A reusable, caller-owned holder of search results: external ids and distances, nearest first.
 * A search overwrites it; keep one per thread (or per request) and pass it to every search.
 *
 * <p><b>Not thread-safe.</b> <b>Allocation:</b> none, unless a search asks for more results than the
 * current capacity, in which case the arrays grow once.
 */
public final class SearchResults {
  private long[] ids;
  private float[] distances;
  private int[] ordinals;
  private int size;

  /**
   * Results with room for {@code capacity} entries (grows on demand).
   *
   * @param capacity how many results the arrays hold before a search asking for more grows them (at
   *     least 1 is allocated)
   */
  public SearchResults(int capacity) {
    final int c = Math.max(1, capacity);
    ids = new long[c];
    distances = new float[c];
    ordinals = new int[c];
  }

  /**
   * Number of results held.
   *
   * @return how many results the last search wrote: at most its {@code k}, fewer when fewer items
   *     were found; 0 after {@link #clear}
   */
  public int size() {
    return size;
  }

  /**
   * External id of the {@code i}-th nearest result.
   *
   * @param i the rank, 0 for the nearest, below {@link #size()}
   * @return the 64-bit id the item was added under
   * @throws IndexOutOfBoundsException if {@code i} is negative or not below {@link #size()}
   */
  public long id(int i) {
    checkIndex(i);
    return ids[i];
  }

  /**
   * Distance of the {@code i}-th nearest result, in the index's {@link dev.trawl.vector.Metric}.
   *
   * @param i the rank, 0 for the nearest, below {@link #size()}
   * @return the distance from the query: smaller is nearer (squared for L2, {@code 1 - cos} under
   *     cosine, {@code -dot} for inner product)
   * @throws IndexOutOfBoundsException if {@code i} is negative or not below {@link #size()}
   */
  public float distance(int i) {
    checkIndex(i);
    return distances[i];
  }

  /**
   * Internal ordinal of the {@code i}-th result, for the index's own checks and tests. Not public:
   * once the search has returned, a removal or an update may free the ordinal and a later write give
   * it to another item, so an ordinal kept after a search can name the wrong item; callers go by
   * {@link #id}.
   */
  int ordinal(int i) {
    checkIndex(i);
    return ordinals[i];
  }

  /**
   * Copies the ids into a new array (a convenience for tests and tools; allocates).
   *
   * @return a new array of the {@link #size()} ids, nearest first
   */
  public long[] idsCopy() {
    return Arrays.copyOf(ids, size);
  }

  /** Empties the results. */
  public void clear() {
    size = 0;
  }

  void ensureCapacity(int capacity) {
    if (capacity > ids.length) {
      ids = Arrays.copyOf(ids, capacity);
      distances = Arrays.copyOf(distances, capacity);
      ordinals = Arrays.copyOf(ordinals, capacity);
    }
  }

  int[] ordinalArray() {
    return ordinals;
  }

  float[] distanceArray() {
    return distances;
  }

  long[] idArray() {
    return ids;
  }

  void setSize(int size) {
    this.size = size;
  }

  private void checkIndex(int i) {
    if (i < 0 || i >= size) {
      throw new IndexOutOfBoundsException("result " + i + " of " + size);
    }
  }
}
