package dev.trawl.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.fetch.FetchStats;
import dev.trawl.fetch.NearCache;
import dev.trawl.pipeline.PipelineResult;
import dev.trawl.pipeline.RequestContext;
import dev.trawl.pipeline.WorkerPool;
import dev.trawl.pipeline.testkit.Allocations;
import dev.trawl.pipeline.testkit.RedisServer;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** The near cache in front of a real Redis: bounded under a scan, allocation-free when warm. */
class NearCacheOnRedisTest {
  private static final int REQUESTS = 1_000;
  private static final int CONTROL_EVERY = 25;

  @Test
  void theNearCacheStaysWithinItsByteBoundAndKeepsItsHotSetUnderAScanOfTenTimesItsSize() {
    final RedisFeed.Options o = new RedisFeed.Options();
    o.cacheBytes = 512 << 10;
    o.stageTimeoutMillis = 2_000;
    o.requestTimeoutMillis = 5_000;
    try (RedisServer server = RedisServer.start(); RedisFeed feed = new RedisFeed(server, o)) {
      final NearCache cache = feed.cache;
      final int capacity = cache.capacity();
      final int hot = 200;
      final int scanned = 10 * capacity;
      feed.load(0, hot + scanned);
      final RequestContext ctx = feed.pipeline.newContext();
      final PipelineResult page = new PipelineResult();
      final RedisFeed.Request r = new RedisFeed.Request(500);
      for (int i = 0; i < 3; i++) {
        feed.run(ctx, page, r.range(0, hot));
      }
      long hotLookups = 0;
      long hotHits = 0;
      int requests = 0;
      for (long from = hot; from < hot + scanned; from += 500) {
        assertThat(feed.run(ctx, page, r.range(from, (int) Math.min(500, hot + scanned - from)))).isFalse();
        assertThat(r.fullRows()).isEqualTo(r.rows);
        assertThat(cache.size()).isLessThanOrEqualTo(capacity);
        if (++requests % 4 == 0) {
          final FetchStats before = feed.fetch.stats();
          feed.run(ctx, page, r.range(0, hot));
          assertThat(r.fullRows()).isEqualTo(hot);
          final FetchStats after = feed.fetch.stats();
          hotLookups += after.lookups() - before.lookups();
          hotHits += after.cacheHits() - before.cacheHits();
        }
      }
      final NearCache.Stats s = cache.stats();
      System.out.printf("scan of %d posts through a near cache of %d entries (%d bytes, bound %d): "
          + "%d evictions, hot-set hit ratio %.3f%n", scanned, capacity, s.footprintBytes(),
          cache.maxBytes(), s.evictions(), (double) hotHits / hotLookups);
      assertThat(s.footprintBytes()).isLessThanOrEqualTo(cache.maxBytes());
      assertThat(s.size()).isLessThanOrEqualTo(capacity);
      assertThat(s.evictions()).isGreaterThan(8L * capacity);
      assertThat((double) hotHits / hotLookups).as("hot-set hit ratio during the scan").isGreaterThan(0.9);
    }
  }

  /**
   * 0 bytes over a window of 1,000 warm requests after {@link Allocations#steadyStateBytes}'s
   * warm-up, on every thread of ours that works on the hit path: the request thread, the stage pool
   * that runs the fetch hydrator and the scorer, and the near caches' maintenance thread that replays
   * the hits. Lettuce's I/O threads are not measured: a warm request sends no command, which the
   * fetcher's command counter shows. Beside it, a positive control (the same requests plus one object
   * every {@value #CONTROL_EVERY}) must fail the same check.
   */
  @Test
  void aWarmRequestOfAThousandCandidatesAllocatesNothing() {
    final RedisFeed.Options o = new RedisFeed.Options();
    o.stageTimeoutMillis = 2_000;
    o.requestTimeoutMillis = 5_000;
    try (RedisServer server = RedisServer.start(); RedisFeed feed = new RedisFeed(server, o)) {
      feed.load(0, 2_000);
      final RequestContext ctx = feed.pipeline.newContext();
      final PipelineResult page = new PipelineResult();
      final RedisFeed.Request warm = new RedisFeed.Request(1000).range(0, 1000);
      final Runnable request = () -> feed.run(ctx, page, warm);
      // the first request loads the cache; the hits of the next ones start the maintenance thread
      for (int i = 0; i < 10; i++) {
        request.run();
      }
      final long[] ours = LongStream.concat(
          LongStream.of(WorkerPool.sharedForBlockingStages().threadIds()),
          LongStream.of(Allocations.threadIds("trawl-near-cache-maintenance"))).toArray();
      assertThat(ours).as("stage pool and maintenance thread")
          .hasSize(WorkerPool.sharedForBlockingStages().threads() + 1);
      final long mgets = feed.fetcher.commands();
      final long bytes = Allocations.steadyStateBytes(REQUESTS, request, ours);
      assertThat(feed.fetcher.commands()).as("Redis commands for warm requests").isEqualTo(mgets);
      assertThat(bytes).as("bytes over %d warm requests of 1000 candidates, on our threads", REQUESTS)
          .isZero();
      assertThat(warm.fullRows()).isEqualTo(1000);
      assertThat(Allocations.total(REQUESTS, Allocations.allocatingEvery(CONTROL_EVERY, request), ours))
          .as("positive control, one object every %d requests", CONTROL_EVERY).isPositive();
    }
  }
}
