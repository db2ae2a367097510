package dev.trawl.pipeline.testkit;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;

/**
 * Measures heap allocation, to prove a stage, a pipeline or a search allocates nothing in steady
 * state. Uses HotSpot's {@code com.sun.management.ThreadMXBean}, whose per-thread counters are exact
 * (reading them allocates nothing), so a test can assert that a window of operations allocated 0
 * bytes in total, which an average per operation would not show (24 bytes every 25 operations
 * average under one byte).
 *
 * <pre>{@code
 * assertThat(Allocations.steadyStateBytes(2_000, () -> pipeline.execute(ctx.reset(), page))).isZero();
 * // the positive control: one small object every 25 runs must fail the same check
 * assertThat(Allocations.total(2_000, Allocations.allocatingEvery(25, () -> pipeline.execute(ctx.reset(), page))))
 *     .isPositive();
 * }</pre>
 *
 * <p><b>Why the warm-up waits for the JIT.</b> On HotSpot a thread that triggers a C2 compilation of a
 * method (its invocation counter crossing the threshold, checked every 1,024 calls) resolves the
 * string literals of the method's class on its own thread before queuing the task
 * ({@code CompileBroker::compile_method} calls {@code ConstantPool::resolve_string_constants}), so a
 * few {@code String} objects, 50 to 700 bytes, land on the calling thread once per newly compiled
 * class, while the operation under test allocates nothing. A request path of a few hundred methods
 * triggers such compilations for its first ~10,000 runs, and a method called on a rare branch can
 * reach its threshold later. It happens once per class (its literals stay resolved), so it stops.
 * {@link #steadyStateBytes} therefore warms up until several windows in a row ran with no
 * compilation anywhere in the JVM and allocated nothing; the measured window must then be exactly 0. This is no allowance: a
 * single object allocated by the operation in the measured window fails the check.
 *
 * <p>Thread-safe (it measures the calling thread and the threads named; the control keeps a counter
 * per returned operation, to be used by one thread). The runnable is created once by the caller, so
 * the measurement itself allocates nothing per run.
 */
public final class Allocations {
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
  private static final CompilationMXBean JIT = ManagementFactory.getCompilationMXBean();
  /** Warm-up windows before {@link #steadyStateBytes} measures anyway (and the test then fails). */
  private static final int MAX_WARM_UP_WINDOWS = 40;
  /** Consecutive windows without compilation or allocation that end the warm-up. */
  private static final int QUIET_WINDOWS = 5;

  /** Keeps the positive control's allocation from being eliminated. */
  public static volatile Object sink;

  private Allocations() {}

  /** Bytes allocated so far by the calling thread. */
  public static long currentThreadBytes() {
    return THREADS.getThreadAllocatedBytes(Thread.currentThread().getId());
  }

  /** Bytes allocated so far by each of {@code threadIds}, summed (threads that ended count 0). */
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
   * Ids of the live threads whose name starts with {@code namePrefix}, to pass as {@code alsoOn}
   * when a library thread that cannot be reached otherwise (say the near caches' maintenance thread)
   * works during the measured operation. Allocates: call it before measuring.
   */
  public static long[] threadIds(String namePrefix) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith(namePrefix))
        .mapToLong(Thread::getId)
        .toArray();
  }

  /**
   * Total bytes the calling thread and the threads {@code alsoOn} (say a worker pool's, from
   * {@code WorkerPool.threadIds()}) allocate over {@code n} runs of {@code operation} in steady
   * state: warms up in windows of {@code n} runs until {@value #QUIET_WINDOWS} windows in a row
   * allocated nothing while the JIT compiled nothing (see the class comment), at most
   * {@value #MAX_WARM_UP_WINDOWS} windows, then returns the total of one more window. Any allocation of the operation, even one
   * object in {@code n} runs, shows.
   */
  public static long steadyStateBytes(int n, Runnable operation, long... alsoOn) {
    int quiet = 0;
    for (int window = 0; window < MAX_WARM_UP_WINDOWS && quiet < QUIET_WINDOWS; window++) {
      final long compiledBefore = compilationMillis();
      final long bytes = total(n, operation, alsoOn);
      quiet = bytes == 0 && compilationMillis() == compiledBefore ? quiet + 1 : 0;
    }
    return total(n, operation, alsoOn);
  }

  /**
   * Total bytes the calling thread and the threads {@code alsoOn} allocate over {@code n} runs of
   * {@code operation}, measured at once (no warm-up).
   */
  public static long total(int n, Runnable operation, long... alsoOn) {
    if (n <= 0) {
      throw new IllegalArgumentException("runs must be > 0, got " + n);
    }
    // the other threads' counters are read outside the calling thread's window: reading them
    // allocates their result array
    final long othersBefore = threadsBytes(alsoOn);
    final long before = currentThreadBytes();
    Loop.run(n, operation);
    final long after = currentThreadBytes();
    return after - before + threadsBytes(alsoOn) - othersBefore;
  }

  /**
   * A positive control for allocation tests: runs {@code operation} and, after every
   * {@code every}-th run, allocates one small object (16 bytes; under one byte per run on average
   * for {@code every >= 17}). Measured with {@link #total} right after the operation's own steady
   * state, it must show a positive total where the operation showed 0. One counter per returned
   * operation: use it from one thread.
   */
  public static Runnable allocatingEvery(int every, Runnable operation) {
    if (every <= 0) {
      throw new IllegalArgumentException("every must be > 0, got " + every);
    }
    final int[] runs = {0};
    return () -> {
      operation.run();
      if (++runs[0] % every == 0) {
        sink = new Object();
      }
    };
  }

  /**
   * Runs {@code op} {@code warmup} times, then {@code runs} times while measuring, and returns the
   * calling thread's bytes allocated per measured run. An average: it shows an allocation on every
   * run, not one object every few runs; to prove a path allocates nothing use
   * {@link #steadyStateBytes}.
   */
  public static double bytesPerRun(Runnable op, int warmup, int runs) {
    if (warmup < 0 || runs <= 0) {
      throw new IllegalArgumentException("warmup must be >= 0 and runs > 0, got " + warmup + ", " + runs);
    }
    for (int i = 0; i < warmup; i++) {
      op.run();
    }
    return (double) total(runs, op) / runs;
  }

  /**
   * The measured loop, in a class of its own whose constant pool holds no string: the loop runs long
   * enough for an on-stack-replacement compilation to be queued in the middle of a measured window,
   * and queuing it resolves the string literals of the loop's class on the measuring thread (see the
   * class comment). In {@code Allocations} those are the exception messages, 216 bytes that landed in
   * a window some 100,000 operations in, after the warm-up had ended.
   */
  private static final class Loop {
    static void run(int n, Runnable operation) {
      for (int i = 0; i < n; i++) {
        operation.run();
      }
    }
  }

  /** The JIT's total compilation time so far; -1 when the JVM does not report it. */
  private static long compilationMillis() {
    return JIT != null && JIT.isCompilationTimeMonitoringSupported() ? JIT.getTotalCompilationTime() : -1;
  }
}
