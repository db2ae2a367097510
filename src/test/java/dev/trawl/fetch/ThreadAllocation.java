package dev.trawl.fetch;

import java.lang.management.ManagementFactory;

/** Bytes allocated by the calling thread (HotSpot's ThreadMXBean), for the allocation tests. */
final class ThreadAllocation {
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  private ThreadAllocation() {}

  static long bytes() {
    return THREADS.getThreadAllocatedBytes(Thread.currentThread().getId());
  }

  /** Runs {@code op} {@code runs} times and returns the bytes the calling thread allocated meanwhile. */
  static long during(Runnable op, int runs) {
    final long before = bytes();
    for (int i = 0; i < runs; i++) {
      op.run();
    }
    return bytes() - before;
  }

}
