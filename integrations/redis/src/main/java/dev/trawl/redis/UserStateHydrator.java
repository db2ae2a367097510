package dev.trawl.redis;

import dev.trawl.fetch.CircuitBreaker;
import dev.trawl.filter.RequestFilter;
import dev.trawl.index.VectorIndex;
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
 * Reads the user's state from Redis at the start of a request, before any source runs, and turns it
 * into the request's restrictions: the posts they saw recently and the authors they blocked.
 *
 * <h2>Layout</h2>
 * <ul>
 *   <li>seen posts: a sorted set {@code <seenPrefix><user>} (default {@code us:}), member the post id
 *       as 8 bytes little-endian, score the impression time in epoch milliseconds; capped at the
 *       newest {@code maxSeen} by the {@link ImpressionLogger} that appends to it;
 *   <li>blocked authors: a set {@code <blockedPrefix><user>} (default {@code ub:}), member the author
 *       id as 8 bytes little-endian.
 * </ul>
 * Both are read in one pipelined write ({@code ZREVRANGE 0 maxSeen-1}, {@code SMEMBERS}).
 *
 * <h2>Output</h2>
 * The ids go into {@link RequestContext#seenIds()} and {@link RequestContext#blockedAuthors()} (for
 * stages such as {@code ExcludeFilter}); if {@link Builder#filterInto} is set, they are also composed
 * into the request's {@link RequestFilter}:
 * {@code filter.allowAll().andNotIds(seen, ..., index).andNot(index.attributes().authors(), b)} for
 * each blocked author, so a {@code VectorSource} excludes them inside the graph walk.
 *
 * <h2>Failures</h2>
 * The read waits at most {@code min(request deadline, start + timeout)}. A timeout, an error, or an
 * open breaker leaves the state empty (the feed may show seen posts, never fails) and marks the
 * request degraded ({@link RequestContext#markDegraded()}); errors count as breaker failures. A key of the wrong
 * type or a member that is not 8 bytes is counted as malformed and skipped; it does not degrade.
 *
 * <p><b>Thread-safe</b>, shared by every request thread. <b>Allocation:</b> per request, the two
 * commands, Lettuce's objects and one result holder (a read that answers after the request stopped
 * waiting writes into its own holder, never into a later request's state).
 */
public final class UserStateHydrator implements QueryHydrator {
  /** Chooses the request filter to compose into; must not allocate (e.g. the context attachment). */
  @FunctionalInterface
  public interface FilterTarget {
    RequestFilter filterFor(RequestContext ctx);
  }

  private final StatefulRedisConnection<byte[], byte[]> connection;
  private final CircuitBreaker breaker;
  private final byte[] seenPrefix;
  private final byte[] blockedPrefix;
  private final int maxSeen;
  private final int maxBlocked;
  private final long timeoutNanos;
  private final VectorIndex index;
  private final FilterTarget target;
  private final NanoClock clock;
  private final LongAdder reads = new LongAdder();
  private final LongAdder degraded = new LongAdder();
  private final LongAdder refused = new LongAdder();
  private final LongAdder malformed = new LongAdder();

  private UserStateHydrator(Builder b) {
    this.connection = b.store.connection();
    this.breaker = b.store.breaker();
    this.seenPrefix = Keys.prefix(b.seenPrefix);
    this.blockedPrefix = Keys.prefix(b.blockedPrefix);
    this.maxSeen = b.maxSeen;
    this.maxBlocked = b.maxBlocked;
    this.timeoutNanos = b.timeoutNanos;
    this.index = b.index;
    this.target = b.target;
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
          .addKey(Keys.key(seenPrefix, user)).add(0).add(maxSeen - 1);
      final CommandArgs<byte[], byte[]> blockedArgs = new CommandArgs<>(ByteArrayCodec.INSTANCE)
          .addKey(Keys.key(blockedPrefix, user));
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
    if (target != null) {
      final RequestFilter f = target.filterFor(ctx);
      if (f != null) {
        f.allowAll();
        if (ok) {
          f.andNotIds(read.seen.ids, 0, read.seen.count, index);
          for (int i = 0; i < read.blocked.count; i++) {
            f.andNot(index.attributes().authors(), read.blocked.ids[i]);
          }
        }
      }
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
    private String seenPrefix = "us:";
    private String blockedPrefix = "ub:";
    private int maxSeen = 500;
    private int maxBlocked = 1000;
    private long timeoutNanos = TimeUnit.MILLISECONDS.toNanos(20);
    private VectorIndex index;
    private FilterTarget target;
    private NanoClock clock = NanoClock.SYSTEM;

    private Builder(RedisStore store) {
      this.store = Objects.requireNonNull(store, "store");
    }

    /** Key prefix of the seen sorted sets (default {@code us:}). */
    public Builder seenPrefix(String prefix) {
      Keys.prefix(prefix);
      this.seenPrefix = prefix;
      return this;
    }

    /** Key prefix of the blocked-author sets (default {@code ub:}). */
    public Builder blockedPrefix(String prefix) {
      Keys.prefix(prefix);
      this.blockedPrefix = prefix;
      return this;
    }

    /** The newest seen posts read per request (default 500). */
    public Builder maxSeen(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxSeen must be at least 1, got " + n);
      }
      this.maxSeen = n;
      return this;
    }

    /** Blocked authors read per request at most (default 1000). */
    public Builder maxBlocked(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxBlocked must be at least 1, got " + n);
      }
      this.maxBlocked = n;
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

    /**
     * Also composes the state into the request filter {@code target} returns (reset with
     * {@code allowAll()} first), resolving ids and authors through {@code index}.
     */
    public Builder filterInto(VectorIndex index, FilterTarget target) {
      this.index = Objects.requireNonNull(index, "index");
      this.target = Objects.requireNonNull(target, "target");
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
