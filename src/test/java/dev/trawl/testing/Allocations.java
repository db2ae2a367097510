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
