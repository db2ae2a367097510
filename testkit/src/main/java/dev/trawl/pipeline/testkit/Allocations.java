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
}
