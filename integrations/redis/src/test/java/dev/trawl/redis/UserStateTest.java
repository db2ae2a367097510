package dev.trawl.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.filter.ItemAttributes;
import dev.trawl.filter.RequestFilter;
import dev.trawl.index.VectorIndex;
import dev.trawl.pipeline.Pipeline;
import dev.trawl.pipeline.PipelineResult;
import dev.trawl.pipeline.RequestContext;
import dev.trawl.pipeline.stages.RequestFilterHydrator;
import dev.trawl.pipeline.stages.VectorSource;
import dev.trawl.pipeline.testkit.RedisServer;
import dev.trawl.vector.Metric;
import java.time.Duration;
import io.lettuce.core.RedisFuture;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Seen posts and blocked authors round-trip through Redis: the impression logger appends each page,
 * the user-state hydrator reads it back at the next request and the index search excludes it.
 */
class UserStateTest {
  private static final int POSTS = 2_000;
  private static final int DIM = 16;
  private static final long USER = 9;
  private static final UserStateLayout LAYOUT = UserStateLayout.defaults().maxSeen(30);

  private static VectorIndex index() {
    final VectorIndex index = VectorIndex.builder(DIM, Metric.COSINE).expectedItems(POSTS).build();
    final SplittableRandom rnd = new SplittableRandom(5);
    final ItemAttributes attrs = new ItemAttributes();
    for (long id = 0; id < POSTS; id++) {
      final float[] v = new float[DIM];
      for (int d = 0; d < DIM; d++) {
        v[d] = (float) rnd.nextGaussian();
      }
      index.add(id, v, attrs.clear().author(id % 50));
    }
    return index;
  }

  @Test
  void loggedImpressionsAndBlockedAuthorsAreExcludedFromTheNextRequest() throws Exception {
    final VectorIndex index = index();
    try (RedisServer server = RedisServer.start();
        RedisStore store = RedisStore.builder(server.host(), server.port()).connect();
        ImpressionLogger impressions = ImpressionLogger.builder(store).layout(LAYOUT).build()) {
      final UserStateWriter state = UserStateWriter.of(store, LAYOUT);
      final List<RedisFuture<?>> sent = new ArrayList<>();
      state.block(USER, 7, sent);
      state.block(USER, 8, sent);
      state.block(USER, 9, sent);
      state.unblock(USER, 9, sent);
      assertThat(state.await(sent, Duration.ofSeconds(5))).isTrue();
      final UserStateHydrator users = UserStateHydrator.builder(store).layout(LAYOUT)
          .timeout(1, TimeUnit.SECONDS).build();
      // the user's state fills the request's seen ids and blocked authors; the request filter stage
      // turns them into the one planned filter the vector source searches with
      final RequestFilterHydrator requestFilter = RequestFilterHydrator.of(index);
      final Pipeline p = Pipeline.builder("home").sourcesOnCallerThread().pageSize(20)
          .queryHydrator("user-state", users)
          .queryHydrator("request-filter", requestFilter)
          .source("ann", VectorSource.builder(index).k(20).ef(200).filter(requestFilter).build())
          .sideEffect("impressions", impressions)
          .build();
      final RequestContext ctx = p.newContext();
      final PipelineResult page = new PipelineResult();
      final float[] query = new float[DIM];
      query[0] = 1;
      final Set<Long> shown = new HashSet<>();
      long[] lastPage = new long[0];
      for (int request = 0; request < 3; request++) {
        ctx.reset().userId(USER).nowMillis(1_000_000L + request).queryVector(query);
        p.execute(ctx, page);
        assertThat(page.degraded()).isFalse();
        assertThat(page.size()).isEqualTo(20);
        assertThat(ctx.blockedAuthors().size()).isEqualTo(2);
        assertThat(ctx.blockedAuthors().contains(7L) && ctx.blockedAuthors().contains(8L)).isTrue();
        for (int i = 0; i < page.size(); i++) {
          final long id = page.id(i);
          assertThat(id % 50).as("author of post " + id).isNotIn(7L, 8L);
          if (request < 2) {
            // the seen cap is 30 posts: pages 1 and 2 (40 posts) are remembered up to their newest 30
            assertThat(shown).as("shown before").doesNotContain(id);
          }
        }
        lastPage = page.idsCopy();
        for (long id : lastPage) {
          shown.add(id);
        }
        assertThat(impressions.awaitDrained(Duration.ofSeconds(5))).isTrue();
      }
      assertThat(impressions.written()).isEqualTo(3);
      assertThat(server.command("ZCARD", "us:9")).as("seen posts kept").isEqualTo("30");
      assertThat(Long.parseLong(server.command("PTTL", "us:9"))).isPositive();
      // the newest page is all kept
      for (long id : lastPage) {
        assertThat(server.command("ZSCORE".getBytes(), "us:9".getBytes(), Keys.member(id)))
            .isEqualTo("1000002");
      }
      assertThat(users.degradedReads()).isZero();
    }
  }

  @Test
  void aFullImpressionQueueDropsAndCountsInsteadOfBlockingTheRequest() throws Exception {
    try (RedisServer server = RedisServer.start();
        RedisStore store = RedisStore.builder(server.host(), server.port()).connect();
        ImpressionLogger impressions = ImpressionLogger.builder(store).queueSlots(8).build()) {
      final Pipeline p = Pipeline.builder("log").sourcesOnCallerThread().pageSize(50)
          .source("ids", (ctx, sink) -> {
            for (long id = 0; id < 50; id++) {
              sink.add(id, 1f);
            }
          })
          .sideEffect("impressions", impressions)
          .build();
      final RequestContext ctx = p.newContext();
      final PipelineResult page = new PipelineResult();
      server.command("CLIENT", "PAUSE", "1000", "ALL"); // the writer's commands hang meanwhile
      final int requests = 500;
      for (int i = 0; i < requests; i++) {
        ctx.reset().userId(i);
        p.execute(ctx, page);
      }
      assertThat(impressions.enqueued() + impressions.dropped()).isEqualTo(requests);
      assertThat(impressions.dropped()).as("pages dropped by a queue of 8").isPositive();
      assertThat(impressions.awaitDrained(Duration.ofSeconds(10))).isTrue();
      assertThat(impressions.written() + impressions.failed()).isEqualTo(impressions.enqueued());
    }
  }

  @Test
  void loggingAnImpressionAllocatesNothingOnTheRequestThread() {
    try (RedisServer server = RedisServer.start();
        RedisStore store = RedisStore.builder(server.host(), server.port()).connect();
        ImpressionLogger impressions = ImpressionLogger.builder(store).build()) {
      final Pipeline p = Pipeline.builder("log").sourcesOnCallerThread().pageSize(50)
          .source("ids", (ctx, sink) -> {
            for (long id = 0; id < 50; id++) {
              sink.add(id, 1f);
            }
          })
          .sideEffect("impressions", impressions)
          .build();
      final RequestContext ctx = p.newContext();
      final PipelineResult page = new PipelineResult();
      final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)
          java.lang.management.ManagementFactory.getThreadMXBean();
      final long self = Thread.currentThread().getId();
      for (int i = 0; i < 20_000; i++) {
        ctx.reset().userId(i % 100);
        p.execute(ctx, page);
      }
      final long[] windows = new long[5];
      for (int w = 0; w < windows.length; w++) {
        final long before = threads.getThreadAllocatedBytes(self);
        for (int i = 0; i < 1_000; i++) {
          ctx.reset().userId(i % 100);
          p.execute(ctx, page);
        }
        windows[w] = threads.getThreadAllocatedBytes(self) - before;
      }
      assertThat(windows).as("a window of 1000 logged requests").contains(0L);
      assertThat(java.util.Arrays.stream(windows).sum()).as("bytes over 5000 logged requests")
          .isLessThan(5_000);
      assertThat(impressions.enqueued() + impressions.dropped()).isEqualTo(25_000);
      // positive control
      final long c0 = threads.getThreadAllocatedBytes(self);
      final long[] sink = new long[16];
      assertThat(threads.getThreadAllocatedBytes(self) - c0).isPositive();
      assertThat(sink).hasSize(16);
    }
  }
}
