package dev.trawl.cli;

import dev.trawl.fetch.FeatureFetch;
import dev.trawl.fetch.FetchHydrator;
import dev.trawl.fetch.FetchStats;
import dev.trawl.fetch.NearCache;
import dev.trawl.pipeline.Feature;
import dev.trawl.redis.RedisFeatureFetcher;
import dev.trawl.redis.RedisFeatureWriter;
import dev.trawl.redis.RedisStore;
import dev.trawl.redis.UserStateHydrator;
import dev.trawl.redis.UserStateLayout;
import dev.trawl.redis.UserStateWriter;
import io.lettuce.core.RedisFuture;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The Redis side of {@code trawl demo --redis}: connects to a Redis server (or starts a local
 * {@code redis-server} on a free port for {@code --redis local}), loads the demo's post features and
 * users' seen posts and blocks into it, and builds the two stages that read them back on every
 * request: the user state (a query hydrator) and the post features through a near cache (a fetch
 * hydrator). Prints the hit ratios after the run.
 *
 * <p>Not thread-safe; one per demo run. Closing it closes the connection and stops a server it
 * started.
 */
final class RedisDemo implements AutoCloseable {
  /** A post quality score stored in Redis: the example scorer weighs it. */
  static final Feature POST_QUALITY = Feature.candidate("post_quality", 0f);
  /** Weight of {@link #POST_QUALITY} in the score. */
  static final float QUALITY_WEIGHT = 0.2f;

  private final Process server;
  private final Path serverDir;
  private final String address;
  private final RedisStore store;
  private final NearCache cache;
  private final FeatureFetch features;
  private final FetchHydrator fetch;
  private final UserStateHydrator users;

  private RedisDemo(Process server, Path serverDir, String host, int port, long timeoutMillis) {
    this.server = server;
    this.serverDir = serverDir;
    this.address = host + ":" + port;
    this.store = RedisStore.builder(host, port).commandTimeout(Duration.ofMillis(500)).connect();
    this.cache = NearCache.builder(1).maxBytes(8L << 20).ttl(0, 5, TimeUnit.MINUTES)
        .negativeTtl(30, TimeUnit.SECONDS).build();
    this.features = FeatureFetch.builder("post-features", RedisFeatureFetcher.builder(store).build())
        .features(POST_QUALITY).nearCache(cache).breaker(store.breaker()).build();
    this.fetch = FetchHydrator.builder().fetch(features).timeout(timeoutMillis, TimeUnit.MILLISECONDS)
        .build();
    this.users = UserStateHydrator.builder(store).timeout(timeoutMillis, TimeUnit.MILLISECONDS).build();
  }

  /**
   * Connects to {@code spec} ({@code HOST:PORT}), or starts a local server for {@code local}.
   *
   * @throws CliError if the address is malformed, or the server cannot be started or reached
   */
  static RedisDemo open(String spec, long timeoutMillis) {
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
      return new RedisDemo(null, null, spec.substring(0, colon), port, timeoutMillis);
    } catch (RuntimeException e) {
      throw new CliError("cannot connect to Redis at " + spec + ": " + e.getMessage());
    }
  }

  private static RedisDemo startLocal(long timeoutMillis) {
    final int port;
    final Path dir;
    final Process p;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    } catch (IOException e) {
      throw new CliError("no free local port for redis-server: " + e.getMessage());
    }
    try {
      dir = Files.createTempDirectory("trawl-demo-redis");
      p = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
          "--save", "", "--appendonly", "no", "--dir", dir.toString())
          .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
    } catch (IOException e) {
      throw new CliError("cannot start redis-server (Debian: apt-get install redis-server): "
          + e.getMessage());
    }
    final long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      try (Socket probe = new Socket()) {
        probe.connect(new InetSocketAddress("127.0.0.1", port), 200);
        break;
      } catch (IOException notYet) {
        if (!p.isAlive() || System.nanoTime() - until > 0) {
          p.destroyForcibly();
          throw new CliError("redis-server did not start on port " + port + " (log in " + dir + ")");
        }
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          p.destroyForcibly();
          throw new CliError("interrupted while starting redis-server");
        }
      }
    }
    try {
      return new RedisDemo(p, dir, "127.0.0.1", port, timeoutMillis);
    } catch (RuntimeException e) {
      p.destroyForcibly();
      throw new CliError("cannot connect to the redis-server just started: " + e.getMessage());
    }
  }

  /** The demo's quality score of a post: a fixed function of its id, so runs are reproducible. */
  static float quality(long post) {
    return ((post * 0x9E3779B97F4A7C15L) >>> 54) / 1023f;
  }

  /** Writes every post's features and every user's seen posts and blocked author. */
  void load(FeedCorpus corpus, FeedCorpus.User[] people, PrintWriter out) {
    final long start = System.nanoTime();
    final int n = corpus.posts();
    final long[] ids = new long[n];
    final float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      ids[i] = i;
      values[i] = quality(i);
    }
    RedisFeatureWriter.packed(store, "pf:").write(ids, values, n, 1);
    final UserStateWriter state = UserStateWriter.of(store, UserStateLayout.defaults());
    final List<RedisFuture<?>> sent = new ArrayList<>();
    for (FeedCorpus.User u : people) {
      state.appendSeen(u.id(), DemoCommand.NOW_MILLIS, u.seen(), 0, u.seen().length, sent);
      state.block(u.id(), u.blockedAuthor(), sent);
      if (sent.size() > 4_000 && !state.await(sent, Duration.ofSeconds(30))) {
        throw new CliError("writing user state to Redis at " + address + " failed");
      }
    }
    if (!state.await(sent, Duration.ofSeconds(30))) {
      throw new CliError("writing user state to Redis at " + address + " failed");
    }
    out.printf(Locale.ROOT, "redis %s%s: loaded features of %,d posts and state of %,d users in %.2f s%n",
        address, server != null ? " (started here)" : "", n, people.length,
        (System.nanoTime() - start) / 1e9);
    out.flush();
  }

  /** Reads the user's seen posts and blocked authors at the start of a request. */
  UserStateHydrator userState() {
    return users;
  }

  /** Fetches {@link #POST_QUALITY} of the whole candidate batch through the near cache. */
  FetchHydrator features() {
    return fetch;
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
      server.destroy();
      try {
        if (!server.waitFor(10, TimeUnit.SECONDS)) {
          server.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        server.destroyForcibly();
      }
      try (var files = Files.list(serverDir)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          Files.deleteIfExists(f);
        }
        Files.deleteIfExists(serverDir);
      } catch (IOException ignored) {
        // a temp directory left behind is harmless
      }
    }
  }
}
