package dev.trawl.redis;

import dev.trawl.fetch.CircuitBreaker;
import dev.trawl.pipeline.PipelineResult;
import dev.trawl.pipeline.RequestContext;
import dev.trawl.pipeline.SideEffect;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.api.async.RedisAsyncCommands;
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
 * many-producer queue of pre-allocated slots ({@link ImpressionQueue}) and returns; one writer thread drains it and sends, per impression,
 * {@code ZADD us:<user> <time> <id> ...}, {@code ZREMRANGEBYRANK us:<user> 0 -(maxSeen+1)} (keep the
 * newest {@code maxSeen}) and {@code PEXPIRE us:<user> <seenTtl>}, pipelined: a whole drained batch is
 * written before any answer is awaited.
 *
 * <pre>{@code
 * ImpressionLogger impressions = ImpressionLogger.builder(redis).maxSeen(500).build();
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
  private final byte[] seenPrefix;
  private final int maxSeen;
  private final int maxPerPage;
  private final long seenTtlMillis;
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
    this.seenPrefix = Keys.prefix(b.seenPrefix);
    this.maxSeen = b.maxSeen;
    this.maxPerPage = b.maxPerPage;
    this.seenTtlMillis = b.seenTtl.toMillis();
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
    final RedisAsyncCommands<byte[], byte[]> async = store.connection().async();
    final List<RedisFuture<?>> futures = new ArrayList<>();
    final ImpressionQueue.Consumer write = (user, time, records, offset, count) -> {
      @SuppressWarnings("unchecked")
      final ScoredValue<byte[]>[] members = new ScoredValue[count];
      for (int i = 0; i < count; i++) {
        members[i] = ScoredValue.just(time, Keys.member(records[offset + i]));
      }
      final byte[] key = Keys.key(seenPrefix, user);
      futures.add(async.zadd(key, members));
      futures.add(async.zremrangebyrank(key, 0, -(maxSeen + 1)));
      futures.add(async.pexpire(key, seenTtlMillis));
    };
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
      boolean ok;
      try {
        ok = LettuceFutures.awaitAll(writeTimeout.toMillis(), TimeUnit.MILLISECONDS,
            futures.toArray(new RedisFuture<?>[0]));
      } catch (RuntimeException e) {
        ok = false;
      }
      futures.clear();
      if (ok) {
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
    private String seenPrefix = "us:";
    private int maxSeen = 500;
    private int maxPerPage = 100;
    private int queueSlots = 1024;
    private Duration seenTtl = Duration.ofDays(7);

    private Builder(RedisStore store) {
      this.store = Objects.requireNonNull(store, "store");
    }

    /** Key prefix of the seen sorted sets (default {@code us:}; must match the reader's). */
    public Builder seenPrefix(String prefix) {
      Keys.prefix(prefix);
      this.seenPrefix = prefix;
      return this;
    }

    /** Seen posts kept per user, newest first (default 500). */
    public Builder maxSeen(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxSeen must be at least 1, got " + n);
      }
      this.maxSeen = n;
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

    /** How long a user's seen set lives after their last impression (default 7 days). */
    public Builder seenTtl(Duration ttl) {
      if (ttl == null || ttl.isNegative() || ttl.isZero()) {
        throw new IllegalArgumentException("seenTtl must be positive, got " + ttl);
      }
      this.seenTtl = ttl;
      return this;
    }

    /** Builds the logger and starts its writer thread. */
    public ImpressionLogger build() {
      return new ImpressionLogger(this);
    }
  }
}
