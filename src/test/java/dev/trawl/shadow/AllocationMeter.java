package dev.trawl.shadow;

import java.lang.management.ManagementFactory;

/** Measures bytes allocated by the calling thread (HotSpot's per-thread allocation counter). */
public final class AllocationMeter {
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  private AllocationMeter() {}

  /** Bytes allocated so far by the current thread. */
  public static long allocatedBytes() {
    return THREADS.getThreadAllocatedBytes(Thread.currentThread().getId());
  }

  /** Bytes allocated so far by the thread with id {@code threadId}. */
  public static long allocatedBytes(long threadId) {
    return THREADS.getThreadAllocatedBytes(threadId);
  }
}
