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

  /**
   * Measures {@code windows} windows of {@code runs} runs each and returns the bytes of each window.
   * Steady state shows as windows of exactly 0 bytes; a one-off event of the JVM (a deoptimization
   * rematerialising an object, a class initialised late) can land in one window without being a
   * per-run cost, which is why the tests assert a zero window and a total under one byte per run.
   */
  static long[] windows(Runnable op, int runs, int windows) {
    final long[] bytes = new long[windows];
    for (int w = 0; w < windows; w++) {
      bytes[w] = during(op, runs);
    }
    return bytes;
  }
}
