package dev.trawl.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.collect.StripedCounters;
import dev.trawl.index.FilterPlanner;
import dev.trawl.pipeline.stages.RequestFilterHydrator;
import dev.trawl.pipeline.stages.VectorSource;
import dev.trawl.pipeline.testkit.Allocations;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.roaringbitmap.RoaringBitmap;

/**
 * A full home-feed request (the request's filter, 3 sources, 4 filters, 2 hydrators, scorers, caps,
 * MMR, page of 50) allocates nothing in steady state: on the calling thread, and with sources on a
 * worker pool or a blocking hydrator on the stage pool (also when its calls queue behind its
 * thread bound), on the pool's threads too.
 *
 * <p>Each measurement is the total over a window of {@value #REQUESTS} requests, asserted to be 0
 * bytes, after {@link Allocations#steadyStateBytes}'s warm-up (until windows in a row ran with no JIT
 * compilation and allocated nothing: a thread that makes a method due for C2 compilation allocates the
 * string literals of the method's class, a few hundred bytes, during roughly the first 10,000
 * requests; see {@code docs/reliability.md}).
 * Beside each, a positive control runs the same requests plus one 16-byte object every
 * {@value #CONTROL_EVERY} requests (under one byte per request on average), on the thread whose
 * allocation is measured, and must fail the same check.
 */
class PipelineAllocationTest {
  private static final int REQUESTS = 2_000;
  private static final int CONTROL_EVERY = 25;
  private static HomeFeedFixture feed;

  @BeforeAll
  static void corpus() {
    feed = new HomeFeedFixture(10_000, 32, 17);
  }

  /** Home-feed requests through one pipeline and context, a new user and seed each run. */
  private static final class HomeFeedRequests implements Runnable {
    final Pipeline pipeline;
    final RequestContext ctx;
    final PipelineResult page = new PipelineResult();
    int sent;

    HomeFeedRequests(Pipeline pipeline) {
      this.pipeline = pipeline;
      this.ctx = pipeline.newContext();
    }

    @Override
    public void run() {
      feed.request(ctx, sent++);
      pipeline.execute(ctx, page);
    }

    /** The last page was full and not degraded, and every stage saw candidates. */
    void assertLastRequestServed() {
      assertThat(page.size()).isEqualTo(50);
      assertThat(page.degraded()).isFalse();
      assertStagesSawCandidates(pipeline, ctx);
    }
  }

  /** 0 bytes over a steady-state window on the calling thread, and the control beside it. */
  private static void assertAllocatesNothing(String what, Runnable request) {
    assertThat(Allocations.steadyStateBytes(REQUESTS, request))
        .as("%s: bytes over %d requests", what, REQUESTS).isZero();
    assertThat(Allocations.total(REQUESTS, Allocations.allocatingEvery(CONTROL_EVERY, request)))
        .as("%s: positive control, one object every %d requests", what, CONTROL_EVERY).isPositive();
  }

  @Test
  void aHomeFeedRequestOnTheCallerThreadAllocatesNothing() {
    final HomeFeedRequests requests = new HomeFeedRequests(feed.callerThreadPipeline(100));
    assertAllocatesNothing("caller-thread home feed", requests);
    requests.assertLastRequestServed();
  }

  /**
   * Every request also recorded its per-stage figures into the context, within those bytes: every
   * stage after the query hydrators saw candidates, and none but the sources added any.
   */
  private static void assertStagesSawCandidates(Pipeline p, RequestContext ctx) {
    final RequestStats stats = ctx.lastRequest();
    assertThat(stats.stageCount()).isEqualTo(p.stageKinds().size());
    for (int s = 0; s < stats.stageCount(); s++) {
      if (stats.kind(s) == StageKind.QUERY_HYDRATOR) {
        continue; // before the sources: no candidates yet
      }
      assertThat(stats.in(s)).as(stats.stageName(s)).isPositive();
      if (stats.kind(s) != StageKind.SOURCE) {
        assertThat(stats.out(s)).as(stats.stageName(s)).isBetween(1, stats.in(s));
      }
    }
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
    assertAllocatesNothing("filtered vector source", () -> {
      final int i = next[0]++;
      ctx.reset().pageSize(50).queryVector(feed.users[i & 63]).seenIds().add(i % feed.items);
      p.execute(ctx, page);
    });
    assertThat(page.size()).isEqualTo(50);
    for (int i = 0; i < page.size(); i++) {
      assertThat(page.id(i) % 3).isZero();
    }
    assertThat(source.planCount(FilterPlanner.WALK) + source.planCount(FilterPlanner.EXACT)
        + source.planCount(FilterPlanner.WALK_THEN_EXACT)).isEqualTo(next[0]);
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
    assertAllocatesNothing("live + shadow request", () -> {
      feed.request(liveCtx, next[0]++);
      shadowCtx.copyInputsFrom(liveCtx);
      live.execute(liveCtx, livePage);
      shadow.execute(shadowCtx, shadowPage);
    });
    assertThat(livePage.size()).isEqualTo(50);
    assertThat(shadowPage.size()).isEqualTo(50);
  }

  @Test
  void aHomeFeedRequestWithSourcesOnTheWorkerPoolAllocatesNothingOnAnyThread() {
    try (WorkerPool pool = new WorkerPool(2, 64)) {
      final HomeFeedRequests request = new HomeFeedRequests(feed.pooledPipeline(100, pool));
      final long[] workers = pool.threadIds();
      assertThat(Allocations.steadyStateBytes(REQUESTS, request, workers))
          .as("bytes over %d requests on the caller and the workers", REQUESTS).isZero();
      final StageStats ann = request.pipeline.metrics().stage("ann");
      assertThat(ann.calls()).isEqualTo(request.sent);
      assertThat(ann.timeouts() + ann.failures()).isZero();
      request.assertLastRequestServed();

      // the control allocates on a worker: a source cannot be swapped in a built pipeline, so a task
      // of its own runs there after every 25th request (its latch allocates on the caller, which is
      // why the control measures the workers alone)
      final CountDownLatch[] done = {null};
      final Runnable allocateOnAWorker = () -> {
        Allocations.sink = new Object();
        done[0].countDown();
      };
      final int[] runs = {0};
      assertThat(poolBytes(workers, () -> {
        request.run();
        if (++runs[0] % CONTROL_EVERY == 0) {
          done[0] = new CountDownLatch(1);
          pool.execute(allocateOnAWorker);
          awaitUninterruptibly(done[0]);
        }
      })).as("positive control on the workers").isPositive();
    }
  }

  /**
   * A blocking hydrator ({@code mayBlock()} true) that can allocate on every 25th call, as the
   * control. With a {@link #holder} context, its calls for that context hold the stage's thread until
   * the stage's count of queued calls ({@link #deferred}) reaches the number of held calls, so the
   * call of another request made meanwhile is queued every time.
   */
  private static final class BlockingAffinity implements CandidateHydrator {
    private final HomeFeedFixture.AffinityHydrator affinity = new HomeFeedFixture.AffinityHydrator();
    volatile boolean control;
    private final AtomicInteger calls = new AtomicInteger();
    volatile RequestContext holder;
    volatile StripedCounters.Counter deferred;
    final AtomicInteger held = new AtomicInteger();

    @Override
    public Feature[] reads() {
      return affinity.reads();
    }

    @Override
    public Feature[] writes() {
      return affinity.writes();
    }

    @Override
    public void hydrate(RequestContext ctx, CandidateBatch batch) {
      affinity.hydrate(ctx, batch);
      if (calls.incrementAndGet() % CONTROL_EVERY == 0 && control) {
        Allocations.sink = new Object();
      }
      if (ctx == holder) {
        final int n = held.incrementAndGet();
        final StripedCounters.Counter queued = deferred;
        while (queued.sum() < n) {
          Thread.onSpinWait();
        }
      }
    }
  }

  @Test
  void aBlockingHydratorOnTheStagePoolAllocatesNothingOnAnyThread() {
    final BlockingAffinity blocking = new BlockingAffinity();
    assertThat(blocking.mayBlock()).isTrue();
    try (WorkerPool stagePool = new WorkerPool(2, 64)) {
      final HomeFeedRequests request = new HomeFeedRequests(
          feed.builder(100, blocking).sourcesOnCallerThread().blockingStagesOn(stagePool).build());
      final long[] stageThreads = stagePool.threadIds();
      assertThat(Allocations.steadyStateBytes(REQUESTS, request, stageThreads))
          .as("bytes over %d requests on the caller and the stage pool", REQUESTS).isZero();
      final StageStats affinity = request.pipeline.metrics().stage("affinity");
      assertThat(affinity.calls()).isEqualTo(request.sent);
      assertThat(affinity.hung() + affinity.timeouts() + affinity.rejected() + affinity.failures()).isZero();
      request.assertLastRequestServed();

      // the control: the same hydrator allocates one object every 25 calls on the stage pool's thread
      blocking.control = true;
      assertThat(poolBytes(stageThreads, request)).as("positive control on the stage pool").isPositive();
    }
  }

  /**
   * Two requests at once on one blocking stage limited to one thread: every call of the second is
   * queued behind the first's (it waits in the stage's queue, is handed to the pool when the first
   * returns, and its permit comes back), and neither thread nor the pool allocates.
   */
  @Test
  void aBlockingCallQueuedBehindItsStagesRunningCallAllocatesNothingOnAnyThread() throws Exception {
    final BlockingAffinity blocking = new BlockingAffinity();
    try (WorkerPool stagePool = new WorkerPool(2, 64)) {
      final Pipeline p = feed.builder(100, blocking).sourcesOnCallerThread()
          .blockingStagesOn(stagePool).threadsPerBlockingStage(1).timeout(10, TimeUnit.MINUTES)
          .build();
      final HomeFeedRequests holding = new HomeFeedRequests(p);
      final HomeFeedRequests queued = new HomeFeedRequests(p);
      StageMetrics metrics = null;
      for (StageTask t : holding.ctx.stageTasks) {
        if (t != null && t.stage.name.equals("affinity")) {
          metrics = t.stage.metrics;
        }
      }
      blocking.deferred = metrics.deferred;
      blocking.holder = holding.ctx;

      // the holding requests run on a thread of their own, one per round, told by a counter
      final AtomicInteger started = new AtomicInteger();
      final AtomicInteger finished = new AtomicInteger();
      final AtomicBoolean stop = new AtomicBoolean();
      final Thread holder = new Thread(() -> {
        int round = 0;
        while (!stop.get()) {
          if (started.get() > round) {
            holding.run();
            finished.set(++round);
          } else {
            Thread.onSpinWait();
          }
        }
      }, "holding-requests");
      holder.start();
      final Runnable pair = () -> {
        final int round = started.incrementAndGet();
        while (blocking.held.get() < round) {
          Thread.onSpinWait(); // the holding call has the stage's only thread
        }
        queued.run();
        while (finished.get() < round) {
          Thread.onSpinWait();
        }
      };
      try {
        final long[] threads = Arrays.copyOf(stagePool.threadIds(), 3);
        threads[2] = holder.getId();
        assertThat(Allocations.steadyStateBytes(REQUESTS, pair, threads))
            .as("bytes over %d pairs on the caller, the holding thread and the stage pool",
                REQUESTS).isZero();
        final StageStats affinity = p.metrics().stage("affinity");
        assertThat(affinity.deferred()).as("every call of the second request was queued")
            .isEqualTo(started.get()).isEqualTo(queued.sent);
        assertThat(affinity.calls()).isEqualTo(holding.sent + queued.sent);
        assertThat(affinity.hung() + affinity.timeouts() + affinity.rejected()
            + affinity.failures()).isZero();
        holding.assertLastRequestServed();
        queued.assertLastRequestServed();

        // the control: the hydrator allocates one object every 25 calls on the stage pool's threads
        blocking.control = true;
        assertThat(poolBytes(stagePool.threadIds(), pair)).as("positive control on the stage pool")
            .isPositive();
      } finally {
        stop.set(true);
        holder.join();
      }
    }
  }

  /** Bytes the pool's threads allocate over {@value #REQUESTS} runs of {@code request}. */
  private static long poolBytes(long[] threads, Runnable request) {
    final long before = Allocations.threadsBytes(threads);
    for (int i = 0; i < REQUESTS; i++) {
      request.run();
    }
    return Allocations.threadsBytes(threads) - before;
  }

  /** Waits for {@code latch} through interrupts, then restores the thread's interrupt flag. */
  static void awaitUninterruptibly(CountDownLatch latch) {
    boolean interrupted = false;
    while (true) {
      try {
        latch.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
