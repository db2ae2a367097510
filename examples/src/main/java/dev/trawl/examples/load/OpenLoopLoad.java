package dev.trawl.examples.load;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * An open-loop load generator: requests are sent at a constant arrival rate whatever the target
 * does, and each request's latency is measured from the time it was <em>meant</em> to be sent, as
 * wrk2 does. A closed-loop client that waits for each answer before sending the next stops sending
 * while the server stalls, so the stall shows up as one slow request; here every request scheduled
 * during the stall waits for it and is recorded that way (no coordinated omission).
 *
 * <p>Request {@code i} is due at {@code start + round(i * 1e9 / rate)} nanoseconds: the schedule is
 * computed from the start, so it does not drift however late the sender runs. At most {@code
 * maxInFlight} requests are outstanding; when that many are, the sender waits for a slot, and the
 * waiting counts in the latencies of the requests it delays. Requests due during the warm-up are
 * sent but not recorded.
 *
 * <p><b>Thread-safety:</b> {@link #run} runs on the calling thread; completions may arrive on any
 * threads. One run at a time. <b>Allocation:</b> none per request in the generator itself (the
 * histogram is preallocated); targets allocate what their clients do.
 */
public final class OpenLoopLoad {
  /** Longest latency recorded; longer ones are clamped to it. */
  public static final long MAX_LATENCY_NANOS = TimeUnit.MINUTES.toNanos(2);

  /** The time source and sleeper; replaced by a fake clock in tests. */
  public interface Clock {
    /** Monotonic nanoseconds. */
    long nanoTime();

    /** Returns at or after {@code deadlineNanos} (at once when already past). */
    void sleepUntil(long deadlineNanos) throws InterruptedException;

    /** {@link System#nanoTime()}, sleeping with {@code parkNanos} and spinning the last 50 µs. */
    Clock SYSTEM =
        new Clock() {
          @Override
          public long nanoTime() {
            return System.nanoTime();
          }

          @Override
          public void sleepUntil(long deadlineNanos) throws InterruptedException {
            long left;
            while ((left = deadlineNanos - System.nanoTime()) > 0) {
              if (Thread.interrupted()) {
                throw new InterruptedException();
              }
              if (left > 50_000) {
                java.util.concurrent.locks.LockSupport.parkNanos(left - 50_000);
              } else {
                Thread.onSpinWait();
              }
            }
          }
        };
  }

  /** Told when a request finished. Called exactly once per request, from any thread. */
  @FunctionalInterface
  public interface Completion {
    /** Outcome: answered, complete. */
    int OK = 0;
    /** Outcome: answered, marked degraded (a part of the page is missing). */
    int DEGRADED = 1;
    /** Outcome: failed (an error status, a timeout, no connection). */
    int ERROR = 2;

    /** Request due at {@code intendedNanos} finished with {@code outcome} ({@link #OK} ...). */
    void complete(long intendedNanos, int outcome);

    /** Request due at {@code intendedNanos} finished; {@code ok} false for an error. */
    default void complete(long intendedNanos, boolean ok) {
      complete(intendedNanos, ok ? OK : ERROR);
    }
  }

  /** What is loaded: sends request {@code sequence} and calls {@code done} when it finishes. */
  @FunctionalInterface
  public interface Target {
    /** Sends request {@code sequence} (0, 1, ...), due at {@code intendedNanos}; must not block long. */
    void send(long sequence, long intendedNanos, Completion done);
  }

  /**
   * What a run measured (latencies in nanoseconds, counts over the measured window; the series covers
   * the whole run, warm-up included).
   */
  public record Result(
      double ratePerSecond, long sent, long measured, long errors, long degraded, Histogram latency,
      long maxSendLagNanos, LoadSeries series) {
    /** Latency at {@code percentile} (0..100) in milliseconds. */
    public double millisAt(double percentile) {
      return latency.getValueAtPercentile(percentile) / 1e6;
    }
  }

  private final Clock clock;
  private final double ratePerSecond;
  private final long durationNanos;
  private final long warmupNanos;
  private final int maxInFlight;

  /**
   * A generator sending {@code ratePerSecond} requests per second for {@code warmupNanos} (not
   * recorded) then {@code durationNanos} (recorded), with at most {@code maxInFlight} outstanding.
   *
   * @throws IllegalArgumentException if the rate or duration is not positive, the warm-up is
   *     negative or {@code maxInFlight} is below 1
   */
  public OpenLoopLoad(Clock clock, double ratePerSecond, long durationNanos, long warmupNanos,
      int maxInFlight) {
    if (!(ratePerSecond > 0) || Double.isInfinite(ratePerSecond)) {
      throw new IllegalArgumentException("rate must be positive, got " + ratePerSecond);
    }
    if (durationNanos <= 0 || warmupNanos < 0) {
      throw new IllegalArgumentException("duration must be positive and warm-up not negative");
    }
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("maxInFlight must be at least 1, got " + maxInFlight);
    }
    this.clock = clock;
    this.ratePerSecond = ratePerSecond;
    this.durationNanos = durationNanos;
    this.warmupNanos = warmupNanos;
    this.maxInFlight = maxInFlight;
  }

  /** Offset of request {@code i} from the start: {@code round(i * 1e9 / rate)}. */
  long offsetNanos(long i) {
    return Math.round(i * 1e9 / ratePerSecond);
  }

  /** Requests due before {@code nanos} after the start (those with offset < nanos). */
  long countBefore(long nanos) {
    long n = (long) Math.ceil(nanos * ratePerSecond / 1e9);
    // correct the floating-point estimate against the exact schedule
    while (n > 0 && offsetNanos(n - 1) >= nanos) {
      n--;
    }
    while (offsetNanos(n) < nanos) {
      n++;
    }
    return n;
  }

  /** Runs the schedule against {@code target} and waits for every request to finish. */
  public Result run(Target target) throws InterruptedException {
    final Histogram latency = new Histogram(MAX_LATENCY_NANOS, 3);
    final AtomicLong errors = new AtomicLong();
    final AtomicLong degraded = new AtomicLong();
    final Semaphore slots = new Semaphore(maxInFlight);
    final long warmupCount = countBefore(warmupNanos);
    final long total = countBefore(warmupNanos + durationNanos);
    final long start = clock.nanoTime();
    final long firstMeasured = start + offsetNanos(warmupCount);
    final LoadSeries series =
        new LoadSeries((int) Math.max(1, (warmupNanos + durationNanos + 999_999_999L) / 1_000_000_000L));
    final Completion done =
        (intended, outcome) -> {
          final long took = clock.nanoTime() - intended;
          series.finished(second(intended - start), outcome, took);
          if (intended >= firstMeasured) {
            synchronized (latency) {
              latency.recordValue(Math.min(Math.max(took, 0), MAX_LATENCY_NANOS));
            }
            if (outcome == Completion.ERROR) {
              errors.incrementAndGet();
            } else if (outcome == Completion.DEGRADED) {
              degraded.incrementAndGet();
            }
          }
          slots.release();
        };
    long maxLag = 0;
    for (long i = 0; i < total; i++) {
      final long intended = start + offsetNanos(i);
      clock.sleepUntil(intended);
      slots.acquire();
      maxLag = Math.max(maxLag, clock.nanoTime() - intended);
      series.countSent(second(intended - start));
      try {
        target.send(i, intended, done);
      } catch (RuntimeException e) {
        done.complete(intended, false);
      }
    }
    slots.acquire(maxInFlight); // every request has finished
    slots.release(maxInFlight);
    synchronized (latency) {
      return new Result(ratePerSecond, total, total - warmupCount, errors.get(), degraded.get(),
          latency.copy(), maxLag, series);
    }
  }

  private static int second(long offsetNanos) {
    return (int) Math.min(Integer.MAX_VALUE, offsetNanos / 1_000_000_000L);
  }
}
