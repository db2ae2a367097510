package dev.trawl.hnsw;

import java.util.Arrays;

/**
 * A binary min-heap of {@code long}s, usually {@link NodeScores packed} (distance, node) pairs. A
 * max-heap is the same heap over bitwise-complemented keys ({@code ~key} reverses the order), which is
 * how searchers keep their bounded "worst result on top" queue without a second class.
 *
 * <p><b>Not thread-safe</b>: owned by one searcher. <b>Allocation:</b> grows its array when a push
 * exceeds the capacity, otherwise none; {@link #clear} is O(1).
 */
public final class LongHeap {
  private long[] heap;
  private int size;

  public LongHeap(int initialCapacity) {
    heap = new long[Math.max(1, initialCapacity)];
  }

  public int size() {
    return size;
  }

  public boolean isEmpty() {
    return size == 0;
  }

  public void clear() {
    size = 0;
  }

  /** The smallest key; undefined when empty. */
  public long peek() {
    return heap[0];
  }

  public void push(long key) {
    if (size == heap.length) {
      heap = Arrays.copyOf(heap, size * 2);
    }
    int i = size++;
    final long[] h = heap;
    while (i > 0) {
      final int parent = (i - 1) >>> 1;
      final long p = h[parent];
      if (p <= key) {
        break;
      }
      h[i] = p;
      i = parent;
    }
    h[i] = key;
  }

  /** Removes and returns the smallest key; undefined when empty. */
  public long pop() {
    final long[] h = heap;
    final long top = h[0];
    final long last = h[--size];
    if (size > 0) {
      siftDown(last);
    }
    return top;
  }

  /** Replaces the smallest key by {@code key} (faster than pop then push); heap must be non-empty. */
  public void replaceTop(long key) {
    siftDown(key);
  }

  /**
   * Keeps the {@code bound} largest keys seen: pushes while below {@code bound}, otherwise replaces
   * the smallest when {@code key} is larger.
   *
   * @return whether {@code key} was kept
   */
  public boolean offerBounded(long key, int bound) {
    if (size < bound) {
      push(key);
      return true;
    }
    if (key > heap[0]) {
      siftDown(key);
      return true;
    }
    return false;
  }

  /** The key at array position {@code i} (heap order, not sorted), {@code 0 <= i < size}. */
  public long get(int i) {
    return heap[i];
  }

  private void siftDown(long key) {
    final long[] h = heap;
    final int n = size;
    int i = 0;
    while (true) {
      int child = 2 * i + 1;
      if (child >= n) {
        break;
      }
      long c = h[child];
      final int right = child + 1;
      if (right < n && h[right] < c) {
        child = right;
        c = h[right];
      }
      if (key <= c) {
        break;
      }
      h[i] = c;
      i = child;
    }
    h[i] = key;
  }
}
