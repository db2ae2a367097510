package dev.trawl.hnsw;

import dev.trawl.vector.PagedArray;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A growable concurrent bitset of deleted node ordinals. Setting a bit is a CAS on its word with
 * release semantics; reads are acquire reads, so a search that starts after a removal returned never
 * returns the removed node.
 *
 * <p><b>Thread-safety:</b> {@link #set}/{@link #clear}/{@link #contains} are safe from any thread;
 * {@link #ensureCapacity} is for the single allocating writer. <b>Allocation:</b> only on growth.
 */
public final class Tombstones {
  private static final VarHandle WORDS = MethodHandles.arrayElementVarHandle(long[].class);
  private static final int PAGE_SHIFT = 10; // 1024 words = 65,536 ordinals per page

  private final PagedArray<long[]> words = new PagedArray<>(PAGE_SHIFT, p -> new long[1 << PAGE_SHIFT]);

  /** Ensures ordinals {@code [0, ordinals)} can be marked. One writer at a time. */
  public void ensureCapacity(int ordinals) {
    words.ensureCapacity(((long) ordinals + 63) >>> 6);
  }

  /** Marks {@code ordinal} deleted; returns whether it was live before. */
  public boolean set(int ordinal) {
    final int word = ordinal >>> 6;
    final long[] page = words.page(word);
    final int i = word & ((1 << PAGE_SHIFT) - 1);
    final long bit = 1L << ordinal;
    while (true) {
      final long old = (long) WORDS.getAcquire(page, i);
      if ((old & bit) != 0) {
        return false;
      }
      if (WORDS.compareAndSet(page, i, old, old | bit)) {
        return true;
      }
    }
  }

  /** Marks {@code ordinal} live again (used when a repaired slot is reused). */
  public void clear(int ordinal) {
    final int word = ordinal >>> 6;
    final long[] page = words.page(word);
    final int i = word & ((1 << PAGE_SHIFT) - 1);
    final long bit = 1L << ordinal;
    while (true) {
      final long old = (long) WORDS.getAcquire(page, i);
      if ((old & bit) == 0 || WORDS.compareAndSet(page, i, old, old & ~bit)) {
        return;
      }
    }
  }

  /** Whether {@code ordinal} is deleted. */
  public boolean contains(int ordinal) {
    final int word = ordinal >>> 6;
    final long w = (long) WORDS.getAcquire(words.page(word), word & ((1 << PAGE_SHIFT) - 1));
    return (w & (1L << ordinal)) != 0;
  }

  /** The word holding bits {@code [64*word, 64*word+64)}, for bulk scans. */
  public long word(int word) {
    return (long) WORDS.getAcquire(words.page(word), word & ((1 << PAGE_SHIFT) - 1));
  }
}
