package dev.trawl.fetch;

import dev.trawl.pipeline.NanoClock;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Stops calling a store that keeps failing, so a dead or stalled store costs a request nothing
 * instead of its whole fetch deadline, and lets one probe through now and then to notice that it is
 * back.
 *
 * <ul>
 *   <li><b>Closed</b> (normal): every call is allowed. {@code failureThreshold} consecutive failures
 *       open the breaker; any success resets the count.
 *   <li><b>Open</b>: every call is refused ({@link #tryAcquire} returns false) for {@code openFor}.
 *   <li><b>Half-open</b>: after {@code openFor}, exactly one call (the probe) is allowed. Its success
 *       closes the breaker; its failure opens it again for another {@code openFor}. A probe that
 *       reports nothing within {@code openFor} is presumed lost and another one is allowed.
 * </ul>
 *
 * <p>A "failure" is whatever the caller reports with {@link #onFailure}: the fetch stage reports a
 * store call that failed, and one still unanswered when a request stopped waiting for it (a slow
 * call), so a store that hangs opens the breaker as surely as one that refuses connections.
 *
 * <pre>{@code
 * CircuitBreaker breaker = CircuitBreaker.builder().failureThreshold(5)
 *     .openFor(200, TimeUnit.MILLISECONDS).build();
 * if (breaker.tryAcquire()) { startCall(); } else { serveDefaults(); }
 * // when the call ends: breaker.onSuccess() or breaker.onFailure()
 * }</pre>
 *
 * <p><b>Thread-safe</b> and lock-free; the closed-state check is one volatile read. <b>Allocates
 * nothing</b> after construction.
 */
public final class CircuitBreaker {
  /** The breaker's state. */
  public enum State {
    /** Calls are allowed. */
    CLOSED,
    /** Calls are refused until the open period ends. */
    OPEN,
    /** One probe call is allowed; its outcome closes or re-opens the breaker. */
    HALF_OPEN
  }

  private static final int CLOSED = 0;
  private static final int OPEN = 1;
  private static final int HALF_OPEN = 2;

  private final int failureThreshold;
  private final long openNanos;
  private final NanoClock clock;
  private final AtomicInteger state = new AtomicInteger(CLOSED);
  private final AtomicInteger consecutiveFailures = new AtomicInteger();
  /** When the open period ends (state OPEN) or the probe is presumed lost (state HALF_OPEN). */
  private final AtomicLong until = new AtomicLong();
  private final AtomicLong opened = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();

  private CircuitBreaker(Builder b) {
    this.failureThreshold = b.failureThreshold;
    this.openNanos = b.openNanos;
    this.clock = b.clock;
  }

  /**
   * {@return a new builder (defaults: 5 consecutive failures, open for 500 ms, the system clock)}
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Whether a call may go to the store now. Closed: yes. Open: no, until the open period ends; then
   * the first caller becomes the half-open probe (yes) and the others are refused until it reports.
   * A refusal is counted ({@link #refusedCalls()}).
   *
   * @return true when the call may go ahead (the caller then reports {@link #onSuccess} or {@link
   *     #onFailure}), false when it is refused
   */
  public boolean tryAcquire() {
    final int s = state.get();
    if (s == CLOSED) {
      return true;
    }
    final long now = clock.nanoTime();
    final long end = until.get();
    if (now - end >= 0 && state.compareAndSet(s, HALF_OPEN)) {
      // the open period is over (or the last probe is lost): this caller probes
      until.set(now + openNanos);
      return true;
    }
    refused.incrementAndGet();
    return false;
  }

  /** A call succeeded: closes the breaker and clears the failure count. */
  public void onSuccess() {
    if (consecutiveFailures.get() != 0) {
      consecutiveFailures.set(0);
    }
    if (state.get() != CLOSED) {
      state.set(CLOSED);
    }
  }

  /**
   * A call failed (an error, or no answer within the caller's deadline). The probe's failure, or the
   * {@code failureThreshold}-th consecutive one while closed, opens the breaker.
   */
  public void onFailure() {
    final int s = state.get();
    if (s == HALF_OPEN) {
      open();
      return;
    }
    if (consecutiveFailures.incrementAndGet() >= failureThreshold && s == CLOSED
        && state.compareAndSet(CLOSED, OPEN)) {
      until.set(clock.nanoTime() + openNanos);
      opened.incrementAndGet();
    }
  }

  private void open() {
    until.set(clock.nanoTime() + openNanos);
    state.set(OPEN);
    opened.incrementAndGet();
  }

  /** {@return the current state (a moment's view)} */
  public State state() {
    switch (state.get()) {
      case OPEN:
        return State.OPEN;
      case HALF_OPEN:
        return State.HALF_OPEN;
      default:
        return State.CLOSED;
    }
  }

  /** {@return the times the breaker opened (from closed, or again after a failed probe)} */
  public long openedCount() {
    return opened.get();
  }

  /** {@return the calls refused while open or half-open} */
  public long refusedCalls() {
    return refused.get();
  }

  @Override
  public String toString() {
    return "CircuitBreaker[" + state() + ", opened " + opened.get() + " times, refused "
        + refused.get() + " calls]";
  }

  /** Configures a {@link CircuitBreaker}. Not thread-safe. */
  public static final class Builder {
    private int failureThreshold = 5;
    private long openNanos = TimeUnit.MILLISECONDS.toNanos(500);
    private NanoClock clock = NanoClock.SYSTEM;

    private Builder() {}

    /**
     * Consecutive failures that open a closed breaker (default 5).
     *
     * @param failures consecutive failures that open the breaker, at least 1
     * @return this builder, for chaining
     * @throws IllegalArgumentException if less than 1
     */
    public Builder failureThreshold(int failures) {
      if (failures < 1) {
        throw new IllegalArgumentException("failureThreshold must be at least 1, got " + failures);
      }
      this.failureThreshold = failures;
      return this;
    }

    /**
     * How long the breaker stays open before it lets a probe through (default 500 ms).
     *
     * @param amount the duration in {@code unit}s, positive
     * @param unit the unit of {@code amount}
     * @return this builder, for chaining
     * @throws IllegalArgumentException if not positive
     */
    public Builder openFor(long amount, TimeUnit unit) {
      if (amount <= 0) {
        throw new IllegalArgumentException("openFor must be positive, got " + amount + " " + unit);
      }
      this.openNanos = unit.toNanos(amount);
      return this;
    }

    /**
     * The clock (default {@link NanoClock#SYSTEM}; tests pass a fake one).
     *
     * @param clock the clock; kept
     * @return this builder, for chaining
     */
    public Builder clock(NanoClock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** {@return a new breaker, closed} */
    public CircuitBreaker build() {
      return new CircuitBreaker(this);
    }
  }
}
