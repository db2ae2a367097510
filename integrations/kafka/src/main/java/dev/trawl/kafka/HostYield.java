package dev.trawl.kafka;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Makes the apply threads give the CPU to the host's requests: before each event, an apply thread
 * waits while the host says it is busy, up to a bound per event, then applies the event whatever the
 * host says. On a machine whose cores a service's requests share with its ingestion, a request then
 * runs beside at most the one insert that was under way when it arrived, instead of beside a stream
 * of them; the stream catches up between requests. The bound keeps the stream moving under a load
 * that never pauses: at least one event per {@code maxHold} per apply thread.
 *
 * <p>Thread-safe: apply threads call {@link #awaitTurn}, the consumer's owner calls {@link
 * #release}. Allocates nothing after construction (parking and the host's check are allocation-free
 * as long as the host's {@code busy} is).
 */
final class HostYield {
  /** How often a waiting apply thread asks the host again. */
  static final long CHECK_NANOS = 50_000;

  private final BooleanSupplier busy;
  private final long maxHoldNanos;
  private volatile boolean released;
  /** Events an apply thread waited for before applying, and those whose wait ran out. */
  private final AtomicLong heldEvents = new AtomicLong();
  private final AtomicLong expiredHolds = new AtomicLong();
  private final AtomicLong heldNanos = new AtomicLong();

  HostYield(BooleanSupplier busy, long maxHoldNanos) {
    this.busy = busy;
    this.maxHoldNanos = maxHoldNanos;
  }

  /**
   * Waits while the host is busy, at most the bound; returns at once after {@link #release}. A host
   * check that throws counts as "not busy": the stream never stops on the host's bug.
   */
  void awaitTurn() {
    if (released || !isBusy()) {
      return;
    }
    final long start = System.nanoTime();
    long waited = 0;
    boolean expired = false;
    while (!released && isBusy()) {
      waited = System.nanoTime() - start;
      if (waited >= maxHoldNanos) {
        expired = true;
        break;
      }
      LockSupport.parkNanos(Math.min(CHECK_NANOS, maxHoldNanos - waited));
    }
    heldEvents.incrementAndGet();
    heldNanos.addAndGet(Math.max(waited, System.nanoTime() - start));
    if (expired) {
      expiredHolds.incrementAndGet();
    }
  }

  private boolean isBusy() {
    try {
      return busy.getAsBoolean();
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** Ends every wait now and every later one at once: the consumer is closing. */
  void release() {
    released = true;
  }

  long heldEvents() {
    return heldEvents.get();
  }

  long expiredHolds() {
    return expiredHolds.get();
  }

  long heldNanos() {
    return heldNanos.get();
  }
}
