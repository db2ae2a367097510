package dev.trawl.testing;

import java.lang.management.ManagementFactory;

/** Counts bytes allocated by the current thread (HotSpot's ThreadMXBean extension). */
public final class Allocations {
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
  private static final int MAX_WARM_UP_ROUNDS = 30;

  private Allocations() {}

  /** Bytes allocated so far by the calling thread. */
  public static long currentThreadBytes() {
    return THREADS.getThreadAllocatedBytes(Thread.currentThread().getId());
  }

  /** Average bytes the calling thread allocates per call of {@code operation}, over {@code n} calls. */
  public static double perOperation(int n, Runnable operation) {
    final long before = currentThreadBytes();
    for (int i = 0; i < n; i++) {
      operation.run();
    }
    return (currentThreadBytes() - before) / (double) n;
  }

  /**
   * Total bytes the calling thread allocates over {@code n} calls in steady state: warms up in rounds
   * of {@code n} calls until a round allocates nothing (the JIT has compiled the path; interpreted and
   * C1-compiled Vector API code boxes its vectors) or {@value #MAX_WARM_UP_ROUNDS} rounds have run,
   * then returns the total of one more round. Reading the counter allocates nothing, so a path that
   * allocates even once in {@code n} calls shows here, where an average per call would hide it.
   */
  public static long steadyStateBytes(int n, Runnable operation) {
    for (int round = 0; round < MAX_WARM_UP_ROUNDS; round++) {
      if (total(n, operation) == 0) {
        break;
      }
    }
    return total(n, operation);
  }

  /** Total bytes the calling thread allocates over {@code n} calls, measured at once (no warm-up). */
  public static long total(int n, Runnable operation) {
    final long before = currentThreadBytes();
    for (int i = 0; i < n; i++) {
      operation.run();
    }
    return currentThreadBytes() - before;
  }

  /**
   * A positive control for the allocation tests: runs {@code operation} and, on every
   * {@code every}-th call, allocates one small object (16 bytes, under one byte per call on
   * average for {@code every >= 17}). Measured right after the operation itself (so already compiled),
   * {@link #total} over it must be positive.
   */
  public static Runnable allocatingEvery(int every, Runnable operation) {
    final int[] calls = {0};
    return () -> {
      operation.run();
      if (++calls[0] % every == 0) {
        sink = new Object();
      }
    };
  }

  /** Keeps the control's allocation from being eliminated. */
  public static volatile Object sink;

  /**
   * Bytes per call in steady state: warms up in rounds of {@code n} calls until a round allocates
   * less than one byte per call (the JIT has compiled the path; interpreted and C1-compiled Vector
   * API code boxes its vectors) or {@value #MAX_WARM_UP_ROUNDS} rounds have run, then measures one
   * more round of {@code n} calls and returns its average. A path that allocates on every call, or
   * every few thousand calls, still shows in the measured round.
   */
  public static double steadyStatePerOperation(int n, Runnable operation) {
    for (int round = 0; round < MAX_WARM_UP_ROUNDS; round++) {
      if (perOperation(n, operation) < 1.0) {
        break;
      }
    }
    return perOperation(n, operation);
  }
}
