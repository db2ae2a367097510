package dev.trawl.vector;

import java.util.function.IntFunction;

/**
 * A growable sequence of fixed-size primitive array pages ({@code float[]}, {@code int[]} or
 * {@code long[]}), the storage under vectors, graph links and id maps. Growth adds pages and, when the
 * page table is full, copies only the table of page references, never the data, so a reader that holds
 * an old table still reads valid, unchanging pages: there is no stop-the-world copy for readers to
 * notice.
 *
 * <p><b>Thread-safety:</b> {@link #ensureCapacity} must be called by one writer at a time (callers hold
 * their allocation lock). Readers may call {@link #page} at any time for any slot below the capacity
 * they observed through a happens-before edge (the index publishes its allocated count through a
 * volatile field, written after {@code ensureCapacity}). <b>Allocation:</b> only {@code ensureCapacity}
 * allocates, and only when it adds pages.
 *
 * @param <A> the primitive array type of a page
 */
public final class PagedArray<A> {
  private final int pageShift;
  private final IntFunction<A> pageFactory;
  private volatile Object[] pages;
  private int pageCount;

  /**
   * @param pageShift log2 of the number of slots per page
   * @param pageFactory makes one zeroed page; called under the writer's lock
   */
  public PagedArray(int pageShift, IntFunction<A> pageFactory) {
    this.pageShift = pageShift;
    this.pageFactory = pageFactory;
    this.pages = new Object[4];
  }

  /** {@return log2 of the slots per page} */
  public int pageShift() {
    return pageShift;
  }

  /** {@return the number of slots currently backed by pages} */
  public long capacity() {
    return (long) pageCount << pageShift;
  }

  /**
   * Makes sure slots {@code [0, slots)} are backed by pages. One writer at a time.
   *
   * @param slots the slots that must be backed
   */
  public void ensureCapacity(long slots) {
    final long needed = (slots + (1L << pageShift) - 1) >>> pageShift;
    if (needed <= pageCount) {
      return;
    }
    Object[] table = pages;
    if (needed > table.length) {
      final Object[] grown = new Object[(int) Math.max(needed, table.length * 2L)];
      System.arraycopy(table, 0, grown, 0, pageCount);
      table = grown;
    }
    for (int p = pageCount; p < needed; p++) {
      table[p] = pageFactory.apply(p);
    }
    pageCount = (int) needed;
    pages = table; // volatile write publishes the new pages
  }

  /**
   * The page holding {@code slot}.
   *
   * @param slot a slot below {@link #capacity()}
   * @return the page array holding it, at index {@code slot} modulo the page size
   */
  @SuppressWarnings("unchecked")
  public A page(long slot) {
    return (A) pages[(int) (slot >>> pageShift)];
  }

  /**
   * The page with index {@code pageIndex}.
   *
   * @param pageIndex 0 to {@link #pageCount()} - 1
   * @return that page array
   */
  @SuppressWarnings("unchecked")
  public A pageAt(int pageIndex) {
    return (A) pages[pageIndex];
  }

  /**
   * Number of pages. Readers see a count no lower than what was published to them.
   *
   * @return the number of pages allocated
   */
  public int pageCount() {
    return pageCount;
  }
}
