package dev.trawl.cli;

import dev.trawl.examples.feed.HomeFeedVariant;
import dev.trawl.fetch.FeatureFetch;
import dev.trawl.fetch.FetchHydrator;
import dev.trawl.fetch.FetchStats;
import dev.trawl.fetch.NearCache;
import dev.trawl.pipeline.Feature;
import dev.trawl.pipeline.testkit.RedisServer;
import dev.trawl.redis.RedisFeatureFetcher;
import dev.trawl.redis.RedisFeatureWriter;
import dev.trawl.redis.RedisStore;
import dev.trawl.redis.UserStateHydrator;
import dev.trawl.redis.UserStateLayout;
import dev.trawl.redis.UserStateWriter;
import io.lettuce.core.RedisFuture;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The Redis side of {@code trawl demo --redis} and {@code trawl serve --redis}: connects to a Redis server (or starts a local
 * {@code redis-server} on a free port for {@code --redis local}), loads the demo's post features and
 * users' seen posts and blocks into it, and builds the two stages that read them back on every
 * request: the user state (a query hydrator) and the post features through a near cache (a fetch
 * hydrator). Prints the hit ratios after the run.
 *
 * <p>Set up and closed from one thread; the stages it builds are thread-safe (shared by all request
 * threads) and their stats may be read from any thread. Closing it closes the connection and stops a
 * server it started.
 */
public final class RedisDemo implements AutoCloseable {
  /** A post quality score stored in Redis: the example scorer weighs it. */
  static final Feature POST_QUALITY = Feature.candidate("post_quality", 0f);
  /** Weight of {@link #POST_QUALITY} in the score. */
  static final float QUALITY_WEIGHT = 0.2f;

  private final RedisServer server;
  private final String host;
  private final int port;
  private final String address;
  private final RedisStore store;
  private final NearCache cache;
  private final FeatureFetch features;
  private final FetchHydrator fetch;
  private final UserStateHydrator users;

  private RedisDemo(RedisServer server, String host, int port, long timeoutMillis) {
    this.server = server;
    this.host = host;
    this.port = port;
    this.address = host + ":" + port;
    this.store = RedisStore.builder(host, port).commandTimeout(Duration.ofMillis(500)).connect();
    this.cache = NearCache.builder(1).maxBytes(8L << 20).ttl(0, 5, TimeUnit.MINUTES)
        .negativeTtl(30, TimeUnit.SECONDS).build();
    this.features = FeatureFetch.builder("post-features", RedisFeatureFetcher.builder(store).build())
        .features(POST_QUALITY).nearCache(cache).breaker(store.breaker()).build();
    this.fetch = FetchHydrator.builder().fetch(features).timeout(timeoutMillis, TimeUnit.MILLISECONDS).build();
    this.users = UserStateHydrator.builder(store).timeout(timeoutMillis, TimeUnit.MILLISECONDS).build();
  }

  /**
   * Connects to {@code spec} ({@code HOST:PORT}), or starts a local server for {@code local}.
   *
   * @throws CliError if the address is malformed, or the server cannot be started or reached
   */
  public static RedisDemo open(String spec, long timeoutMillis) {
    if (spec.equals("local")) {
      return startLocal(timeoutMillis);
    }
    final int colon = spec.lastIndexOf(':');
    final int port;
    try {
      port = colon > 0 ? Integer.parseInt(spec.substring(colon + 1)) : -1;
    } catch (NumberFormatException e) {
      throw new CliError("--redis takes HOST:PORT or 'local', got '" + spec + "'");
    }
    if (port < 1 || port > 65535) {
      throw new CliError("--redis takes HOST:PORT or 'local', got '" + spec + "'");
    }
    try {
      return new RedisDemo(null, spec.substring(0, colon), port, timeoutMillis);
    } catch (RuntimeException e) {
      throw new CliError("cannot connect to Redis at " + spec + ": " + e.getMessage());
    }
  }

  private static RedisDemo startLocal(long timeoutMillis) {
    final RedisServer local;
    try {
      local = RedisServer.start();
    } catch (IllegalStateException | UncheckedIOException e) {
      throw new CliError("cannot start a local redis-server: " + e.getMessage());
    }
    try {
      return new RedisDemo(local, "127.0.0.1", local.port(), timeoutMillis);
    } catch (RuntimeException e) {
      local.close();
      throw new CliError("cannot connect to the redis-server just started: " + e.getMessage());
    }
  }

  /** The demo's quality score of a post: a fixed function of its id, so runs are reproducible. */
  static float quality(long post) {
    return ((post * 0x9E3779B97F4A7C15L) >>> 54) / 1023f;
  }

  /** Writes every post's features and every user's seen posts and blocked author. */
  public void load(FeedCorpus corpus, FeedCorpus.User[] people, PrintWriter out) {
    final long start = System.nanoTime();
    final int n = corpus.posts();
    final long[] ids = new long[n];
    final float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      ids[i] = i;
      values[i] = quality(i);
    }
    // a bulk load through its own connection: the serving one times commands out after 500 ms
    try (RedisStore bulk = RedisStore.builder(host, port).commandTimeout(Duration.ofSeconds(60)).connect()) {
      RedisFeatureWriter.packed(bulk, "pf:").write(ids, values, n, 1);
      final UserStateWriter state = UserStateWriter.of(bulk, UserStateLayout.defaults());
      final List<RedisFuture<?>> sent = new ArrayList<>();
      for (FeedCorpus.User u : people) {
        state.appendSeen(u.id(), DemoCommand.NOW_MILLIS, u.seen(), 0, u.seen().length, sent);
        state.block(u.id(), u.blockedAuthor(), sent);
        if (sent.size() > 4_000 && !state.await(sent, Duration.ofSeconds(60))) {
          throw new CliError("writing user state to Redis at " + address + " failed");
        }
      }
      if (!state.await(sent, Duration.ofSeconds(60))) {
        throw new CliError("writing user state to Redis at " + address + " failed");
      }
    }
    out.printf(Locale.ROOT, "redis %s%s: loaded features of %,d posts and state of %,d users in %.2f s%n",
        address, server != null ? " (started here)" : "", n, people.length,
        (System.nanoTime() - start) / 1e9);
    out.flush();
  }

  /**
   * Adds the two Redis stages to a feed definition: the user state (seen posts, blocked authors,
   * read at the start of a request, so the host adds none) and {@link #POST_QUALITY} fetched through
   * the near cache and weighed in the score.
   */
  public HomeFeedVariant addStages(HomeFeedVariant feed) {
    return feed.userState(users).fetchedFeatures(fetch, POST_QUALITY, QUALITY_WEIGHT);
  }

  /** The user-state stage's counters: reads, degraded reads, malformed values. */
  public UserStateHydrator userState() {
    return users;
  }

  /** The feature stage's counters (degraded requests). */
  public FetchHydrator features() {
    return fetch;
  }

  /** Near-cache and store counters of the post features. */
  public FetchStats featureStats() {
    return features.stats();
  }

  /** The server started for {@code local}, or null when connected to one given by address. */
  public RedisServer local() {
    return server;
  }

  /** Hit ratios and degradation counts, printed beside the latency table. */
  void printStats(PrintWriter out) {
    final FetchStats s = features.stats();
    out.printf(Locale.ROOT,
        "  redis: post features near-cache hit ratio %.3f (%,d lookups, %,d store reads of %,d keys,"
            + " %,d coalesced), %,d requests degraded; user state %,d reads, %,d degraded, %,d malformed%n",
        s.hitRatio(), s.lookups(), s.storeCalls(), s.claimed(), s.coalesced(), fetch.degradedRequests(),
        users.stateReads(), users.degradedReads(), users.malformed());
    out.flush();
  }

  @Override
  public void close() {
    store.close();
    if (server != null) {
      server.close();
    }
  }
}
