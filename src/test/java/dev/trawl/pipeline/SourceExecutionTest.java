package dev.trawl.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.pipeline.testkit.Allocations;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The three ways of running sources give the same pages; the seed alone decides random choices. */
class SourceExecutionTest {
  private static HomeFeedFixture feed;

  @BeforeAll
  static void corpus() {
    feed = new HomeFeedFixture(4_000, 16, 23);
  }

  private static long[][] pages(Pipeline p, int requests) {
    final RequestContext ctx = p.newContext();
    final PipelineResult page = new PipelineResult();
    final long[][] out = new long[requests][];
    for (int i = 0; i < requests; i++) {
      feed.request(ctx, i);
      p.execute(ctx, page);
      out[i] = page.idsCopy();
    }
    return out;
  }

  @Test
  void callerThreadWorkerPoolAndHostExecutorServeIdenticalPages() {
    final long[][] inline = pages(feed.callerThreadPipeline(80), 100);
    final long[][] pooled;
    try (WorkerPool pool = new WorkerPool(2, 16)) {
      pooled = pages(feed.pooledPipeline(80, pool), 100);
    }
    final ExecutorService host = Executors.newFixedThreadPool(2);
    final long[][] hosted;
    try {
      hosted = pages(feed.pooledPipeline(80, host), 100);
    } finally {
      host.shutdownNow();
    }
    for (int i = 0; i < 100; i++) {
      assertThat(inline[i]).hasSize(50);
      assertThat(pooled[i]).as("request %d", i).containsExactly(inline[i]);
      assertThat(hosted[i]).as("request %d", i).containsExactly(inline[i]);
    }
  }

  @Test
  void aFixedSeedGivesTheSamePageAndAnotherSeedADifferentOne() {
    final Pipeline p = feed.builder(80, true).sourcesOnCallerThread().build();
    final RequestContext ctx = p.newContext();
    final PipelineResult page = new PipelineResult();
    feed.request(ctx, 5);
    p.execute(ctx, page);
    final long[] first = page.idsCopy();
    final java.util.Set<String> sources = new java.util.HashSet<>();
    for (int i = 0; i < page.size(); i++) {
      sources.add(page.sourceName(i));
    }
    assertThat(sources).as("the blended page mixes sources").hasSizeGreaterThan(1);
    feed.request(ctx, 5);
    p.execute(ctx, page);
    assertThat(page.idsCopy()).containsExactly(first);
    feed.request(ctx, 5);
    ctx.seed(6);
    p.execute(ctx, page);
    assertThat(page.idsCopy()).isNotEqualTo(first);
  }

  @Test
  void aHostThreadPoolExecutorCostsOnlyItsOwnQueueNodes() {
    final ExecutorService host = Executors.newFixedThreadPool(2);
    try {
      final Pipeline p = feed.pooledPipeline(80, host);
      final RequestContext ctx = p.newContext();
      final PipelineResult page = new PipelineResult();
      final int[] next = {0};
      final double perRequest = Allocations.bytesPerRun(() -> {
        feed.request(ctx, next[0]++);
        p.execute(ctx, page);
      }, 2_000, 2_000);
      System.out.printf("ThreadPoolExecutor sources: %.1f bytes/request on the caller%n", perRequest);
      // 3 sources x one LinkedBlockingQueue node (~24-32 bytes), plus occasional lock nodes
      assertThat(perRequest).isLessThan(3 * 32 + 64);
    } finally {
      host.shutdownNow();
    }
  }

  @Test
  void requestThreadsShareOnePipelineAndEachGetsTheSinglethreadedPage() throws Exception {
    final long[][] expected = pages(feed.callerThreadPipeline(60), 200);
    try (WorkerPool pool = new WorkerPool(2, 256)) {
      final Pipeline shared = feed.pooledPipeline(60, pool);
      final int threads = 4;
      final ExecutorService callers = Executors.newFixedThreadPool(threads);
      try {
        final java.util.List<java.util.concurrent.Future<Integer>> done = new java.util.ArrayList<>();
        for (int t = 0; t < threads; t++) {
          final int first = t;
          done.add(callers.submit(() -> {
            final RequestContext ctx = shared.newContext();
            final PipelineResult page = new PipelineResult();
            int mismatches = 0;
            for (int i = first; i < 200; i += threads) {
              feed.request(ctx, i);
              shared.execute(ctx, page);
              mismatches += java.util.Arrays.equals(page.idsCopy(), expected[i]) ? 0 : 1;
            }
            return mismatches;
          }));
        }
        for (java.util.concurrent.Future<Integer> f : done) {
          assertThat(f.get()).isZero();
        }
      } finally {
        callers.shutdownNow();
      }
      final MetricsSnapshot m = shared.metrics();
      assertThat(m.request().calls()).isEqualTo(200);
      assertThat(m.stage("ann").calls()).isEqualTo(200);
      assertThat(m.stage("page").candidatesOut()).isEqualTo(200 * 50);
    }
  }
}
