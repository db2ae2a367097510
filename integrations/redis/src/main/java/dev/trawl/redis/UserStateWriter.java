package dev.trawl.redis;

import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Writes user state in the {@link UserStateLayout}: appends impressions to the capped seen set,
 * blocks and unblocks authors. The {@link ImpressionLogger} writes through it off the request path;
 * hosts use it to load state (a backfill, a block from the settings page) and tests to seed it.
 *
 * <p>Every write method sends its commands pipelined and returns at once, adding their futures to
 * the caller's list; {@link #await} waits for a list of them. So a caller writes any number of users
 * before waiting once:
 *
 * <pre>{@code
 * UserStateWriter state = UserStateWriter.of(redis, layout);
 * List<RedisFuture<?>> sent = new ArrayList<>();
 * state.appendSeen(user, nowMillis, pageIds, 0, pageIds.length, sent);
 * state.block(user, authorId, sent);
 * if (!state.await(sent, Duration.ofSeconds(1))) { ... }   // some write failed or timed out
 * }</pre>
 *
 * <p><b>Thread-safe</b> (Lettuce's connection is). <b>Allocation:</b> every write allocates its keys,
 * members and Lettuce commands; never call it on a request thread (the impression logger calls it
 * from its writer thread).
 */
public final class UserStateWriter {
  private final RedisAsyncCommands<byte[], byte[]> async;
  private final UserStateLayout layout;

  private UserStateWriter(RedisStore store, UserStateLayout layout) {
    this.async = store.connection().async();
    this.layout = Objects.requireNonNull(layout, "layout");
  }

  /** A writer of {@code layout}'s keys through {@code store}'s connection. */
  public static UserStateWriter of(RedisStore store, UserStateLayout layout) {
    return new UserStateWriter(Objects.requireNonNull(store, "store"), layout);
  }

  /** The layout written. */
  public UserStateLayout layout() {
    return layout;
  }

  /**
   * Appends {@code ids[offset, offset + count)} to {@code user}'s seen posts at {@code timeMillis},
   * trims the set to the newest {@link UserStateLayout#maxSeen()} and renews its TTL: {@code ZADD},
   * {@code ZREMRANGEBYRANK}, {@code PEXPIRE}, pipelined. A post already in the set moves to the new
   * time. Does nothing when {@code count} is 0.
   *
   * @throws IndexOutOfBoundsException if the range is outside {@code ids}
   */
  public void appendSeen(long user, long timeMillis, long[] ids, int offset, int count,
      List<RedisFuture<?>> sent) {
    Objects.checkFromIndexSize(offset, count, ids.length);
    if (count == 0) {
      return;
    }
    @SuppressWarnings("unchecked")
    final ScoredValue<byte[]>[] members = new ScoredValue[count];
    for (int i = 0; i < count; i++) {
      members[i] = ScoredValue.just(timeMillis, Keys.member(ids[offset + i]));
    }
    final byte[] key = layout.seenKey(user);
    sent.add(async.zadd(key, members));
    sent.add(async.zremrangebyrank(key, 0, -(layout.maxSeen() + 1)));
    sent.add(async.pexpire(key, layout.seenTtl().toMillis()));
  }

  /** Adds {@code author} to {@code user}'s blocked authors ({@code SADD}). */
  public void block(long user, long author, List<RedisFuture<?>> sent) {
    sent.add(async.sadd(layout.blockedKey(user), Keys.member(author)));
  }

  /** Removes {@code author} from {@code user}'s blocked authors ({@code SREM}). */
  public void unblock(long user, long author, List<RedisFuture<?>> sent) {
    sent.add(async.srem(layout.blockedKey(user), Keys.member(author)));
  }

  /**
   * Waits until every future in {@code sent} completed, at most {@code timeout}, then clears the list.
   * Returns whether all completed in time and without error.
   */
  public boolean await(List<RedisFuture<?>> sent, Duration timeout) {
    try {
      if (sent.isEmpty()) {
        return true;
      }
      if (!LettuceFutures.awaitAll(timeout.toMillis(), TimeUnit.MILLISECONDS,
          sent.toArray(new RedisFuture<?>[0]))) {
        return false;
      }
      for (RedisFuture<?> f : sent) {
        if (f.toCompletableFuture().isCompletedExceptionally()) {
          return false;
        }
      }
      return true;
    } catch (RuntimeException e) {
      return false; // a command failed: awaitAll rethrows its error
    } finally {
      sent.clear();
    }
  }
}
