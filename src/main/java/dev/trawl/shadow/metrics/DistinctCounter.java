package dev.trawl.shadow.metrics;

import dev.trawl.collect.LongIntTable;

/**
 * Counts distinct values in a prefix of a {@code long[]} column, e.g. the unique authors or
 * communities on one page.
 *
 * <p><b>Not thread-safe</b>: owned by one comparator. <b>Allocation:</b> none in steady state (see
 * {@link LongIntTable}).
 */
public final class DistinctCounter {
  private final LongIntTable seen;

  /**
   * A counter sized for pages of about {@code expectedSize} entries (grows on demand).
   *
   * @param expectedSize the usual number of values counted at once
   */
  public DistinctCounter(int expectedSize) {
    seen = new LongIntTable(expectedSize);
  }

  /**
   * The number of distinct values among {@code values[0..size)}.
   *
   * @param values the values, such as the authors of a page
   * @param size how many of them, from index 0
   * @return the number of distinct values
   * @throws IllegalArgumentException if {@code size} is negative or exceeds the array
   */
  public int count(long[] values, int size) {
    if (size < 0 || size > values.length) {
      throw new IllegalArgumentException("size " + size + " outside [0, " + values.length + "]");
    }
    seen.clear();
    for (int i = 0; i < size; i++) {
      seen.putIfAbsent(values[i], 0);
    }
    return seen.size();
  }
}
