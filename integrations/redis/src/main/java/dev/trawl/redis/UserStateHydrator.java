package dev.trawl.redis;

import dev.trawl.fetch.CircuitBreaker;
import dev.trawl.pipeline.Feature;
import dev.trawl.pipeline.NanoClock;
import dev.trawl.pipeline.QueryHydrator;
import dev.trawl.pipeline.RequestContext;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.output.CommandOutput;
import io.lettuce.core.protocol.AsyncCommand;
import io.lettuce.core.protocol.Command;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.RedisCommand;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Reads the user's state from Redis at the start of a request, before any source runs: the posts
 * they saw recently and the authors they blocked, in the {@link UserStateLayout} (both structures in
 * one pipelined write: {@code ZREVRANGE <seen> 0 maxSeen-1}, {@code SMEMBERS <blocked>}).
 *
 * <h2>Output</h2>
 * The ids go into {@link RequestContext#seenIds()} and {@link RequestContext#blockedAuthors()}. The
 * request's {@link dev.trawl.filter.RequestFilter} is composed from them by
 * {@link dev.trawl.pipeline.stages.RequestFilterHydrator}, the one place a request's restrictions
 * become a planned filter; add it after this stage:
 *
 * <pre>{@code
 * RequestFilterHydrator requestFilter = RequestFilterHydrator.of(index);
 * Pipeline.builder("home")
 *     .queryHydrator("user-state", UserStateHydrator.builder(redis).layout(layout).build())
 *     .queryHydrator("request-filter", requestFilter)
 *     .source("interest", VectorSource.builder(index).k(1000).filter(requestFilter).build()) ...
 * }</pre>
 *
 * <h2>Failures</h2>
 * The read waits at most {@code min(request deadline, start + timeout)}. A timeout, an error, or an
 * open breaker leaves the state empty (the feed may show seen posts, never fails) and marks the
 * request degraded ({@link RequestContext#markDegraded()}); errors count as breaker failures. A key
 * of the wrong type or a member that is not 8 bytes is counted as {@link #malformed() malformed} and
 * skipped; it does not degrade.
 *
 * <p><b>Thread-safe</b>, shared by every request thread. <b>Allocation:</b> per request, the two
 * commands, Lettuce's objects and one result holder (a read that answers after the request stopped
 * waiting writes into its own holder, never into a later request's state).
 */
public final class UserStateHydrator implements QueryHydrator {
  private final StatefulRedisConnection<byte[], byte[]> connection;
  private final CircuitBreaker breaker;
  private final UserStateLayout layout;
  private final int maxSeen;
  private final int maxBlocked;
  private final long timeoutNanos;
  private final NanoClock clock;
  private final LongAdder reads = new LongAdder();
  private final LongAdder degraded = new LongAdder();
  private final LongAdder refused = new LongAdder();
  private final LongAdder malformed = new LongAdder();

  private UserStateHydrator(Builder b) {
    this.connection = b.store.connection();
    this.breaker = b.store.breaker();
    this.layout = b.layout;
    this.maxSeen = b.layout.maxSeen();
    this.maxBlocked = b.layout.maxBlocked();
    this.timeoutNanos = b.timeoutNanos;
    this.clock = b.clock;
  }

  /** Starts a builder reading through {@code store}'s connection, guarded by its breaker. */
  public static Builder builder(RedisStore store) {
    return new Builder(store);
  }

  @Override
  public Feature[] writes() {
    return NONE;
  }

  /** Requests that read user state (all of them, degraded or not). */
  public long stateReads() {
    return reads.sum();
  }

  /** Requests served without (complete) user state: timeout, error or open breaker. */
  public long degradedReads() {
    return degraded.sum();
  }

  /** Requests that did not call Redis because the breaker was open. */
  public long refusedReads() {
    return refused.sum();
  }

  /** Malformed members or keys of the wrong type, skipped. */
  public long malformed() {
    return malformed.sum();
  }

  @Override
  public void hydrate(RequestContext ctx) {
    final long start = clock.nanoTime();
    final long end = start + timeoutNanos;
    final long deadline = Math.min(ctx.deadlineNanos(), end < start ? Long.MAX_VALUE : end);
    reads.increment();
    boolean ok = false;
    Read read = null;
    if (!breaker.tryAcquire()) {
      refused.increment();
    } else {
      read = new Read(maxSeen, maxBlocked, Thread.currentThread());
      final long user = ctx.userId();
      final CommandArgs<byte[], byte[]> seenArgs = new CommandArgs<>(ByteArrayCodec.INSTANCE)
          .addKey(layout.seenKey(user)).add(0).add(maxSeen - 1);
      final CommandArgs<byte[], byte[]> blockedArgs = new CommandArgs<>(ByteArrayCodec.INSTANCE)
          .addKey(layout.blockedKey(user));
      final List<RedisCommand<byte[], byte[], ?>> commands = List.of(
          read.command(CommandType.ZREVRANGE, read.seen, seenArgs),
          read.command(CommandType.SMEMBERS, read.blocked, blockedArgs));
      try {
        connection.dispatch(commands);
      } catch (RuntimeException e) {
        read.fail(e);
      }
      ok = read.await(deadline, clock);
      if (ok) {
        breaker.onSuccess();
      } else {
        breaker.onFailure();
      }
    }
    if (ok) {
      for (int i = 0; i < read.seen.count; i++) {
        ctx.seenIds().add(read.seen.ids[i]);
      }
      for (int i = 0; i < read.blocked.count; i++) {
        ctx.blockedAuthors().add(read.blocked.ids[i]);
      }
      final int bad = read.seen.malformed + read.blocked.malformed;
      if (bad > 0) {
        malformed.add(bad);
      }
    } else {
      degraded.increment();
      ctx.markDegraded();
    }
  }

  @Override
  public String toString() {
    return "UserStateHydrator[maxSeen=" + maxSeen + ", reads=" + reads.sum() + ", degraded="
        + degraded.sum() + "]";
  }

  /** One request's read: both commands' outputs and the thread waiting for them. */
  private static final class Read {
    final IdsOutput seen;
    final IdsOutput blocked;
    final Thread waiter;
    final AtomicInteger left = new AtomicInteger(2);
    volatile Throwable failure;

    Read(int maxSeen, int maxBlocked, Thread waiter) {
      this.seen = new IdsOutput(maxSeen);
      this.blocked = new IdsOutput(maxBlocked);
      this.waiter = waiter;
    }

    AsyncCommand<byte[], byte[], Void> command(CommandType type, IdsOutput output,
        CommandArgs<byte[], byte[]> args) {
      final AsyncCommand<byte[], byte[], Void> c = new AsyncCommand<>(new Command<>(type, output, args));
      c.whenComplete((ignored, error) -> done(output, error));
      return c;
    }

    private void done(IdsOutput output, Throwable error) {
      if (error != null) {
        if (error instanceof RedisCommandExecutionException
            && String.valueOf(error.getMessage()).startsWith("WRONGTYPE")) {
          output.count = 0;
          output.malformed++; // a key of the wrong type is bad data, not an outage
        } else {
          failure = error;
        }
      }
      left.decrementAndGet();
      LockSupport.unpark(waiter);
    }

    void fail(Throwable error) {
      failure = error;
      left.set(0);
    }

    /** Parks until both commands answered or the deadline passed; true if both succeeded. */
    boolean await(long deadline, NanoClock clock) {
      final Thread self = Thread.currentThread();
      while (left.get() > 0) {
        final long now = clock.nanoTime();
        if (now - deadline >= 0 || self.isInterrupted()) {
          return false;
        }
        LockSupport.parkNanos(this, deadline - now);
      }
      return failure == null;
    }
  }

  /** Decodes an array of 8-byte little-endian ids, skipping (and counting) any other member. */
  private static final class IdsOutput extends CommandOutput<byte[], byte[], Void> {
    final long[] ids;
    int count;
    int malformed;

    IdsOutput(int capacity) {
      super(ByteArrayCodec.INSTANCE, null);
      this.ids = new long[capacity];
    }

    @Override
    public void set(ByteBuffer bytes) {
      if (bytes == null || bytes.remaining() != 8) {
        malformed++;
        return;
      }
      if (count == ids.length) {
        return; // more blocked authors than the cap: the rest are ignored
      }
      final int p = bytes.position();
      long v = 0;
      for (int i = 7; i >= 0; i--) {
        v = (v << 8) | (bytes.get(p + i) & 0xFF);
      }
      ids[count++] = v;
    }
  }

  /** Configures a {@link UserStateHydrator}. Not thread-safe. */
  public static final class Builder {
    private final RedisStore store;
    private UserStateLayout layout = UserStateLayout.defaults();
    private long timeoutNanos = TimeUnit.MILLISECONDS.toNanos(20);
    private NanoClock clock = NanoClock.SYSTEM;

    private Builder(RedisStore store) {
      this.store = Objects.requireNonNull(store, "store");
    }

    /**
     * Where the state lives and how much of it is read (default {@link UserStateLayout#defaults()};
     * must be the writers' layout).
     */
    public Builder layout(UserStateLayout layout) {
      this.layout = Objects.requireNonNull(layout, "layout");
      return this;
    }

    /** The read's own deadline, capped by the request deadline (default 20 ms). */
    public Builder timeout(long amount, TimeUnit unit) {
      if (amount <= 0) {
        throw new IllegalArgumentException("timeout must be positive, got " + amount + " " + unit);
      }
      this.timeoutNanos = unit.toNanos(amount);
      return this;
    }

    /** The pipeline's clock (default {@link NanoClock#SYSTEM}). */
    public Builder clock(NanoClock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Builds the stage. */
    public UserStateHydrator build() {
      return new UserStateHydrator(this);
    }
  }
}
