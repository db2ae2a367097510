package dev.trawl.testing;

import java.lang.management.ManagementFactory;

/** Counts bytes allocated by the current thread (HotSpot's ThreadMXBean extension). */
public final class Allocations {
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

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
}
