package dev.trawl.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trawl.pipeline.stages.SortByScore;
import dev.trawl.pipeline.testkit.Candidates;
import dev.trawl.pipeline.testkit.FakeClock;
import dev.trawl.pipeline.testkit.StageTest;
import dev.trawl.testing.DropSeen;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PipelineFailureTest {
  static final Feature AFFINITY = Feature.candidate("affinity", 0.25f);

  private static final CandidateSource THROWS = (ctx, out) -> {
    out.add(99, 1f);
    throw new IllegalStateException("feature store down");
  };

  @Test
  void aSourceThatThrowsContributesNothingAndIsCounted() {
    final StageTest test = StageTest.with(Candidates.ofIds(1, 2)).source("broken", THROWS)
        .source("other", Candidates.ofIds(3));
    final StageTest.Outcome out = test.run();
    assertThat(out.ids()).containsExactly(1L, 2L, 3L);
    assertThat(out.degraded()).isTrue();
    assertThat(out.trace().step("broken").outcome()).isEqualTo(Trace.Outcome.FAILED_OPEN);
    assertThat(out.trace().step("broken").error()).contains("feature store down");
    final MetricsSnapshot m = test.pipeline().metrics();
    assertThat(m.stage("broken").failures()).isEqualTo(1);
    assertThat(m.degradedRequests()).isEqualTo(1);
  }

  @Test
  void aSourceSlowerThanItsTimeoutIsDiscardedOnTheCallerThread() {
    final FakeClock clock = new FakeClock();
    final CandidateSource slow = (ctx, out) -> {
      out.add(50, 1f);
      clock.advance(50, TimeUnit.MILLISECONDS);
    };
    final StageTest test = StageTest.with(Candidates.ofIds(1, 2)).clock(clock)
        .source("slow", slow, StageOptions.defaults().timeout(20, TimeUnit.MILLISECONDS));
    final StageTest.Outcome out = test.run();
    assertThat(out.ids()).containsExactly(1L, 2L);
    assertThat(out.trace().step("slow").outcome()).isEqualTo(Trace.Outcome.TIMED_OUT);
    assertThat(test.pipeline().metrics().stage("slow").timeouts()).isEqualTo(1);
  }

  @Test
  void aSourceReturningGarbageIdsLosesOnlyThoseIdsWhichAreCounted() {
    final CandidateSource garbage = (ctx, out) -> {
      out.add(-5, 1f);
      out.add(7, Float.NaN);
      out.add(1_000_000, 1f); // not a valid id for this host
      out.add(8, 0.5f);
      out.add(1, 0.5f);       // duplicate of the first source
    };
    final Pipeline p = Pipeline.builder("garbage").sourcesOnCallerThread()
        .validIds(id -> id >= 0 && id < 1000)
        .source("good", Candidates.ofIds(1, 2))
        .source("garbage", garbage)
        .build();
    final RequestContext ctx = p.newContext();
    final PipelineResult page = new PipelineResult();
    p.execute(ctx, page);
    assertThat(page.idsCopy()).containsExactly(1L, 2L, 8L);
    final StageStats s = p.metrics().stage("garbage");
    assertThat(s.invalid()).isEqualTo(3);
    assertThat(s.duplicates()).isEqualTo(1);
    assertThat(s.candidatesIn()).isEqualTo(5);
    assertThat(s.candidatesOut()).isEqualTo(1);
  }

  @Test
  void aRequiredRuleThatThrowsFailsTheRequestNamingTheStage() {
    final CandidateRule broken = (ctx, batch) -> {
      throw new IllegalStateException("bitmap missing");
    };
    final StageTest test = StageTest.with(Candidates.ofIds(1)).rule("safety", broken);
    assertThatThrownBy(test::run)
        .isInstanceOfSatisfying(PipelineException.class, e -> {
          assertThat(e.kind()).isEqualTo(PipelineException.Kind.STAGE_FAILURE);
          assertThat(e.stage()).isEqualTo("safety");
          assertThat(e.getCause()).hasMessage("bitmap missing");
        })
        .hasMessageContaining("required rule 'safety' failed")
        .hasMessageContaining("bitmap missing");
    assertThat(test.pipeline().metrics().request().failures()).isEqualTo(1);
  }

  @Test
  void aRequiredSourceThatTimesOutFailsTheRequest() {
    final FakeClock clock = new FakeClock();
    final CandidateSource slow = (ctx, out) -> clock.advance(1, TimeUnit.SECONDS);
    final StageTest test = StageTest.with(Candidates.ofIds(1)).clock(clock)
        .source("must", slow, StageOptions.failClosed().timeout(10, TimeUnit.MILLISECONDS));
    assertThatThrownBy(test::run)
        .isInstanceOfSatisfying(PipelineException.class,
            e -> assertThat(e.stage()).isEqualTo("must"))
        .hasMessageContaining("required source 'must' timed out (timeout 10 ms");
  }

  @Test
  void anOptionalRuleThatFailsMidwayRemovesNothing() {
    final CandidateRule half = (ctx, batch) -> {
      batch.remove(0);
      throw new IllegalStateException("oops");
    };
    final StageTest.Outcome out = StageTest.with(Candidates.ofIds(1, 2, 3))
        .rule("half", half, StageOptions.failOpen()).run();
    assertThat(out.ids()).containsExactly(1L, 2L, 3L);
    assertThat(out.degraded()).isTrue();
  }

  @Test
  void anOptionalHydratorThatFailsLeavesTheDeclaredDefaults() {
    final CandidateHydrator broken = (ctx, batch) -> {
      batch.setFeature(AFFINITY, 0, 9f);
      throw new IllegalStateException("timeout talking to feature store");
    };
    final Scorer byAffinity = (ctx, batch) -> {
      for (int r = 0; r < batch.size(); r++) {
        batch.setScore(r, batch.feature(AFFINITY, r));
      }
    };
    final StageTest.Outcome out = StageTest.with(Candidates.ofIds(1, 2))
        .hydrator("affinity", broken, StageOptions.defaults().writes(AFFINITY))
        .scorer("score", byAffinity, StageOptions.defaults().reads(AFFINITY))
        .run();
    assertThat(out.scores()).containsExactly(0.25f, 0.25f);
  }

  @Test
  void anOptionalScorerThatFailsLeavesThePreviousScores() {
    final Scorer broken = (ctx, batch) -> {
      batch.setScore(0, -100f);
      throw new ArithmeticException("division by zero");
    };
    final StageTest.Outcome out = StageTest.with(Candidates.builder().add(1, 0.5f).add(2, 0.4f).build())
        .scorer("boost", broken, StageOptions.failOpen()).run();
    assertThat(out.scores()).containsExactly(0.5f, 0.4f);
  }

  @Test
  void pastTheDeadlineOptionalStagesAreSkippedAndRequiredOnesStillRun() {
    final FakeClock clock = new FakeClock();
    final CandidateSource slow = (ctx, out) -> {
      out.add(1, 1f);
      out.add(2, 0.5f);
      clock.advance(2, TimeUnit.SECONDS);
    };
    final AtomicInteger optionalRuns = new AtomicInteger();
    final CandidateHydrator optional = (ctx, b) -> optionalRuns.incrementAndGet();
    final StageTest test = StageTest.with(slow).clock(clock)
        .hydrator("optional", optional)
        .rule("seen", DropSeen.INSTANCE);
    final StageTest.Outcome out = test.run(ctx -> ctx.timeout(1, TimeUnit.SECONDS).seenIds().add(2));
    assertThat(optionalRuns).hasValue(0);
    assertThat(out.ids()).containsExactly(1L);
    assertThat(out.trace().step("optional").outcome()).isEqualTo(Trace.Outcome.SKIPPED);
    assertThat(test.pipeline().metrics().stage("optional").skipped()).isEqualTo(1);
  }

  @Test
  void gatesSkipAStageOrThePipeline() {
    final Gate evenUsers = ctx -> ctx.userId() % 2 == 0;
    final StageTest test = StageTest.with(Candidates.ofIds(1, 2, 3))
        .selector("sort", SortByScore.instance())
        .rule("drop-first", (ctx, b) -> b.remove(0), StageOptions.defaults().when(evenUsers));
    assertThat(test.run(ctx -> ctx.userId(2)).ids()).containsExactly(2L, 3L);
    assertThat(test.run(ctx -> ctx.userId(3)).ids()).containsExactly(1L, 2L, 3L);
    assertThat(test.pipeline().metrics().stage("drop-first").skipped()).isEqualTo(1);

    final Pipeline gated = Pipeline.builder("gated").sourcesOnCallerThread().gate(evenUsers)
        .source("ids", Candidates.ofIds(1)).build();
    final PipelineResult page = new PipelineResult();
    gated.execute(gated.newContext().userId(1), page);
    assertThat(page.gatedOff()).isTrue();
    assertThat(page.size()).isZero();
  }

  @Test
  void aFailingSideEffectNeverFailsTheRequest() {
    final SideEffect broken = (ctx, page) -> {
      throw new IllegalStateException("impression log full");
    };
    final StageTest test = StageTest.with(Candidates.ofIds(1)).sideEffect("log", broken);
    final StageTest.Outcome out = test.run();
    assertThat(out.ids()).containsExactly(1L);
    assertThat(out.degraded()).as("the page itself is whole").isFalse();
    assertThat(test.pipeline().metrics().stage("log").failures()).isEqualTo(1);
  }

  @Test
  void aSelectorBreakingTheBatchContractIsAStageFailure() {
    final Selector bad = (ctx, b) -> {
      final int[] rows = b.rowScratch();
      rows[0] = 0;
      rows[1] = 0;
      b.keepRows(rows, 2);
    };
    assertThatThrownBy(StageTest.with(Candidates.ofIds(1, 2)).selector("bad", bad)::run)
        .hasMessageContaining("required selector 'bad' failed")
        .hasMessageContaining("row 0 is kept twice");
  }

  // ---------------------------------------------------------------- worker pool

  @Test
  void onTheWorkerPoolAHangingSourceIsAbandonedAndALateOneNeverWritesIntoTheReusedContext()
      throws Exception {
    final CountDownLatch release = new CountDownLatch(1);
    final CountDownLatch lateDone = new CountDownLatch(1);
    final AtomicInteger calls = new AtomicInteger();
    final CandidateSource sometimesHangs = (ctx, out) -> {
      if (calls.incrementAndGet() == 1) {
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        for (int i = 0; i < 100; i++) {
          out.add(666_000 + i, 100f); // the late result: must never reach a page
        }
        lateDone.countDown();
        return;
      }
      out.add(20, 0.9f);
    };
    // while request 2 runs, let the source of request 1 finish and write its late result
    final CandidateHydrator releaseLate = (ctx, batch) -> {
      if (ctx.userId() == 2) {
        release.countDown();
        try {
          lateDone.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
    try (WorkerPool pool = new WorkerPool(2, 64)) {
      final Pipeline p = Pipeline.builder("pool").sourcesOn(pool)
          .source("fast", Candidates.ofIds(1, 2))
          .source("hangs", sometimesHangs, StageOptions.defaults().timeout(300, TimeUnit.MILLISECONDS))
          .hydrator("release", releaseLate)
          .selector("sort", SortByScore.instance())
          .build();
      final RequestContext ctx = p.newContext();
      final PipelineResult page = new PipelineResult();

      p.execute(ctx.reset().userId(1), page);
      assertThat(page.idsCopy()).containsExactly(1L, 2L);
      assertThat(page.timedOutSources()).isEqualTo(1);

      p.execute(ctx.reset().userId(2), page);
      assertThat(lateDone.getCount()).isZero();
      assertThat(page.idsCopy()).containsExactly(1L, 2L, 20L);
      assertThat(p.replacedSourceTasks()).isEqualTo(1);

      p.execute(ctx.reset().userId(3), page);
      assertThat(page.idsCopy()).containsExactly(1L, 2L, 20L);
      final StageStats hangs = p.metrics().stage("hangs");
      assertThat(hangs.timeouts()).isEqualTo(1);
      assertThat(hangs.candidatesOut()).isEqualTo(2);
    }
  }

  @Test
  void aSourceAbandonedAgainTakesBackItsEarlierTaskOnceThatReturnedInsteadOfNewScratch()
      throws Exception {
    final CountDownLatch[] release = {new CountDownLatch(1), new CountDownLatch(1)};
    final AtomicInteger scratches = new AtomicInteger();
    // users 1 and 3 hang until released, then write a late result that must never reach a page
    final CandidateSource hangsForOddUsers = new CandidateSource() {
      @Override
      public Object newScratch() {
        scratches.incrementAndGet();
        return new Object();
      }

      @Override
      public void fetch(RequestContext ctx, CandidateSink out) {
        final long user = ctx.userId();
        if (user == 1 || user == 3) {
          try {
            release[(int) user / 2].await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          out.add(666_000 + user, 100f);
          return;
        }
        out.add(20, 0.9f);
      }
    };
    try (WorkerPool pool = new WorkerPool(2, 64)) {
      final Pipeline p = Pipeline.builder("pool").sourcesOn(pool)
          .source("fast", Candidates.ofIds(1, 2))
          .source("hangs", hangsForOddUsers,
              StageOptions.defaults().timeout(300, TimeUnit.MILLISECONDS))
          .selector("sort", SortByScore.instance())
          .build();
      final RequestContext ctx = p.newContext();
      final PipelineResult page = new PipelineResult();
      final int built = scratches.get();

      p.execute(ctx.reset().userId(1), page); // abandoned: the first task stays busy
      assertThat(page.timedOutSources()).isEqualTo(1);
      p.execute(ctx.reset().userId(2), page); // so a second task, with new scratch
      assertThat(page.idsCopy()).containsExactly(1L, 2L, 20L);
      assertThat(p.replacedSourceTasks()).isEqualTo(1);
      assertThat(scratches.get()).isEqualTo(built + 1);

      release[0].countDown(); // the first task's source returns
      final StageStats[] hangs = {p.metrics().stage("hangs")};
      for (int i = 0; i < 10_000 && hangs[0].stillHung() > 0; i++) {
        Thread.sleep(1);
        hangs[0] = p.metrics().stage("hangs");
      }
      assertThat(hangs[0].stillHung()).isZero();

      p.execute(ctx.reset().userId(3), page); // the second task is abandoned in turn
      assertThat(page.timedOutSources()).isEqualTo(1);
      p.execute(ctx.reset().userId(2), page); // takes the first task back: nothing new
      assertThat(page.idsCopy()).as("no late result of the task taken back").containsExactly(1L, 2L, 20L);
      assertThat(p.replacedSourceTasks()).isEqualTo(1);
      assertThat(scratches.get()).isEqualTo(built + 1);
      release[1].countDown();
    }
  }

  @Test
  void onTheWorkerPoolAThrowingSourceLeavesTheOthersIntact() {
    try (WorkerPool pool = new WorkerPool(2, 64)) {
      final Pipeline p = Pipeline.builder("pool").sourcesOn(pool)
          .source("a", Candidates.ofIds(1, 2)).source("broken", THROWS).source("c", Candidates.ofIds(3))
          .build();
      final RequestContext ctx = p.newContext();
      final PipelineResult page = new PipelineResult();
      for (int i = 0; i < 50; i++) {
        p.execute(ctx.reset(), page);
        assertThat(page.idsCopy()).containsExactly(1L, 2L, 3L);
      }
      assertThat(p.metrics().stage("broken").failures()).isEqualTo(50);
      assertThat(p.replacedSourceTasks()).isZero();
    }
  }

  @Test
  void aSourceAbandonedBeforeAnyWorkerStartedItNeverRunsForThatRequest() throws Exception {
    final CountDownLatch release = new CountDownLatch(1);
    final CountDownLatch firstDone = new CountDownLatch(1);
    final AtomicInteger aCalls = new AtomicInteger();
    final AtomicInteger bCalls = new AtomicInteger();
    final CandidateSource a = (ctx, out) -> {
      if (aCalls.incrementAndGet() == 1) {
        try {
          release.await(); // occupies the only worker
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        firstDone.countDown();
        return;
      }
      out.add(1, 1f);
    };
    final CandidateSource b = (ctx, out) -> {
      bCalls.incrementAndGet();
      out.add(2, 0.5f);
    };
    try (WorkerPool single = new WorkerPool(1, 16)) {
      final Pipeline p = Pipeline.builder("one-worker").sourcesOn(single)
          .source("a", a, StageOptions.defaults().timeout(200, TimeUnit.MILLISECONDS))
          .source("b", b, StageOptions.defaults().timeout(200, TimeUnit.MILLISECONDS))
          .build();
      final RequestContext ctx = p.newContext();
      final PipelineResult page = new PipelineResult();
      p.execute(ctx.reset(), page);
      assertThat(page.size()).isZero();
      assertThat(page.timedOutSources()).isEqualTo(2);

      release.countDown();
      firstDone.await(10, TimeUnit.SECONDS);
      p.execute(ctx.reset().timeout(30, TimeUnit.SECONDS), page);
      assertThat(page.idsCopy()).containsExactly(1L, 2L);
      assertThat(bCalls).as("b ran for the second request only").hasValue(1);
      assertThat(p.metrics().stage("b").timeouts()).isEqualTo(1);
    }
  }

  @Test
  @org.junit.jupiter.api.Timeout(60) // a hang guard only: without the fix the wait never ends
  void anInterruptedRequestThreadStopsWaitingForSourcesAndKeepsItsFlag() throws Exception {
    final CountDownLatch release = new CountDownLatch(1);
    final CandidateSource hangs = (ctx, out) -> {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
    final FakeClock frozen = new FakeClock(); // never advances: only the interrupt ends the wait
    try (WorkerPool pool = new WorkerPool(1, 16)) {
      final Pipeline p = Pipeline.builder("interrupted").sourcesOn(pool).clock(frozen)
          .source("hangs", hangs).build();
      final PipelineResult page = new PipelineResult();
      Thread.currentThread().interrupt();
      try {
        p.execute(p.newContext(), page);
        assertThat(Thread.currentThread().isInterrupted()).isTrue();
      } finally {
        Thread.interrupted();
        release.countDown();
      }
      assertThat(page.timedOutSources()).isEqualTo(1);
      assertThat(p.metrics().stage("hangs").timeouts()).isEqualTo(1);
    }
  }
}
