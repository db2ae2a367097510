package dev.trawl.pipeline.stages;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A fixed-size ring of the most recently published items (id, author, community, creation time),
 * appended by the host's ingestion and scanned, newest first, by {@link RecencySource}.
 *
 * <p><b>Thread-safety:</b> {@link #append} may be called from any thread (appends serialise on a
 * lock); scans never block and run concurrently with appends. Each slot carries a sequence number
 * written before and after its fields (a seqlock), so a scan skips a slot being overwritten instead
 * of returning a torn item. <b>Allocation:</b> none after construction.
 */
public final class RecentItems {
  private static final VarHandle SEQ = MethodHandles.arrayElementVarHandle(long[].class);

  private final int mask;
  private final long[] ids;
  private final long[] authors;
  private final long[] communities;
  private final long[] createdAt;
  private final long[] seqs;
  private volatile long head;

  /**
   * A ring holding the last {@code capacity} items (rounded up to a power of two).
   *
   * @param capacity the items kept, at least 1
   * @throws IllegalArgumentException if {@code capacity} is not positive or above 2^30
   */
  public RecentItems(int capacity) {
    if (capacity <= 0 || capacity > (1 << 30)) {
      throw new IllegalArgumentException("capacity must be in [1, 2^30], got " + capacity);
    }
    final int c = capacity == 1 ? 1 : Integer.highestOneBit(capacity - 1) << 1;
    mask = c - 1;
    ids = new long[c];
    authors = new long[c];
    communities = new long[c];
    createdAt = new long[c];
    seqs = new long[c];
  }

  /**
   * Appends an item; items should arrive in (roughly) creation order, as scans stop at old ones.
   *
   * @param id the item's id
   * @param author its author, or {@link dev.trawl.pipeline.CandidateBatch#UNKNOWN}
   * @param community its community, or {@link dev.trawl.pipeline.CandidateBatch#UNKNOWN}
   * @param createdAtMillis its creation time, epoch milliseconds
   */
  public synchronized void append(long id, long author, long community, long createdAtMillis) {
    final long pos = head;
    final int slot = (int) pos & mask;
    SEQ.setVolatile(seqs, slot, 0L);
    VarHandle.storeStoreFence();
    ids[slot] = id;
    authors[slot] = author;
    communities[slot] = community;
    createdAt[slot] = createdAtMillis;
    SEQ.setRelease(seqs, slot, pos + 1);
    head = pos + 1;
  }

  /** {@return the number of items appended so far (not capped by the capacity)} */
  public long appended() {
    return head;
  }

  /**
   * {@return the items the ring keeps: the capacity asked for, rounded up to a power of two}
   */
  public int capacity() {
    return mask + 1;
  }

  /** Receives one item of a scan; return false to stop. Non-capturing: state comes as arguments. */
  @FunctionalInterface
  public interface Visitor<T> {
    /**
     * Receives one item.
     *
     * @param state the scan's state, passed through from {@link #scanNewestFirst}
     * @param id the item's id
     * @param author its author
     * @param community its community
     * @param createdAtMillis its creation time, epoch milliseconds
     * @return true to go on to the next older item, false to stop
     */
    boolean visit(T state, long id, long author, long community, long createdAtMillis);
  }

  /**
   * Visits the retained items newest first until the visitor returns false.
   *
   * @param <T> the type of the scan's state
   * @param state passed to every call of the visitor, so it can be a constant
   * @param visitor called for each retained item, newest first
   */
  public <T> void scanNewestFirst(T state, Visitor<T> visitor) {
    final long h = head;
    final long stop = Math.max(0, h - ids.length);
    for (long pos = h - 1; pos >= stop; pos--) {
      final int slot = (int) pos & mask;
      final long s1 = (long) SEQ.getAcquire(seqs, slot);
      if (s1 != pos + 1) {
        continue;
      }
      final long id = ids[slot];
      final long author = authors[slot];
      final long community = communities[slot];
      final long created = createdAt[slot];
      VarHandle.loadLoadFence();
      if ((long) SEQ.getVolatile(seqs, slot) != s1) {
        continue;
      }
      if (!visitor.visit(state, id, author, community, created)) {
        return;
      }
    }
  }
}
