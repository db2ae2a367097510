package dev.trawl.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * One benchmark thread's operations and CPU time, summed over JMH's measurement iterations: the
 * operations per CPU-second of that thread, which stay comparable when other processes share the
 * cores and the wall-clock score does not. The owner calls {@link #begin} from a
 * {@code @Setup(Level.Iteration)} and {@link #end} from a {@code @TearDown(Level.Iteration)} of a
 * thread-scoped state (JMH runs those on the state's own thread), and {@link #op} once per operation.
 * Not thread-safe: one per benchmark thread. Allocates nothing.
 */
final class ThreadCpuCount {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private boolean measuring;
  private long iterationOps;
  private long iterationCpuStart;
  private long ops;
  private long cpuNanos;

  void begin(IterationParams params) {
    measuring = params.getType() == IterationType.MEASUREMENT;
    iterationOps = 0;
    iterationCpuStart = THREADS.getCurrentThreadCpuTime();
  }

  void end() {
    if (measuring) {
      ops += iterationOps;
      cpuNanos += THREADS.getCurrentThreadCpuTime() - iterationCpuStart;
    }
  }

  void op() {
    iterationOps++;
  }

  /** Whether the current iteration is a measurement iteration. */
  boolean measuring() {
    return measuring;
  }

  long ops() {
    return ops;
  }

  double cpuSeconds() {
    return cpuNanos / 1e9;
  }

  double perCpuSecond() {
    return ops / cpuSeconds();
  }
}
