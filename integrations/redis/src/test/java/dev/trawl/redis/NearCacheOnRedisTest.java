package dev.trawl.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.fetch.FetchStats;
import dev.trawl.fetch.NearCache;
import dev.trawl.pipeline.PipelineResult;
import dev.trawl.pipeline.RequestContext;
import dev.trawl.pipeline.testkit.Allocations;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** The near cache in front of a real Redis: bounded under a scan, allocation-free when warm. */
class NearCacheOnRedisTest {
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  private static long allocated() {
    return THREADS.getThreadAllocatedBytes(Thread.currentThread().getId());
  }

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
      feed.run(ctx, page, warm);
      final long mgets = feed.fetcher.commands();
      // 20,000 runs until the JIT has compiled the hit path, then five windows of 1,000 requests;
      // most, not all, must be 0 bytes (see Allocations.windowBytes for the JVM's one-off events)
      final long[] windows = Allocations.windowBytes(() -> feed.run(ctx, page, warm), 20_000, 1_000, 5);
      System.out.println("warm requests of 1000 candidates, bytes per window of 1000 requests: "
          + java.util.Arrays.toString(windows));
      assertThat(Allocations.zeroWindows(windows)).as("0-byte windows of 1000 warm requests: "
          + java.util.Arrays.toString(windows)).isGreaterThanOrEqualTo(3);
      assertThat(feed.fetcher.commands()).as("Redis commands for warm requests").isEqualTo(mgets);
      assertThat(warm.fullRows()).isEqualTo(1000);
      // positive control: one cold post sends a command, and the same measurement sees it
      final RedisFeed.Request cold = new RedisFeed.Request(1001).range(0, 1001);
      final long c0 = allocated();
      feed.run(ctx, page, cold);
      assertThat(allocated() - c0).isPositive();
      assertThat(cold.fullRows()).isEqualTo(1001);
    }
  }
}
