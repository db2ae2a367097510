package dev.trawl.redis;

import dev.trawl.fetch.CircuitBreaker;
import dev.trawl.pipeline.PipelineResult;
import dev.trawl.pipeline.RequestContext;
import dev.trawl.pipeline.SideEffect;
import io.lettuce.core.RedisFuture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A side effect that appends every served page to the user's seen posts in Redis, without ever
 * blocking the request: the request thread copies (user, time, page ids) into a bounded
 * many-producer queue of pre-allocated slots ({@link ImpressionQueue}) and returns; one writer thread
 * drains it and appends each impression to the user's seen set with
 * {@link UserStateWriter#appendSeen} ({@code ZADD}, {@code ZREMRANGEBYRANK} to keep the newest
 * {@link UserStateLayout#maxSeen()}, {@code PEXPIRE}), pipelined: a whole drained batch is written
 * before any answer is awaited.
 *
 * <pre>{@code
 * ImpressionLogger impressions = ImpressionLogger.builder(redis).layout(layout).build();
 * pipeline = builder ... .sideEffect("impressions", impressions) ...;
 * // on shutdown: impressions.close();
 * }</pre>
 *
 * <p>When the queue is full (Redis slow or down), an impression is dropped and counted, never waited
 * for. When the store's breaker is open, drained impressions are dropped and counted as failed. A
 * shadow request does not run side effects, so it logs nothing.
 *
 * <p><b>Thread-safe</b>: {@link #apply} from any number of request threads. <b>Allocation:</b>
 * {@link #apply} allocates nothing (it copies into a pre-allocated slot); the
 * writer thread allocates its commands.
 */
public final class ImpressionLogger implements SideEffect, AutoCloseable {
  /** Never blocks (hands the page to a bounded queue and returns): runs on the request thread. */
  @Override
  public boolean mayBlock() {
    return false;
  }

  private final RedisStore store;
  private final CircuitBreaker breaker;
  private final ImpressionQueue queue;
  private final UserStateWriter state;
  private final int maxPerPage;
  private final Duration writeTimeout;
  private final Thread writer;
  private volatile boolean running = true;
  private final AtomicLong enqueued = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong written = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();

  private ImpressionLogger(Builder b) {
    this.store = b.store;
    this.breaker = b.store.breaker();
    this.queue = new ImpressionQueue(b.queueSlots, b.maxPerPage);
    this.state = UserStateWriter.of(b.store, b.layout);
    this.maxPerPage = b.maxPerPage;
    this.writeTimeout = b.store.commandTimeout().multipliedBy(4);
    this.writer = new Thread(this::drainLoop, "trawl-impressions");
    writer.setDaemon(true);
    writer.start();
  }

  /** Starts a builder writing through {@code store}. */
  public static Builder builder(RedisStore store) {
    return new Builder(store);
  }

  @Override
  public void apply(RequestContext ctx, PipelineResult page) {
    final int n = Math.min(page.size(), maxPerPage);
    if (n == 0) {
      return;
    }
    if (queue.offer(ctx.userId(), ctx.nowMillis(), page, n)) {
      enqueued.incrementAndGet();
    } else {
      dropped.incrementAndGet(); // full: the request never waits for the log
    }
  }

  private void drainLoop() {
    final List<RedisFuture<?>> futures = new ArrayList<>();
    final ImpressionQueue.Consumer write = (user, time, records, offset, count) ->
        state.appendSeen(user, time, records, offset, count, futures);
    final ImpressionQueue.Consumer discard = (user, time, records, offset, count) -> { };
    while (running || queue.hasNext()) {
      if (!queue.hasNext()) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        continue;
      }
      if (!breaker.tryAcquire()) {
        failed.addAndGet(queue.drain(discard, 256));
        continue;
      }
      final int impressions = queue.drain(write, 256);
      if (state.await(futures, writeTimeout)) {
        written.addAndGet(impressions);
        breaker.onSuccess();
      } else {
        failed.addAndGet(impressions);
        breaker.onFailure();
      }
    }
  }

  /** Impressions accepted into the queue. */
  public long enqueued() {
    return enqueued.get();
  }

  /** Impressions dropped because the queue was full. */
  public long dropped() {
    return dropped.get();
  }

  /** Impressions written to Redis. */
  public long written() {
    return written.get();
  }

  /** Impressions drained but not written (Redis failed, or the breaker was open). */
  public long failed() {
    return failed.get();
  }

  /**
   * Waits until every accepted impression was written or failed, at most {@code timeout}. For tests
   * and orderly shutdown. Returns whether the queue drained in time.
   */
  public boolean awaitDrained(Duration timeout) {
    final long until = System.nanoTime() + timeout.toNanos();
    while (written.get() + failed.get() < enqueued.get()) {
      if (System.nanoTime() - until >= 0) {
        return false;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
    return true;
  }

  /** Stops accepting, writes what is queued (bounded by the write timeout), stops the writer. */
  @Override
  public void close() {
    running = false;
    try {
      writer.join(writeTimeout.toMillis() * 2 + 1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "ImpressionLogger[enqueued=" + enqueued + ", written=" + written + ", dropped=" + dropped
        + ", failed=" + failed + "]";
  }

  /** Configures an {@link ImpressionLogger}. Not thread-safe. */
  public static final class Builder {
    private final RedisStore store;
    private UserStateLayout layout = UserStateLayout.defaults();
    private int maxPerPage = 100;
    private int queueSlots = 1024;

    private Builder(RedisStore store) {
      this.store = Objects.requireNonNull(store, "store");
    }

    /**
     * Where the seen sets live, how many posts they keep and for how long (default
     * {@link UserStateLayout#defaults()}; must be the reader's layout).
     */
    public Builder layout(UserStateLayout layout) {
      this.layout = Objects.requireNonNull(layout, "layout");
      return this;
    }

    /** Page entries logged per impression at most (default 100). */
    public Builder maxPerPage(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxPerPage must be at least 1, got " + n);
      }
      this.maxPerPage = n;
      return this;
    }

    /**
     * Impressions the queue holds, a power of two (default 1024; with 100 ids each, about 800 KiB
     * allocated once).
     */
    public Builder queueSlots(int slots) {
      if (slots < 2 || Integer.bitCount(slots) != 1) {
        throw new IllegalArgumentException("queueSlots must be a power of two >= 2, got " + slots);
      }
      this.queueSlots = slots;
      return this;
    }

    /** Builds the logger and starts its writer thread. */
    public ImpressionLogger build() {
      return new ImpressionLogger(this);
    }
  }
}
