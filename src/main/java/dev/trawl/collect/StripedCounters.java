package dev.trawl.collect;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A fixed group of {@code long} counters that many threads add to, striped by thread so that
 * concurrent updates rarely share a cache line, with every stripe allocated up front: the counters
 * behind stage, fetch and near-cache metrics.
 *
 * <p><b>Why not {@link java.util.concurrent.atomic.LongAdder}.</b> A {@code LongAdder} allocates its
 * cells the first time two threads collide on it (584 bytes on a 2-core machine: an array and two
 * 128-byte-padded cells), and the first collision can come at any time, hours into steady state,
 * on a request thread. Here the stripes exist from construction, so adding never allocates.
 *
 * <p><b>Layout.</b> One {@code long[]} holds a stripe per thread slot; a stripe holds every counter
 * of the group side by side and is padded to a multiple of 128 bytes (two cache lines, as the JDK's
 * {@code @Contended} pads), with one padding stripe before the first and after the last, so a thread
 * updating several counters of one stage touches its own lines only. A thread's stripe is its id,
 * Fibonacci-hashed; two threads that share a stripe still count exactly (each add is an atomic
 * {@code getAndAdd}), they only contend. Stripes: twice the processors, rounded up to a power of two,
 * at most 64, so a group of up to 16 counters costs 128 bytes per stripe and two more for the padding
 * (768 bytes on 2 cores, 8.25 KiB at most).
 *
 * <p><b>Thread-safe</b>: {@link Counter#add} and {@link Counter#sum} may be called from any thread.
 * A sum read while adds run is, as {@code LongAdder#sum}, not an atomic snapshot: it includes every
 * add that finished before it started and possibly some that run meanwhile. <b>Allocation:</b> the
 * group and its counters allocate when created; adding and summing allocate nothing.
 */
public final class StripedCounters {
  private static final VarHandle CELLS = MethodHandles.arrayElementVarHandle(long[].class);
  /** Longs per 128 bytes, the padding unit. */
  private static final int LINE_LONGS = 16;
  private static final int MAX_STRIPES = 64;

  private final long[] cells;
  private final int stride;
  /** 64 minus log2 of the stripes (at least 2 stripes, so at most 63). */
  private final int stripeShift;
  private final int capacity;
  private int created;

  /**
   * A group that holds up to {@code capacity} counters, striped for this machine's processors.
   *
   * @throws IllegalArgumentException if {@code capacity} is not in [1, 1024]
   */
  public StripedCounters(int capacity) {
    this(capacity, Runtime.getRuntime().availableProcessors());
  }

  StripedCounters(int capacity, int processors) {
    if (capacity < 1 || capacity > 1024) {
      throw new IllegalArgumentException("capacity must be in [1, 1024], got " + capacity);
    }
    final int stripes =
        Math.min(MAX_STRIPES, Integer.highestOneBit(Math.max(1, 2 * processors - 1)) << 1);
    this.capacity = capacity;
    this.stride = (capacity + LINE_LONGS - 1) / LINE_LONGS * LINE_LONGS;
    this.stripeShift = 64 - Integer.numberOfTrailingZeros(stripes);
    this.cells = new long[(stripes + 2) * stride];
  }

  /** Number of stripes (a power of two): the thread slots updates are spread over. */
  int stripes() {
    return cells.length / stride - 2;
  }

  /**
   * The group's next counter, starting at 0. Call while building the owner, from one thread.
   *
   * @throws IllegalStateException if the group already holds {@code capacity} counters
   */
  public Counter newCounter() {
    if (created == capacity) {
      throw new IllegalStateException("this group holds " + capacity + " counters, all created");
    }
    return new Counter(this, created++);
  }

  /** Index of the calling thread's stripe's first cell. */
  private int stripeBase() {
    // the top bits of a Fibonacci hash: consecutive thread ids land on different stripes
    final int stripe = (int) ((Thread.currentThread().getId() * 0x9E3779B97F4A7C15L) >>> stripeShift);
    return (stripe + 1) * stride;
  }

  /** One counter of a {@link StripedCounters} group. Thread-safe; adding allocates nothing. */
  public static final class Counter {
    private final StripedCounters group;
    private final int index;

    private Counter(StripedCounters group, int index) {
      this.group = group;
      this.index = index;
    }

    /** Adds one. */
    public void increment() {
      add(1);
    }

    /** Adds {@code x} (which may be negative). */
    public void add(long x) {
      CELLS.getAndAdd(group.cells, group.stripeBase() + index, x);
    }

    /** The sum of every add so far (see the class comment on concurrent adds). */
    public long sum() {
      final long[] cells = group.cells;
      final int stride = group.stride;
      long sum = 0;
      for (int i = stride + index, end = cells.length - stride; i < end; i += stride) {
        sum += (long) CELLS.getVolatile(cells, i);
      }
      return sum;
    }
  }
}
