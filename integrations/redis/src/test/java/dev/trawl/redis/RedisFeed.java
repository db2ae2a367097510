package dev.trawl.redis;

import dev.trawl.fetch.CircuitBreaker;
import dev.trawl.fetch.FeatureFetch;
import dev.trawl.fetch.FetchHydrator;
import dev.trawl.fetch.NearCache;
import dev.trawl.pipeline.CandidateBatch;
import dev.trawl.pipeline.Feature;
import dev.trawl.pipeline.Pipeline;
import dev.trawl.pipeline.PipelineResult;
import dev.trawl.pipeline.RequestContext;
import dev.trawl.pipeline.StageOptions;
import dev.trawl.pipeline.testkit.RedisServer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A feed pipeline over a real Redis for the tests: a source that emits the request's ids, the fetch
 * hydrator reading eight packed features per post from Redis through a near cache and a breaker, and
 * a scorer that copies the hydrated columns out for the test to check.
 */
final class RedisFeed implements AutoCloseable {
  static final int WIDTH = 8;
  static final Feature[] FEATURES = new Feature[WIDTH];

  static {
    for (int j = 0; j < WIDTH; j++) {
      FEATURES[j] = Feature.candidate("f" + j, -1f - j);
    }
  }

  final RedisServer server;
  final RedisStore store;
  final RedisFeatureFetcher fetcher;
  final NearCache cache;
  final FeatureFetch fetch;
  final FetchHydrator hydrator;
  final Pipeline pipeline;
  final CircuitBreaker breaker;
  final long requestTimeoutMillis;

  /** Settings of a test feed. */
  static final class Options {
    long cacheBytes = 8L << 20;
    long stageTimeoutMillis = 40;
    long requestTimeoutMillis = 50;
    long commandTimeoutMillis = 250;
    int failureThreshold = 5;
    long openMillis = 200;
    int maxCandidates = 1024;
  }

  RedisFeed(RedisServer server, Options o) {
    this.server = server;
    this.requestTimeoutMillis = o.requestTimeoutMillis;
    this.breaker = CircuitBreaker.builder().failureThreshold(o.failureThreshold)
        .openFor(o.openMillis, TimeUnit.MILLISECONDS).build();
    this.store = RedisStore.builder(server.host(), server.port())
        .commandTimeout(Duration.ofMillis(o.commandTimeoutMillis))
        .reconnectDelay(Duration.ofMillis(50))
        .breaker(breaker).connect();
    this.fetcher = RedisFeatureFetcher.builder(store).build();
    this.cache = o.cacheBytes > 0 ? NearCache.builder(WIDTH).maxBytes(o.cacheBytes)
        .negativeTtl(1, TimeUnit.MINUTES).build() : null;
    final FeatureFetch.Builder fb = FeatureFetch.builder("post-features", fetcher).features(FEATURES)
        .breaker(breaker);
    if (cache != null) {
      fb.nearCache(cache);
    }
    this.fetch = fb.build();
    this.hydrator = FetchHydrator.builder().fetch(fetch)
        .timeout(o.stageTimeoutMillis, TimeUnit.MILLISECONDS).build();
    this.pipeline = Pipeline.builder("redis-feed").sourcesOnCallerThread()
        .pageSize(o.maxCandidates).timeout(o.requestTimeoutMillis, TimeUnit.MILLISECONDS)
        .source("ids", (ctx, sink) -> {
          final Request r = ctx.attachment();
          for (int i = 0; i < r.count; i++) {
            sink.add(r.ids[i], 1f);
          }
        }, StageOptions.defaults().expectedCandidates(o.maxCandidates))
        .hydrator("features", hydrator)
        .scorer("capture", (ctx, batch) -> ((Request) ctx.attachment()).capture(batch),
            StageOptions.defaults().reads(FEATURES))
        .build();
  }

  /** The value feature {@code j} of post {@code id} holds in the test data (exact in float). */
  static float value(long id, int j) {
    return (id % 1_000_000) * 10 + j;
  }

  /** Writes the records of posts {@code [from, from + n)}. */
  void load(long from, int n) {
    load(server, from, n);
  }

  /**
   * Writes the records of posts {@code [from, from + n)} through a connection of its own, whose
   * command timeout suits bulk writes on a busy machine (the request path's is 250 ms).
   */
  static void load(RedisServer server, long from, int n) {
    try (RedisStore bulk = RedisStore.builder(server.host(), server.port())
        .commandTimeout(Duration.ofSeconds(30)).connect()) {
      write(bulk, from, n);
    }
  }

  private static void write(RedisStore bulk, long from, int n) {
    final RedisFeatureWriter writer = RedisFeatureWriter.packed(bulk, "pf:");
    final int batch = 10_000;
    final long[] ids = new long[batch];
    final float[] values = new float[batch * WIDTH];
    for (long start = from; start < from + n; start += batch) {
      final int m = (int) Math.min(batch, from + n - start);
      for (int i = 0; i < m; i++) {
        ids[i] = start + i;
        for (int j = 0; j < WIDTH; j++) {
          values[i * WIDTH + j] = value(start + i, j);
        }
      }
      writer.write(ids, values, m, WIDTH);
    }
  }

  /** One request's ids and, after execute, what the hydrator wrote. Reused per thread. */
  static final class Request {
    final long[] ids;
    int count;
    final long[] rowIds;
    final float[][] columns;
    int rows;

    Request(int capacity) {
      ids = new long[capacity];
      rowIds = new long[capacity];
      columns = new float[WIDTH][capacity];
    }

    Request range(long from, int n) {
      for (int i = 0; i < n; i++) {
        ids[i] = from + i;
      }
      count = n;
      return this;
    }

    void capture(CandidateBatch batch) {
      rows = batch.size();
      final long[] bid = batch.ids();
      System.arraycopy(bid, 0, rowIds, 0, rows);
      for (int j = 0; j < WIDTH; j++) {
        System.arraycopy(batch.featureColumn(FEATURES[j]), 0, columns[j], 0, rows);
      }
    }

    /** Rows whose every feature holds the stored value. */
    int fullRows() {
      int full = 0;
      for (int r = 0; r < rows; r++) {
        boolean ok = true;
        for (int j = 0; j < WIDTH && ok; j++) {
          ok = columns[j][r] == value(rowIds[r], j);
        }
        full += ok ? 1 : 0;
      }
      return full;
    }

    /** Rows whose every feature holds its default. */
    int defaultRows() {
      int n = 0;
      for (int r = 0; r < rows; r++) {
        boolean ok = true;
        for (int j = 0; j < WIDTH && ok; j++) {
          ok = columns[j][r] == FEATURES[j].defaultValue();
        }
        n += ok ? 1 : 0;
      }
      return n;
    }
  }

  /** Runs one request; returns whether the fetch stage marked it degraded. */
  boolean run(RequestContext ctx, PipelineResult page, Request r) {
    ctx.reset().attachment(r);
    pipeline.execute(ctx, page);
    return page.degradedMarks() > 0;
  }

  @Override
  public void close() {
    store.close();
  }
}
