package dev.trawl.redis.bench;

import dev.trawl.fetch.FeatureFetch;
import dev.trawl.fetch.FetchHydrator;
import dev.trawl.fetch.FetchStats;
import dev.trawl.fetch.NearCache;
import dev.trawl.pipeline.CandidateBatch;
import dev.trawl.pipeline.CandidateHydrator;
import dev.trawl.pipeline.Feature;
import dev.trawl.pipeline.Pipeline;
import dev.trawl.pipeline.PipelineResult;
import dev.trawl.pipeline.RequestContext;
import dev.trawl.pipeline.StageOptions;
import dev.trawl.pipeline.testkit.RedisServer;
import dev.trawl.redis.FeatureLayout;
import dev.trawl.redis.PackedFloats;
import dev.trawl.redis.RedisFeatureFetcher;
import dev.trawl.redis.RedisFeatureWriter;
import dev.trawl.redis.RedisStore;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;
import org.agrona.collections.LongHashSet;

/**
 * The fetch benchmark: a local {@code redis-server} holding eight features per post, a Zipfian mix
 * of requests over the posts and users, and the hydration of each request's 1,000-candidate batch
 * timed three ways: (a) a naive loop of one {@code GET} per candidate, (b) the fetch hydrator's
 * pipelined {@code MGET}s without a near cache, (c) the same with a warm near cache, at several cache
 * sizes (the p99-vs-hit-ratio curve). Also compares the two Redis layouts (bytes per post, fetch
 * time). Latency is the hydration stage's own time ({@code RequestStats.nanos}), one request thread.
 *
 * <pre>
 * bench.sh full     # 1,000,000 posts, 100,000 users, writes docs/fetching-p99-vs-hit-ratio.png
 * bench.sh smoke    # 20,000 posts, 2,000 users, a few requests per case: proves it runs
 * </pre>
 *
 * Arguments: {@code smoke|full} and an output directory for {@code results.tsv}, {@code curve.tsv}.
 */
public final class FetchBench {
  private static final int WIDTH = 8;
  private static final int BATCH = 1000;
  private static final double ZIPF_S = 0.99;
  private static final Feature[] FEATURES = new Feature[WIDTH];

  static {
    for (int j = 0; j < WIDTH; j++) {
      FEATURES[j] = Feature.candidate("f" + j, 0f);
    }
  }

  private final int posts;
  private final int users;
  private final int requests;
  private final int naiveRequests;
  private final int warmRequests;
  private final double[] cacheFractions;
  private final PrintStream out = System.out;

  private FetchBench(boolean full) {
    posts = full ? 1_000_000 : 20_000;
    users = full ? 100_000 : 2_000;
    requests = full ? 2_000 : 100;
    naiveRequests = full ? 100 : 5;
    warmRequests = full ? 3_000 : 200;
    cacheFractions = full ? new double[] {0.01, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0}
        : new double[] {0.1, 1.0};
  }

  public static void main(String[] args) throws Exception {
    final boolean full = args.length > 0 && args[0].equals("full");
    final Path dir = Path.of(args.length > 1 ? args[1] : "target/bench");
    Files.createDirectories(dir);
    new FetchBench(full).run(dir);
  }

  /** One request: the user and the candidate post ids. */
  private record Request(long user, long[] candidates) {}

  private List<Request> requests(int n, long seed) {
    final Zipf userZipf = new Zipf(users, ZIPF_S, seed);
    final Zipf postZipf = new Zipf(posts, ZIPF_S, seed + 1);
    final LongHashSet distinct = new LongHashSet(2 * BATCH);
    final List<Request> list = new ArrayList<>(n);
    for (int r = 0; r < n; r++) {
      distinct.clear();
      final long[] ids = new long[BATCH];
      int k = 0;
      while (k < BATCH) {
        final long id = postZipf.next();
        if (distinct.add(id)) {
          ids[k++] = id;
        }
      }
      list.add(new Request(userZipf.next(), ids));
    }
    return list;
  }

  private void run(Path dir) throws Exception {
    final List<String> rows = new ArrayList<>();
    final List<String> curve = new ArrayList<>();
    try (RedisServer server = RedisServer.start()) {
      out.printf("redis-server on port %d; loading %,d posts x %d features...%n", server.port(), posts, WIDTH);
      try (RedisStore bulk = RedisStore.builder(server.host(), server.port())
          .commandTimeout(Duration.ofSeconds(60)).connect()) {
        load(RedisFeatureWriter.packed(bulk, "pf:"), posts);
      }
      // the measured store: a command timeout far above any measured latency, so none is cut short
      try (RedisStore store = RedisStore.builder(server.host(), server.port())
          .commandTimeout(Duration.ofSeconds(10)).connect()) {
        final List<Request> measured = requests(requests, 11);
        final Result naive = time("a: one GET per candidate", pipeline(new NaiveGets(store)),
            List.of(), requests(naiveRequests, 11), null);
        rows.add(naive.row());
        final FeatureFetch noCache = FeatureFetch.builder("features",
            RedisFeatureFetcher.builder(store).build()).features(FEATURES).build();
        final Result batched = time("b: pipelined MGET, no near cache", pipeline(hydrator(noCache)),
            List.of(), measured, noCache);
        rows.add(batched.row());
        out.printf("(b) is %.1fx faster than (a) at p50, %.1fx at p99%n",
            naive.p50 / batched.p50, naive.p99 / batched.p99);
        for (double fraction : cacheFractions) {
          final int entries = (int) (posts * fraction);
          final NearCache cache = NearCache.builder(WIDTH).maxBytes(bytesFor(entries)).build();
          final FeatureFetch cached = FeatureFetch.builder("features",
              RedisFeatureFetcher.builder(store).build()).features(FEATURES).nearCache(cache).build();
          final Result r = time(String.format(Locale.ROOT, "c: near cache %d entries (%.0f%% of posts)",
              cache.capacity(), 100 * fraction), pipeline(hydrator(cached)), requests(warmRequests, 5),
              measured, cached);
          rows.add(r.row());
          curve.add(String.format(Locale.ROOT, "%.4f\t%.4f\t%.4f\t%d", r.hitRatio, r.p50 / 1e6,
              r.p99 / 1e6, cache.capacity()));
        }
        // every measured request seen once before: the near cache holds each of their candidates
        final NearCache all = NearCache.builder(WIDTH).maxBytes(bytesFor(posts)).build();
        final FeatureFetch replay = FeatureFetch.builder("features",
            RedisFeatureFetcher.builder(store).build()).features(FEATURES).nearCache(all).build();
        final Result warm = time("c: near cache holding every candidate (requests seen before)",
            pipeline(hydrator(replay)), measured, measured, replay);
        rows.add(warm.row());
        curve.add(String.format(Locale.ROOT, "%.4f\t%.4f\t%.4f\t%d", warm.hitRatio, warm.p50 / 1e6,
            warm.p99 / 1e6, all.capacity()));
        for (double target : new double[] {0.75, 0.95, 1.0}) {
          rows.add(controlledHitRatio(store, measured, target, -1).row());
        }
        // the same misses, deferred after a 50 microsecond wait, and at once: served as defaults,
        // read behind
        rows.add(controlledHitRatio(store, measured, 0.95, 50).row());
        rows.add(controlledHitRatio(store, measured, 0.95, 0).row());
        rows.addAll(layouts(server, store));
      }
    }
    final String header = "| case | requests | p50 ms | p99 ms | max ms | hit ratio |\n|---|---|---|---|---|---|";
    out.println();
    out.println(header);
    rows.forEach(out::println);
    Files.writeString(dir.resolve("results.md"), header + "\n" + String.join("\n", rows) + "\n");
    Files.writeString(dir.resolve("curve.tsv"), "# hit_ratio\tp50_ms\tp99_ms\tentries\n"
        + String.join("\n", curve) + "\n");
  }

  /**
   * The near cache at an exact hit ratio: a cache holding every candidate of the measured requests,
   * from which, just before each request (outside its timed stage), the first
   * {@code (1 - target) x 1,000} of its candidates are invalidated, so they miss and go to Redis.
   * With {@code missWaitMicros >= 0} the stage waits that long for them, then defers the rest; each
   * request then starts once the previous one's deferred reads are answered (outside its timing).
   */
  private Result controlledHitRatio(RedisStore store, List<Request> measured, double target,
      long missWaitMicros) {
    final NearCache cache = NearCache.builder(WIDTH).maxBytes(bytesFor(posts)).build();
    final FeatureFetch fetch = FeatureFetch.builder("features",
        RedisFeatureFetcher.builder(store).build()).features(FEATURES).nearCache(cache).build();
    final int missesPerRequest = (int) Math.round((1 - target) * BATCH);
    final Consumer<Request> forceMisses = r -> {
      if (missWaitMicros >= 0) {
        awaitReadsBehind(fetch);
      }
      for (int i = 0; i < missesPerRequest; i++) {
        cache.invalidate(r.candidates()[i]);
      }
    };
    final FetchHydrator.Builder hydrator = FetchHydrator.builder().fetch(fetch).timeout(5, TimeUnit.SECONDS);
    String name = String.format(Locale.ROOT, "c: near cache, %d of %d candidates cached per request",
        BATCH - missesPerRequest, BATCH);
    if (missWaitMicros >= 0) {
      hydrator.missWait(missWaitMicros, TimeUnit.MICROSECONDS);
      name += ", misses deferred after " + missWaitMicros + " us";
    }
    return time(name, pipeline(hydrator.build()), measured, measured, fetch, forceMisses);
  }

  /**
   * Waits until every key the fetch claimed has been answered: the previous request's deferred reads
   * have filled the cache. Models requests of one thread spaced by more than a store round trip; the
   * closed loop would otherwise pile reads up behind each other and measure the backlog.
   */
  private static void awaitReadsBehind(FeatureFetch fetch) {
    while (true) {
      final FetchStats s = fetch.stats();
      if (s.found() + s.absent() + s.malformed() + s.failedKeys() >= s.claimed()) {
        return;
      }
      Thread.onSpinWait();
    }
  }

  /** Bytes for a near cache of about {@code entries} records of 8 floats (about 80 bytes each). */
  private static long bytesFor(int entries) {
    return Math.max(64L << 10, entries * 80L);
  }

  private static void load(RedisFeatureWriter writer, int n) {
    final int batch = 10_000;
    final long[] ids = new long[batch];
    final float[] values = new float[batch * WIDTH];
    for (int start = 0; start < n; start += batch) {
      final int m = Math.min(batch, n - start);
      for (int i = 0; i < m; i++) {
        ids[i] = start + i;
        for (int j = 0; j < WIDTH; j++) {
          values[i * WIDTH + j] = (start + i) * 0.001f + j;
        }
      }
      writer.write(ids, values, m, WIDTH);
    }
  }

  private static FetchHydrator hydrator(FeatureFetch fetch) {
    return FetchHydrator.builder().fetch(fetch).timeout(5, TimeUnit.SECONDS).build();
  }

  private static Pipeline pipeline(CandidateHydrator hydrator) {
    return Pipeline.builder("bench").sourcesOnCallerThread().pageSize(BATCH)
        .timeout(30, TimeUnit.SECONDS)
        .source("candidates", (ctx, sink) -> {
          final long[] ids = ((Request) ctx.attachment()).candidates();
          for (long id : ids) {
            sink.add(id, 1f);
          }
        }, StageOptions.defaults().expectedCandidates(BATCH))
        .hydrator("features", hydrator, StageOptions.failClosed())
        .build();
  }

  private record Result(String name, int count, double p50, double p99, double max, double hitRatio) {
    String row() {
      return String.format(Locale.ROOT, "| %s | %d | %.3f | %.3f | %.3f | %s |", name, count,
          p50 / 1e6, p99 / 1e6, max / 1e6, Double.isNaN(hitRatio) ? "-"
              : String.format(Locale.ROOT, "%.3f", hitRatio));
    }
  }

  /** Runs the warm-up requests, then the measured ones, recording the hydration stage's time. */
  private Result time(String name, Pipeline p, List<Request> warmUp, List<Request> measured,
      FeatureFetch fetch) {
    return time(name, p, warmUp, measured, fetch, r -> { });
  }

  /** {@link #time}, with {@code before} run ahead of each measured request, outside its timing. */
  private Result time(String name, Pipeline p, List<Request> warmUp, List<Request> measured,
      FeatureFetch fetch, Consumer<Request> before) {
    final RequestContext ctx = p.newContext();
    final PipelineResult page = new PipelineResult();
    for (Request r : warmUp) {
      execute(p, ctx, page, r);
    }
    final FetchStats start = fetch == null ? null : fetch.stats();
    final Histogram h = new Histogram(3);
    for (Request r : measured) {
      before.accept(r);
      execute(p, ctx, page, r);
      h.recordValue(ctx.lastRequest().nanos(1));
    }
    double hit = Double.NaN;
    if (fetch != null && fetch.nearCache() != null) {
      final FetchStats after = fetch.stats();
      hit = (double) (after.cacheHits() + after.negativeHits() - start.cacheHits() - start.negativeHits())
          / (after.lookups() - start.lookups());
    }
    final Result r = new Result(name, measured.size(), h.getValueAtPercentile(50),
        h.getValueAtPercentile(99), h.getMaxValue(), hit);
    out.println(r.row());
    return r;
  }

  private static void execute(Pipeline p, RequestContext ctx, PipelineResult page, Request r) {
    ctx.reset().userId(r.user()).attachment(r);
    p.execute(ctx, page);
    if (page.degraded() || page.size() != BATCH) {
      throw new IllegalStateException("a benchmark request was degraded or lost candidates");
    }
  }

  /** Bytes per post and fetch time of both layouts, over a slice of the posts. */
  private List<String> layouts(RedisServer server, RedisStore store) {
    final int n = Math.min(posts, 100_000);
    final String[] fields = {"likes", "replies", "reposts", "quality", "toxicity", "age_decay",
        "author_rep", "ctr"};
    final List<String> rows = new ArrayList<>();
    server.command("FLUSHALL");
    final long empty = usedMemory(server);
    try (RedisStore bulk = RedisStore.builder(server.host(), server.port())
        .commandTimeout(Duration.ofSeconds(60)).connect()) {
      load(RedisFeatureWriter.packed(bulk, "pf:"), n);
      final long packedBytes = usedMemory(server) - empty;
      server.command("FLUSHALL");
      load(RedisFeatureWriter.hash(bulk, "ph:", fields), n);
      final long hashBytes = usedMemory(server) - empty;
      load(RedisFeatureWriter.packed(bulk, "pf:"), n);
      out.printf("layout memory over %,d posts: packed %.1f bytes/post, hash %.1f bytes/post%n", n,
          (double) packedBytes / n, (double) hashBytes / n);
      final List<Request> sample = requests(requests / 4 + 1, 23).stream()
          .map(r -> new Request(r.user(), clamp(r.candidates(), n))).toList();
      for (FeatureLayout layout : FeatureLayout.values()) {
        final RedisFeatureFetcher.Builder fb = RedisFeatureFetcher.builder(store).layout(layout);
        if (layout == FeatureLayout.HASH) {
          fb.keyPrefix("ph:").fields(fields);
        }
        final FeatureFetch f = FeatureFetch.builder("layout", fb.build()).features(FEATURES).build();
        final Result r = time("layout " + layout.name().toLowerCase(Locale.ROOT) + String.format(
            Locale.ROOT, " (%.0f bytes/post in Redis)", (double) (layout == FeatureLayout.PACKED
                ? packedBytes : hashBytes) / n), pipeline(hydrator(f)), sample.subList(0, 2),
            sample, null);
        rows.add(r.row());
      }
    }
    return rows;
  }

  private static long[] clamp(long[] ids, int n) {
    final LongHashSet seen = new LongHashSet();
    final long[] out = new long[ids.length];
    int k = 0;
    long next = 0;
    for (long id : ids) {
      long v = id % n;
      while (!seen.add(v)) {
        v = next++ % n;
      }
      out[k++] = v;
    }
    return out;
  }

  private static long usedMemory(RedisServer server) {
    for (String line : server.command("INFO", "memory").split("\r?\n")) {
      if (line.startsWith("used_memory:")) {
        return Long.parseLong(line.substring("used_memory:".length()).trim());
      }
    }
    throw new IllegalStateException("no used_memory in INFO memory");
  }

  /** (a): what a hand-written loop does, one synchronous GET per candidate. */
  private static final class NaiveGets implements CandidateHydrator {
    private final RedisCommands<byte[], byte[]> sync;

    NaiveGets(RedisStore store) {
      this.sync = store.connection().sync();
    }

    @Override
    public Feature[] writes() {
      return FEATURES.clone();
    }

    @Override
    public void hydrate(RequestContext ctx, CandidateBatch batch) {
      final float[] row = new float[WIDTH];
      for (int r = 0; r < batch.size(); r++) {
        final byte[] v = sync.get(("pf:" + batch.id(r)).getBytes(StandardCharsets.US_ASCII));
        if (v != null && PackedFloats.decode(ByteBuffer.wrap(v), row, 0, WIDTH)) {
          for (int j = 0; j < WIDTH; j++) {
            batch.setFeature(FEATURES[j], r, row[j]);
          }
        }
      }
    }
  }
}
