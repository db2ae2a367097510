package dev.trawl.redis;

import java.time.Duration;

/**
 * Where and how a user's state lives in Redis: the one description that the reader
 * ({@link UserStateHydrator}), the writers ({@link UserStateWriter}, {@link ImpressionLogger}) and
 * any other service writing the same keys share.
 *
 * <h2>Layout</h2>
 * <table>
 *   <caption>user-state keys</caption>
 *   <tr><th>what</th><th>key</th><th>type</th><th>member</th><th>score</th><th>bounded by</th></tr>
 *   <tr><td>recent seen posts</td><td>{@code <seenPrefix><user>}, default {@code us:42}</td>
 *       <td>sorted set</td><td>post id, 8 bytes little-endian</td>
 *       <td>impression time, epoch ms</td>
 *       <td>the newest {@link #maxSeen()} (trimmed on every append) and a TTL of {@link #seenTtl()}
 *       after the last append</td></tr>
 *   <tr><td>blocked authors</td><td>{@code <blockedPrefix><user>}, default {@code ub:42}</td>
 *       <td>set</td><td>author id, 8 bytes little-endian</td><td>-</td>
 *       <td>{@link #maxBlocked()} read per request</td></tr>
 * </table>
 * A sorted set by time is the capped, time-ordered structure: {@code ZADD} appends (a post seen again
 * moves to its newest time instead of being stored twice), {@code ZREMRANGEBYRANK 0 -(maxSeen+1)}
 * keeps the newest {@code maxSeen}, and {@code ZREVRANGE 0 maxSeen-1} reads them newest first. The
 * key is the decimal user id so that {@code redis-cli} shows it; members are the smallest exact
 * encoding of an id. A member of another length, or a key of another type, is malformed: readers
 * skip and count it.
 *
 * <pre>{@code
 * UserStateLayout layout = UserStateLayout.defaults().maxSeen(1000);
 * UserStateHydrator.builder(redis).layout(layout) ...
 * ImpressionLogger.builder(redis).layout(layout) ...
 * }</pre>
 *
 * <p><b>Immutable and thread-safe</b>: every setter returns a new layout. <b>Allocation:</b> the
 * key methods allocate their result (Lettuce takes one array per key).
 */
public final class UserStateLayout {
  private static final UserStateLayout DEFAULTS =
      new UserStateLayout("us:", "ub:", 500, 1000, Duration.ofDays(7));

  private final String seenPrefix;
  private final String blockedPrefix;
  private final byte[] seenPrefixBytes;
  private final byte[] blockedPrefixBytes;
  private final int maxSeen;
  private final int maxBlocked;
  private final Duration seenTtl;

  private UserStateLayout(String seenPrefix, String blockedPrefix, int maxSeen, int maxBlocked,
      Duration seenTtl) {
    this.seenPrefixBytes = Keys.prefix(seenPrefix);
    this.blockedPrefixBytes = Keys.prefix(blockedPrefix);
    if (seenPrefix.equals(blockedPrefix)) {
      throw new IllegalArgumentException("seen and blocked keys need different prefixes, both are '"
          + seenPrefix + "'");
    }
    if (maxSeen < 1) {
      throw new IllegalArgumentException("maxSeen must be at least 1, got " + maxSeen);
    }
    if (maxBlocked < 1) {
      throw new IllegalArgumentException("maxBlocked must be at least 1, got " + maxBlocked);
    }
    if (seenTtl == null || seenTtl.isNegative() || seenTtl.isZero()) {
      throw new IllegalArgumentException("seenTtl must be positive, got " + seenTtl);
    }
    this.seenPrefix = seenPrefix;
    this.blockedPrefix = blockedPrefix;
    this.maxSeen = maxSeen;
    this.maxBlocked = maxBlocked;
    this.seenTtl = seenTtl;
  }

  /** Prefixes {@code us:} and {@code ub:}, 500 seen posts kept for 7 days, 1,000 blocked authors read. */
  public static UserStateLayout defaults() {
    return DEFAULTS;
  }

  /**
   * This layout with another seen-posts key prefix.
   *
   * @throws IllegalArgumentException if empty or equal to the blocked prefix
   */
  public UserStateLayout seenPrefix(String prefix) {
    return new UserStateLayout(prefix, blockedPrefix, maxSeen, maxBlocked, seenTtl);
  }

  /**
   * This layout with another blocked-authors key prefix.
   *
   * @throws IllegalArgumentException if empty or equal to the seen prefix
   */
  public UserStateLayout blockedPrefix(String prefix) {
    return new UserStateLayout(seenPrefix, prefix, maxSeen, maxBlocked, seenTtl);
  }

  /**
   * This layout keeping (and reading) the newest {@code n} seen posts per user.
   *
   * @throws IllegalArgumentException if {@code n < 1}
   */
  public UserStateLayout maxSeen(int n) {
    return new UserStateLayout(seenPrefix, blockedPrefix, n, maxBlocked, seenTtl);
  }

  /**
   * This layout reading at most {@code n} blocked authors per request (more are ignored).
   *
   * @throws IllegalArgumentException if {@code n < 1}
   */
  public UserStateLayout maxBlocked(int n) {
    return new UserStateLayout(seenPrefix, blockedPrefix, maxSeen, n, seenTtl);
  }

  /**
   * This layout with seen sets living {@code ttl} after the user's last impression.
   *
   * @throws IllegalArgumentException if not positive
   */
  public UserStateLayout seenTtl(Duration ttl) {
    return new UserStateLayout(seenPrefix, blockedPrefix, maxSeen, maxBlocked, ttl);
  }

  /** Seen posts kept and read per user, newest first. */
  public int maxSeen() {
    return maxSeen;
  }

  /** Blocked authors read per request at most. */
  public int maxBlocked() {
    return maxBlocked;
  }

  /** How long a seen set lives after its last append. */
  public Duration seenTtl() {
    return seenTtl;
  }

  /** The key of {@code user}'s seen posts, e.g. {@code us:42} (allocates). */
  public byte[] seenKey(long user) {
    return Keys.key(seenPrefixBytes, user);
  }

  /** The key of {@code user}'s blocked authors, e.g. {@code ub:42} (allocates). */
  public byte[] blockedKey(long user) {
    return Keys.key(blockedPrefixBytes, user);
  }

  /** An id as the 8-byte little-endian member both structures hold (allocates). */
  public static byte[] member(long id) {
    return Keys.member(id);
  }

  @Override
  public String toString() {
    return "UserStateLayout[seen=" + seenPrefix + "<user> (newest " + maxSeen + ", ttl " + seenTtl
        + "), blocked=" + blockedPrefix + "<user> (read " + maxBlocked + ")]";
  }
}
