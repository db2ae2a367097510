package dev.trawl.redis;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Measures the machine's scheduling slack while a test runs: a thread that does nothing but park
 * until a deadline 1 ms away, over and over, recording how late it wakes up. A request thread that
 * parks until its deadline can be no earlier than that; the deadline tests allow a request this much
 * plus their own margin, so they test the fetch path, not the load the machine is under.
 */
final class WakeupProbe implements AutoCloseable {
  private final Thread thread;
  private volatile boolean running = true;
  private volatile long worstNanos;
  private volatile long samples;

  WakeupProbe() {
    thread = new Thread(() -> {
      long worst = 0;
      long n = 0;
      while (running) {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1);
        long now;
        while ((now = System.nanoTime()) < deadline) {
          LockSupport.parkNanos(deadline - now);
        }
        worst = Math.max(worst, now - deadline);
        n++;
        if ((n & 63) == 0) {
          worstNanos = worst;
          samples = n;
        }
      }
      worstNanos = worst;
      samples = n;
    }, "wakeup-probe");
    thread.setDaemon(true);
    thread.start();
  }

  /** The latest wake-up past a deadline seen so far. */
  long worstNanos() {
    return worstNanos;
  }

  long samples() {
    return samples;
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join();
  }
}
