package dev.trawl.pipeline;

/**
 * The monotonic clock the pipeline measures budgets and latencies with. The default is
 * {@link System#nanoTime()}; tests pass a fake clock to make deadlines deterministic (with
 * same-thread source execution: a pool waits in real time). Must be thread-safe and allocation-free.
 */
@FunctionalInterface
public interface NanoClock {
  /** {@link System#nanoTime()}. */
  NanoClock SYSTEM = System::nanoTime;

  /**
   * Reads the clock.
   *
   * @return the current time in nanoseconds, monotonic; only differences mean anything
   */
  long nanoTime();
}
