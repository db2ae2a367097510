package dev.trawl.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Stages that may block run where they can be abandoned: a request never waits for one past its
 * deadline plus the slack, a hung stage is counted and isolated (refused once the hung-stage limit
 * of its calls is still running; its pool threads bounded by its share of the pool, see
 * {@code BlockingStageThreadBoundTest}), and nothing falls back to the request thread. Hangs are latches, never clocks:
 * every assertion is on pages, flags and counters, and "returned before the stage finished" is a
 * latch the stage has not passed yet when {@code execute} returns.
 */
class PipelineDeadlineTest {
  private static final Feature AFFINITY = Feature.candidate("affinity", 0.25f);
  private static final Duration GUARD = Duration.ofSeconds(20);
  private static final int PAGE = 10;

  /** Ten candidates, ids 1..10, source score 1/id. */
  private static final CandidateSource TEN = (ctx, out) -> {
    for (int i = 1; i <= PAGE; i++) {
      out.add(i, 1f / i);
    }
  };

  /** Score = the hydrated affinity (so a page shows whether the hydrator's column was used). */
  private static final Scorer BY_AFFINITY = new Scorer() {
    @Override
    public Feature[] reads() {
      return new Feature[] {AFFINITY};
    }

    @Override
    public boolean mayBlock() {
      return false;
    }

    @Override
    public void score(RequestContext ctx, CandidateBatch batch) {
      final float[] a = batch.featureColumn(AFFINITY);
      for (int r = 0; r < batch.size(); r++) {
        batch.setScore(r, a[r]);
      }
    }
  };

  /**
   * A hydrator that writes affinity 0.9 to every row, then blocks on {@link #gate} (while it is
   * closed); it ignores interrupts when told to, and counts what happened to it.
   */
  static final class Blocking implements CandidateHydrator {
    volatile CountDownLatch gate = new CountDownLatch(0);
    volatile boolean ignoreInterrupts;
    volatile boolean writeAfterRelease;
    final AtomicInteger entered = new AtomicInteger();
    final AtomicInteger exited = new AtomicInteger();
    final AtomicInteger interrupted = new AtomicInteger();
    final Set<String> threads = ConcurrentHashMap.newKeySet();
    final Set<Object> scratchSeen = ConcurrentHashMap.newKeySet();

    @Override
    public Feature[] writes() {
      return new Feature[] {AFFINITY};
    }

    @Override
    public Object newScratch() {
      return new int[1];
    }

    @Override
    public void hydrate(RequestContext ctx, CandidateBatch batch) {
      final CountDownLatch g = gate;
      final boolean scribble = writeAfterRelease;
      entered.incrementAndGet();
      threads.add(Thread.currentThread().getName());
      scratchSeen.add(ctx.scratch());
      final float[] a = batch.featureColumn(AFFINITY);
      for (int r = 0; r < batch.size(); r++) {
        a[r] = 0.9f;
      }
      try {
        while (true) {
          try {
            g.await();
            break;
          } catch (InterruptedException e) {
            interrupted.incrementAndGet();
            if (!ignoreInterrupts) {
              throw new IllegalStateException("interrupted", e);
            }
          }
        }
        if (scribble) {
          // a late stage scribbles over what it was given: the context must no longer hold it
          for (int r = 0; r < batch.size(); r++) {
            a[r] = 1000f;
          }
          ((int[]) ctx.scratch())[0] = 42;
        }
      } finally {
        exited.incrementAndGet();
      }
    }

    void block() {
      gate = new CountDownLatch(1);
    }

    void release() {
      gate.countDown();
    }
  }

  private WorkerPool pool;
  private Blocking hydrator;

  @BeforeEach
  void setUp() {
    pool = new WorkerPool(4, 64);
    hydrator = new Blocking();
  }

  @AfterEach
  void tearDown() {
    hydrator.release();
    pool.close();
  }

  private PipelineBuilder pipeline(long timeoutMillis) {
    return Pipeline.builder("deadline").sourcesOnCallerThread().blockingStagesOn(pool)
        .pageSize(PAGE).timeout(timeoutMillis, TimeUnit.MILLISECONDS)
        .source("ten", TEN)
        .hydrator("affinity", hydrator)
        .scorer("by-affinity", BY_AFFINITY);
  }

  private static void awaitNoneStillHung(Pipeline p, String stage) throws InterruptedException {
    while (p.metrics().stage(stage).stillHung() != 0) {
      Thread.sleep(1);
    }
  }

  @Test
  void aHydratorSleepingTwoSecondsUnderA100MsDeadlineGivesEveryRequestAFullDegradedPage() {
    final int requests = 10;
    final AtomicInteger interruptedSleeps = new AtomicInteger();
    final CandidateHydrator sleeps = new CandidateHydrator() {
      @Override
      public Feature[] writes() {
        return new Feature[] {AFFINITY};
      }

      @Override
      public void hydrate(RequestContext ctx, CandidateBatch batch) {
        try {
          Thread.sleep(2_000);
        } catch (InterruptedException e) {
          interruptedSleeps.incrementAndGet();
          Thread.currentThread().interrupt();
        }
      }
    };
    final Pipeline p = Pipeline.builder("driver").sourcesOnCallerThread().blockingStagesOn(pool)
        .pageSize(PAGE).timeout(100, TimeUnit.MILLISECONDS)
        .source("ten", TEN).hydrator("sleeps", sleeps).scorer("by-affinity", BY_AFFINITY).build();
    assertTimeoutPreemptively(GUARD, () -> {
      final RequestContext ctx = p.newContext();
      final PipelineResult page = new PipelineResult();
      for (int i = 0; i < requests; i++) {
        ctx.reset();
        p.execute(ctx, page);
        assertThat(page.size()).as("request %d", i).isEqualTo(PAGE);
        assertThat(page.degraded()).as("request %d", i).isTrue();
        for (int r = 0; r < PAGE; r++) {
          assertThat(page.score(r)).isEqualTo(AFFINITY.defaultValue());
        }
        awaitNoneStillHung(p, "sleeps");
      }
      final StageStats s = p.metrics().stage("sleeps");
      // a request the machine stalled past the deadline before the hydrator started skips it
      assertThat(s.hung() + s.skipped()).isEqualTo(requests);
      assertThat(s.hung()).isPositive();
      assertThat(s.timeouts()).isEqualTo(s.hung());
      // the abandoned sleeps were interrupted: no request waited the 2 s out
      assertThat(interruptedSleeps.get()).isEqualTo((int) s.hung());
      assertThat(p.metrics().degradedRequests()).isEqualTo(requests);
    });
  }

  @Test
  void aStageIgnoringInterruptsIsAbandonedAndItsLateWritesNeverReachTheContext() {
    hydrator.ignoreInterrupts = true;
    hydrator.writeAfterRelease = true;
    hydrator.block();
    final CountDownLatch firstCall = hydrator.gate;
    // in the second request, between the hydrator and the scorer: let the first (hung) call write
    // 1000 into the batch it was given, and wait until it has
    final AtomicReference<CountDownLatch> releaseLate = new AtomicReference<>();
    final CandidateRule lateWriterReturns = new CandidateRule() {
      @Override
      public boolean mayBlock() {
        return false;
      }

      @Override
      public void apply(RequestContext ctx, CandidateBatch batch) {
        final CountDownLatch l = releaseLate.get();
        if (l != null) {
          l.countDown();
          while (hydrator.exited.get() < 2) {
            Thread.onSpinWait();
          }
        }
      }
    };
    final Pipeline p = Pipeline.builder("late-writes").sourcesOnCallerThread()
        .blockingStagesOn(pool).pageSize(PAGE).timeout(150, TimeUnit.MILLISECONDS)
        .source("ten", TEN).hydrator("affinity", hydrator)
        .rule("late-writer-returns", lateWriterReturns)
        .scorer("by-affinity", BY_AFFINITY).build();
    assertTimeoutPreemptively(GUARD, () -> {
      final RequestContext ctx = p.newContext();
      final PipelineResult page = new PipelineResult();
      p.execute(ctx, page);
      // returned while the stage is still blocked
      assertThat(hydrator.entered.get()).isEqualTo(1);
      assertThat(hydrator.exited.get()).isZero();
      assertThat(page.size()).isEqualTo(PAGE);
      assertThat(page.degraded()).isTrue();
      assertThat(page.score(0)).isEqualTo(AFFINITY.defaultValue()); // its 0.9 was undone
      final StageStats s = p.metrics().stage("affinity");
      assertThat(s.hung()).isEqualTo(1);
      assertThat(s.stillHung()).isEqualTo(1);
      while (hydrator.interrupted.get() == 0) {
        Thread.onSpinWait(); // the abandoning interrupt reached it (ignored)
      }

      // second request on the same context: the hydrator answers at once this time; the hung first
      // call comes back mid-request and scribbles over its old batch and scratch
      hydrator.gate = new CountDownLatch(0);
      hydrator.writeAfterRelease = false;
      releaseLate.set(firstCall);
      ctx.reset();
      p.execute(ctx, page);
      assertThat(hydrator.exited.get()).isEqualTo(2);
      assertThat(page.degraded()).isFalse();
      for (int r = 0; r < PAGE; r++) {
        assertThat(page.score(r)).as("row %d", r).isEqualTo(0.9f);
      }
      assertThat(hydrator.scratchSeen).hasSize(2); // a fresh scratch after the abandonment
      for (Object scratch : hydrator.scratchSeen) {
        assertThat(((int[]) scratch)[0]).isEqualTo(scratch == ctx.scratchOf(hydrator) ? 0 : 42);
      }
      awaitNoneStillHung(p, "affinity");
    });
  }

  @Test
  void aBlockingStageThatReturnsBeforeTheDeadlineIsUsed() {
    final Pipeline p = pipeline(10_000).build();
    assertTimeoutPreemptively(GUARD, () -> {
      final RequestContext ctx = p.newContext();
      final PipelineResult page = new PipelineResult();
      for (int i = 0; i < 20; i++) {
        ctx.reset();
        p.execute(ctx, page);
        assertThat(page.degraded()).isFalse();
        assertThat(page.score(PAGE - 1)).isEqualTo(0.9f);
      }
      final StageStats s = p.metrics().stage("affinity");
      assertThat(s.calls()).isEqualTo(20);
      assertThat(s.hung()).isZero();
      assertThat(s.timeouts()).isZero();
      assertThat(s.latencyCount()).isEqualTo(20);
    });
  }

  @Test
  void aBlockingStageThatThrowsFailsOpenWithItsColumnsReset() {
    final CandidateHydrator throwsAfterWriting = new CandidateHydrator() {
      @Override
      public Feature[] writes() {
        return new Feature[] {AFFINITY};
      }

      @Override
      public void hydrate(RequestContext ctx, CandidateBatch batch) {
        batch.featureColumn(AFFINITY)[0] = 7f;
        throw new IllegalStateException("store down");
      }
    };
    final Pipeline p = Pipeline.builder("throws").sourcesOnCallerThread().blockingStagesOn(pool)
        .pageSize(PAGE).source("ten", TEN).hydrator("affinity", throwsAfterWriting)
        .scorer("by-affinity", BY_AFFINITY).build();
    final RequestContext ctx = p.newContext().traceNextRequest();
    final PipelineResult page = new PipelineResult();
    p.execute(ctx, page);
    assertThat(page.degraded()).isTrue();
    assertThat(page.failedOpenStages()).isEqualTo(1);
    assertThat(page.score(0)).isEqualTo(AFFINITY.defaultValue());
    assertThat(page.trace().step("affinity").error()).contains("store down");
    final StageStats s = p.metrics().stage("affinity");
    assertThat(s.failures()).isEqualTo(1);
    assertThat(s.hung()).isZero();
  }

  @Test
  void aRequiredBlockingStageThatHangsFailsTheRequestNamingIt() {
    hydrator.block();
    final Pipeline p = pipeline(100).hydrator("required-affinity", new Blocking(),
        StageOptions.failClosed()).build();
    // the first hydrator blocks and is optional; the required one after it finds the deadline passed
    final Blocking required = (Blocking) p.stage("required-affinity");
    required.block();
    assertTimeoutPreemptively(GUARD, () -> {
      assertThatThrownBy(() -> p.execute(p.newContext(), new PipelineResult()))
          .isInstanceOfSatisfying(PipelineException.class, e -> {
            assertThat(e.kind()).isEqualTo(PipelineException.Kind.STAGE_FAILURE);
            assertThat(e.stage()).isEqualTo("required-affinity");
          })
          .hasMessageContaining("did not return by the request deadline");
      assertThat(p.metrics().stage("required-affinity").timeouts()).isEqualTo(1);
      assertThat(p.metrics().request().failures()).isEqualTo(1);
    });
    required.release();
  }

  @Test
  void afterTheHungLimitNewCallsAreRefusedWithoutTakingAThreadAndResumeWhenTheStageReturns() {
    hydrator.ignoreInterrupts = true;
    hydrator.block();
    final Pipeline p = pipeline(100).hungStageLimit(2).build();
    assertTimeoutPreemptively(GUARD, () -> {
      final RequestContext ctx = p.newContext();
      final PipelineResult page = new PipelineResult();
      for (int i = 0; i < 6; i++) {
        ctx.reset();
        p.execute(ctx, page);
        assertThat(page.size()).isEqualTo(PAGE);
        assertThat(page.degraded()).isTrue();
      }
      StageStats s = p.metrics().stage("affinity");
      assertThat(hydrator.entered.get()).as("threads taken by the hung stage").isEqualTo(2);
      assertThat(s.hung()).isEqualTo(2);
      assertThat(s.stillHung()).isEqualTo(2);
      assertThat(s.rejected()).isEqualTo(4);
      assertThat(s.failures()).isEqualTo(4);
      assertThat(pool.busyThreads()).isEqualTo(2);

      // the store comes back: the hung calls return, and the stage is called again
      hydrator.release();
      awaitNoneStillHung(p, "affinity");
      ctx.reset();
      p.execute(ctx, page);
      assertThat(page.degraded()).isFalse();
      assertThat(page.score(0)).isEqualTo(0.9f);
      s = p.metrics().stage("affinity");
      assertThat(hydrator.entered.get()).isEqualTo(3);
      assertThat(s.rejected()).isEqualTo(4);
      assertThat(s.stillHung()).isZero();
    });
  }

  @Test
  void anExhaustedPoolAbandonsTheQueuedStageAndNeverRunsItOnTheRequestThread() {
    pool.close();
    pool = new WorkerPool(1, 2);
    // another pipeline's hung stage holds the pool's only thread
    final Blocking hog = new Blocking();
    hog.ignoreInterrupts = true;
    hog.block();
    final Pipeline hogging = Pipeline.builder("hog").sourcesOnCallerThread().blockingStagesOn(pool)
        .timeout(500, TimeUnit.MILLISECONDS).source("ten", TEN).hydrator("hog", hog).build();
    // a share above what the pool can take, so the pool's own queue fills and refuses (with the
    // default share of 1 the stage's calls would wait in its own queue instead, see
    // BlockingStageThreadBoundTest)
    final Pipeline p = pipeline(200).hungStageLimit(100).threadsPerBlockingStage(4).build();
    try {
      assertTimeoutPreemptively(GUARD, () -> {
        hogging.execute(hogging.newContext(), new PipelineResult());
        assertThat(hog.entered.get()).isEqualTo(1);
        final RequestContext ctx = p.newContext();
        final PipelineResult page = new PipelineResult();
        for (int i = 0; i < 4; i++) {
          ctx.reset();
          p.execute(ctx, page);
          assertThat(page.size()).isEqualTo(PAGE);
          assertThat(page.degraded()).isTrue();
        }
        final StageStats s = p.metrics().stage("affinity");
        assertThat(hydrator.entered.get()).as("never ran, on any thread").isZero();
        // two requests queued it and gave up (the queue holds 2); the queue then refused it
        assertThat(s.timeouts()).isEqualTo(2);
        assertThat(s.hung()).as("never started, so never hung").isZero();
        assertThat(s.rejected()).isEqualTo(2);
        assertThat(s.failures()).isEqualTo(2);
      });
    } finally {
      hog.release();
    }
  }

  @Test
  void anInterruptedRequestThreadStopsWaitingAndKeepsItsFlag() {
    hydrator.block();
    final Pipeline p = pipeline(60_000).build();
    assertTimeoutPreemptively(GUARD, () -> {
      final PipelineResult page = new PipelineResult();
      Thread.currentThread().interrupt();
      try {
        p.execute(p.newContext(), page);
        assertThat(Thread.currentThread().isInterrupted()).isTrue();
      } finally {
        Thread.interrupted();
      }
      assertThat(page.size()).isEqualTo(PAGE);
      assertThat(page.degraded()).isTrue();
      assertThat(p.metrics().stage("affinity").timeouts()).isEqualTo(1);
    });
  }

  @Test
  void blockingStagesRunOnTheStagePoolWithTheirOwnScratchAndOthersOnTheRequestThread() {
    final AtomicReference<String> scorerThread = new AtomicReference<>();
    final Scorer quick = new Scorer() {
      @Override
      public boolean mayBlock() {
        return false;
      }

      @Override
      public void score(RequestContext ctx, CandidateBatch batch) {
        scorerThread.set(Thread.currentThread().getName());
      }
    };
    final Pipeline p = pipeline(10_000).scorer("quick", quick).build();
    final RequestContext ctx = p.newContext();
    p.execute(ctx, new PipelineResult());
    p.execute(ctx, new PipelineResult());
    assertThat(scorerThread.get()).isEqualTo(Thread.currentThread().getName());
    assertThat(hydrator.threads).allSatisfy(t -> assertThat(t).startsWith("trawl-worker-"));
    assertThat(hydrator.threads).doesNotContain(Thread.currentThread().getName());
    // the stage's own scratch, the same object on both requests, whichever worker ran it
    assertThat(hydrator.scratchSeen).hasSize(1);
    assertThat(hydrator.scratchSeen.iterator().next()).isInstanceOf(int[].class);
  }

  @Test
  void aHungSideEffectDoesNotHoldThePageOrDegradeIt() {
    final CountDownLatch never = new CountDownLatch(1);
    final AtomicInteger ran = new AtomicInteger();
    final SideEffect hangs = (ctx, result) -> {
      ran.incrementAndGet();
      try {
        never.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
    final Pipeline p = pipeline(100).sideEffect("log", hangs).build();
    assertTimeoutPreemptively(GUARD, () -> {
      final PipelineResult page = new PipelineResult();
      p.execute(p.newContext(), page);
      assertThat(page.size()).isEqualTo(PAGE);
      assertThat(page.degraded()).isFalse();
      final StageStats s = p.metrics().stage("log");
      assertThat(s.timeouts()).isEqualTo(1);
      // it ran and was abandoned, or the deadline had passed before a worker picked it up
      assertThat(s.hung()).isEqualTo(ran.get());
    });
    never.countDown();
  }

  @Test
  void builderRejectsANegativeSlackAndANonPositiveHungLimit() {
    assertThatThrownBy(() -> Pipeline.builder("x").deadlineSlack(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("deadlineSlack");
    assertThatThrownBy(() -> Pipeline.builder("x").hungStageLimit(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("hungStageLimit");
  }
}
