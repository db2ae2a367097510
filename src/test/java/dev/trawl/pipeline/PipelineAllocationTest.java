package dev.trawl.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.index.FilterPlanner;
import dev.trawl.pipeline.stages.RequestFilterHydrator;
import dev.trawl.pipeline.stages.VectorSource;
import dev.trawl.pipeline.testkit.Allocations;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.roaringbitmap.RoaringBitmap;

/**
 * A full home-feed request (the request's filter, 3 sources, 4 filters, 2 hydrators, scorers, caps,
 * MMR, page of 50)
 * allocates nothing in steady state, on the calling thread and, with a worker pool, on its threads.
 */
class PipelineAllocationTest {
  private static final int WARMUP = 3_000;
  private static final int REQUESTS = 10_000;
  private static HomeFeedFixture feed;

  @BeforeAll
  static void corpus() {
    feed = new HomeFeedFixture(10_000, 32, 17);
  }

  @Test
  void aHomeFeedRequestOnTheCallerThreadAllocatesNothing() {
    final Pipeline p = feed.callerThreadPipeline(100);
    final RequestContext ctx = p.newContext();
    final PipelineResult page = new PipelineResult();
    final int[] next = {0};
    final double perRequest = Allocations.bytesPerRun(() -> {
      feed.request(ctx, next[0]++);
      p.execute(ctx, page);
    }, WARMUP, REQUESTS);
    System.out.printf("caller-thread home feed: %.3f bytes/request over %d requests%n", perRequest, REQUESTS);
    assertThat(page.size()).isEqualTo(50);
    assertThat(page.degraded()).isFalse();
    // every request also recorded its per-stage figures into the context, within those bytes
    final RequestStats stats = ctx.lastRequest();
    for (int s = 0; s < stats.stageCount(); s++) {
      assertThat(stats.in(s)).as(stats.stageName(s)).isNotNegative();
    }
    assertThat(perRequest).as("bytes per request").isLessThan(1.0);
  }

  @Test
  void aVectorSourceWithAPlannedBitmapFilterAllocatesNothing() {
    final RoaringBitmap everyThird = new RoaringBitmap();
    for (int id = 0; id < feed.items; id += 3) {
      everyThird.add(feed.index.ordinalOf(id));
    }
    final RequestFilterHydrator onlyThirds =
        RequestFilterHydrator.builder(feed.index).restriction((ctx, index, f) -> f.and(everyThird)).build();
    final VectorSource source = VectorSource.builder(feed.index).k(100).ef(100).filter(onlyThirds).build();
    final Pipeline p = Pipeline.builder("filtered").sourcesOnCallerThread()
        .queryHydrator("only-thirds", onlyThirds)
        .source("ann", source)
        .build();
    final RequestContext ctx = p.newContext();
    final PipelineResult page = new PipelineResult();
    final int[] next = {0};
    final double perRequest = Allocations.bytesPerRun(() -> {
      final int i = next[0]++;
      ctx.reset().pageSize(50).queryVector(feed.users[i & 63]).seenIds().add(i % feed.items);
      p.execute(ctx, page);
    }, WARMUP, REQUESTS);
    assertThat(page.size()).isEqualTo(50);
    for (int i = 0; i < page.size(); i++) {
      assertThat(page.id(i) % 3).isZero();
    }
    assertThat(source.planCount(FilterPlanner.WALK) + source.planCount(FilterPlanner.EXACT)
        + source.planCount(FilterPlanner.WALK_THEN_EXACT)).isEqualTo(WARMUP + REQUESTS);
    assertThat(perRequest).as("bytes per filtered request").isLessThan(1.0);
  }

  @Test
  void aShadowRequestCopyingTheInputsIntoASecondPipelineAllocatesNothing() {
    final Pipeline live = feed.callerThreadPipeline(50);
    final Pipeline shadow = feed.builder(50, true).sourcesOnCallerThread().build();
    final RequestContext liveCtx = live.newContext();
    final RequestContext shadowCtx = shadow.newContext();
    final PipelineResult livePage = new PipelineResult();
    final PipelineResult shadowPage = new PipelineResult();
    final int[] next = {0};
    final double perRequest = Allocations.bytesPerRun(() -> {
      feed.request(liveCtx, next[0]++);
      shadowCtx.copyInputsFrom(liveCtx);
      live.execute(liveCtx, livePage);
      shadow.execute(shadowCtx, shadowPage);
    }, WARMUP, REQUESTS);
    assertThat(shadowPage.size()).isEqualTo(50);
    assertThat(perRequest).as("bytes per live + shadow request").isLessThan(1.0);
  }

  @Test
  void aHomeFeedRequestOnTheWorkerPoolAllocatesNothingOnAnyThread() {
    try (WorkerPool pool = new WorkerPool(2, 64)) {
      final Pipeline p = feed.pooledPipeline(100, pool);
      final RequestContext ctx = p.newContext();
      final PipelineResult page = new PipelineResult();
      for (int i = 0; i < WARMUP; i++) {
        feed.request(ctx, i);
        p.execute(ctx, page);
      }
      final long[] workers = pool.threadIds();
      final long callerBefore = Allocations.currentThreadBytes();
      final long workersBefore = Allocations.threadsBytes(workers);
      for (int i = 0; i < REQUESTS; i++) {
        feed.request(ctx, i);
        p.execute(ctx, page);
      }
      final double caller = (double) (Allocations.currentThreadBytes() - callerBefore) / REQUESTS;
      final double onWorkers = (double) (Allocations.threadsBytes(workers) - workersBefore) / REQUESTS;
      System.out.printf("pooled home feed: caller %.3f, workers %.3f bytes/request over %d requests%n",
          caller, onWorkers, REQUESTS);
      assertThat(page.size()).isEqualTo(50);
      assertThat(p.metrics().stage("ann").timeouts()).isZero();
      assertThat(caller).as("caller bytes per request").isLessThan(1.0);
      assertThat(onWorkers).as("worker bytes per request").isLessThan(1.0);
    }
  }
}
