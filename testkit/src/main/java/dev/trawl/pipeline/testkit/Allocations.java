package dev.trawl.pipeline.testkit;

import java.lang.management.ManagementFactory;

/**
 * Measures heap allocation of the calling thread, to prove a stage or a pipeline allocates nothing in
 * steady state. Uses HotSpot's {@code com.sun.management.ThreadMXBean}.
 *
 * <pre>{@code
 * double perRequest = Allocations.bytesPerRun(() -> pipeline.execute(ctx, page), 20_000, 10_000);
 * assertThat(perRequest).isLessThan(1.0);
 * }</pre>
 *
 * <p>Thread-safe (measures the calling thread only). The runnable is created once by the caller, so
 * the measurement itself allocates nothing per run.
 */
public final class Allocations {
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  private Allocations() {}

  /** Bytes allocated so far by the calling thread. */
  public static long currentThreadBytes() {
    return THREADS.getThreadAllocatedBytes(Thread.currentThread().getId());
  }

  /** Bytes allocated so far by each of {@code threadIds}, summed (-1 entries ignored). */
  public static long threadsBytes(long[] threadIds) {
    long sum = 0;
    for (long b : THREADS.getThreadAllocatedBytes(threadIds)) {
      if (b > 0) {
        sum += b;
      }
    }
    return sum;
  }

  /**
   * Runs {@code op} {@code warmup} times, then {@code runs} times while measuring, and returns the
   * calling thread's bytes allocated per measured run.
   */
  public static double bytesPerRun(Runnable op, int warmup, int runs) {
    if (warmup < 0 || runs <= 0) {
      throw new IllegalArgumentException("warmup must be >= 0 and runs > 0, got " + warmup + ", " + runs);
    }
    for (int i = 0; i < warmup; i++) {
      op.run();
    }
    final long before = currentThreadBytes();
    for (int i = 0; i < runs; i++) {
      op.run();
    }
    return (double) (currentThreadBytes() - before) / runs;
  }

  /**
   * Runs {@code op} {@code warmup} times, then measures {@code windows} windows of {@code runs} runs
   * each and returns the calling thread's bytes per window. A path that allocates nothing shows
   * windows of exactly 0 bytes; a path that allocates per run shows no 0-byte window at all. Between
   * the two, a one-off event of the JVM that is no cost of {@code op} (a deoptimization that
   * rematerialises an object, a class initialised late, a JIT recompilation at a new tier) can land
   * in one window, which is why {@link #zeroWindows} lets a test require most windows, not all, to be
   * 0: with 5 windows, 3 at 0 bytes still rules out any per-run allocation.
   */
  public static long[] windowBytes(Runnable op, int warmup, int runs, int windows) {
    if (warmup < 0 || runs <= 0 || windows <= 0) {
      throw new IllegalArgumentException("warmup must be >= 0, runs and windows > 0, got " + warmup
          + ", " + runs + ", " + windows);
    }
    for (int i = 0; i < warmup; i++) {
      op.run();
    }
    final long[] bytes = new long[windows];
    for (int w = 0; w < windows; w++) {
      final long before = currentThreadBytes();
      for (int i = 0; i < runs; i++) {
        op.run();
      }
      bytes[w] = currentThreadBytes() - before;
    }
    return bytes;
  }

  /** How many of {@code windowBytes} (from {@link #windowBytes}) are exactly 0 bytes. */
  public static int zeroWindows(long[] windowBytes) {
    int zero = 0;
    for (long b : windowBytes) {
      if (b == 0) {
        zero++;
      }
    }
    return zero;
  }
}
