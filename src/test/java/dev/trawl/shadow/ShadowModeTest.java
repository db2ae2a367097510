package dev.trawl.shadow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.trawl.shadow.FakeHost.Behaviour;
import dev.trawl.shadow.FakeHost.Lane;
import dev.trawl.shadow.FakeHost.Request;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ShadowModeTest {
  private static final ShadowSchema SCHEMA = SyntheticRuns.SCHEMA;
  /** A hang guard only: these tests assert counts, never durations. */
  private static final Duration HANG_GUARD = Duration.ofSeconds(60);

  private final SyntheticRuns primaryRuns = new SyntheticRuns(FakeHost.POOL);
  private final Request request = new Request();
  private final RunRecord result = new RunRecord(SCHEMA, FakeHost.PAGE);

  private ShadowMode<Request, RunRecord> mode(Lane candidate, Lane noise, int capacity, double rate) {
    final ShadowMode.Builder<Request, RunRecord> b =
        ShadowMode.builder(SCHEMA, FakeHost.RECORDER, candidate).queueCapacity(capacity).sampleRate(rate);
    if (noise != null) {
      b.noiseFloor(noise);
    }
    return b.build();
  }

  private boolean serve(ShadowMode<Request, RunRecord> mode, long number) {
    request.number = number;
    request.seed = number * 31 + 7;
    FakeHost.answer(primaryRuns, request, result, 0);
    return mode.offer(request, result, 1000);
  }

  @Test
  void identicalCandidateAndNoiseFloorGiveFullAgreementAndNoFlags() throws Exception {
    try (ShadowMode<Request, RunRecord> mode =
        mode(new Lane(true, 0, Behaviour.NORMAL), new Lane(true, 0, Behaviour.NORMAL), 512, 1.0)) {
      for (long n = 0; n < 300; n++) {
        assertThat(serve(mode, n)).isTrue();
      }
      assertThat(mode.awaitIdle(60, TimeUnit.SECONDS)).isTrue();
      final ShadowReport report = mode.report();
      assertThat(report.requests()).isEqualTo(300);
      assertThat(report.noiseRequests()).isEqualTo(300);
      assertThat(report.row("overlap@10").candidate()).isEqualTo(1.0);
      assertThat(report.row("rbo_ext(p=0.9)").candidate()).isCloseTo(1.0, within(1e-12));
      assertThat(report.row("score_psi").delta()).isCloseTo(0.0, within(1e-12));
      assertThat(report.flagged()).isEmpty();
    }
  }

  @Test
  void candidateWithoutTheFilterShowsTheRiseInTheFilteredSourceShare() throws Exception {
    try (ShadowMode<Request, RunRecord> mode =
        mode(new Lane(false, 0, Behaviour.NORMAL), new Lane(true, 0, Behaviour.NORMAL), 512, 1.0)) {
      double expected = 0;
      final SyntheticRuns unfiltered = new SyntheticRuns(FakeHost.POOL);
      final RunRecord page = new RunRecord(SCHEMA, FakeHost.PAGE);
      for (long n = 0; n < 200; n++) {
        serve(mode, n);
        unfiltered.drawPool(n);
        unfiltered.run(page, FakeHost.PAGE, false, 0, 0, 0);
        int trending = 0;
        for (int i = 0; i < page.size(); i++) {
          trending += page.source(i) == 2 ? 1 : 0;
        }
        expected += (double) trending / page.size();
      }
      expected /= 200;
      assertThat(mode.awaitIdle(60, TimeUnit.SECONDS)).isTrue();
      final MetricRow share = mode.report().row("share[trending]");
      assertThat(share.primary()).isEqualTo(0.0);
      assertThat(share.delta()).isGreaterThan(0.1).isCloseTo(expected, within(1e-12));
      assertThat(share.flagged()).isTrue();
    }
  }

  @Test
  void slowCandidateNeitherBlocksTheRequestThreadNorChangesThePrimaryAnswer() throws Exception {
    final Lane blocked = new Lane(false, 0, Behaviour.BLOCK);
    try (ShadowMode<Request, RunRecord> mode = mode(blocked, null, 4, 1.0)) {
      assertTimeoutPreemptively(HANG_GUARD, () -> {
        int queued = 0;
        for (long n = 0; n < 1000; n++) {
          final RunRecord before = new RunRecord(SCHEMA, FakeHost.PAGE);
          request.number = n;
          request.seed = n;
          FakeHost.answer(primaryRuns, request, result, 0);
          before.copyFrom(result);
          queued += mode.offer(request, result, 1000) ? 1 : 0;
          assertSamePage(result, before);
        }
        // four jobs exist: all four taken (one running, three queued), the rest dropped
        assertThat(queued).isEqualTo(4);
        assertThat(mode.dropped()).isEqualTo(996);
        assertThat(mode.report().dropped()).isEqualTo(996);
      });
      blocked.release.countDown();
      assertThat(mode.awaitIdle(60, TimeUnit.SECONDS)).isTrue();
      assertThat(mode.completed()).isEqualTo(4);
    }
  }

  @Test
  void throwingCandidateIsCountedAsFailedRunsAndNeverReachesThePrimary() throws Exception {
    try (ShadowMode<Request, RunRecord> mode = mode(new Lane(true, 0, Behaviour.THROW), null, 512, 1.0)) {
      final RunRecord before = new RunRecord(SCHEMA, FakeHost.PAGE);
      for (long n = 0; n < 100; n++) {
        assertThat(serve(mode, n)).isTrue();
        before.clear();
        FakeHost.answer(new SyntheticRuns(FakeHost.POOL), request, before, 0);
        assertSamePage(result, before);
      }
      assertThat(mode.awaitIdle(60, TimeUnit.SECONDS)).isTrue();
      assertThat(mode.candidateFailures()).isEqualTo(100);
      final ShadowReport report = mode.report();
      assertThat(report.row("failure_rate").candidate()).isEqualTo(1.0);
      assertThat(report.row("failure_rate").primary()).isEqualTo(0.0);
      assertThat(report.row("failure_rate").flagged()).isTrue();
      assertThat(report.pagesCompared()).isZero();
    }
  }

  @Test
  void captureThatThrowsIsCountedAndSwallowed() throws Exception {
    final PrimaryRecorder<Request, RunRecord> broken = (req, res, out) -> {
      throw new IllegalStateException("recorder bug");
    };
    try (ShadowMode<Request, RunRecord> mode = ShadowMode
        .builder(SCHEMA, broken, new Lane(true, 0, Behaviour.NORMAL)).sampleRate(1.0).build()) {
      for (long n = 0; n < 50; n++) {
        assertThat(serve(mode, n)).isFalse();
      }
      assertThat(mode.captureFailures()).isEqualTo(50);
      assertThat(mode.awaitIdle(60, TimeUnit.SECONDS)).isTrue();
      assertThat(mode.report().requests()).isZero();
    }
  }

  @Test
  void sampleRateIsSetAtRunTime() throws Exception {
    try (ShadowMode<Request, RunRecord> mode = mode(new Lane(true, 0, Behaviour.NORMAL), null, 4096, 0.0)) {
      for (long n = 0; n < 1000; n++) {
        serve(mode, n);
      }
      assertThat(mode.sampled()).isZero();
      mode.sampleRate(1.0);
      for (long n = 0; n < 1000; n++) {
        serve(mode, n);
      }
      assertThat(mode.sampled()).isEqualTo(1000);
      mode.sampleRate(0.25);
      for (long n = 0; n < 4000; n++) {
        serve(mode, n);
      }
      // binomial(4000, 0.25): mean 1000, sd 27; six standard deviations either side
      assertThat(mode.sampled() - 1000).isBetween(838L, 1162L);
      assertThatThrownBy(() -> mode.sampleRate(1.5)).hasMessageContaining("[0, 1], got 1.5");
      assertThat(mode.sampleRate()).isEqualTo(0.25);
    }
  }

  @Test
  void rollWindowReturnsTheClosedWindowAndStartsAnEmptyOne() throws Exception {
    try (ShadowMode<Request, RunRecord> mode = mode(new Lane(true, 0, Behaviour.NORMAL), null, 512, 1.0)) {
      for (long n = 0; n < 40; n++) {
        serve(mode, n);
      }
      assertThat(mode.awaitIdle(60, TimeUnit.SECONDS)).isTrue();
      assertThat(mode.rollWindow().requests()).isEqualTo(40);
      assertThat(mode.report().requests()).isZero();
    }
  }

  @Test
  void concurrentOffersAreEachQueuedOrDroppedAndEveryQueuedOneIsCompared() throws Exception {
    try (ShadowMode<Request, RunRecord> mode = ShadowMode
        .builder(SCHEMA, FakeHost.RECORDER, new Lane(false, 2, Behaviour.NORMAL))
        .sampleRate(1.0).queueCapacity(8).workers(2).build()) {
      final int perThread = 3_000;
      final long[] queued = new long[2];
      final Thread[] threads = new Thread[2];
      for (int t = 0; t < 2; t++) {
        final int id = t;
        threads[t] = new Thread(() -> {
          final SyntheticRuns runs = new SyntheticRuns(FakeHost.POOL);
          final Request req = new Request();
          final RunRecord res = new RunRecord(SCHEMA, FakeHost.PAGE);
          for (int i = 0; i < perThread; i++) {
            req.number = id * 100_000L + i;
            req.seed = i;
            FakeHost.answer(runs, req, res, 0);
            if (mode.offer(req, res, 1000)) {
              queued[id]++;
            }
          }
        });
        threads[t].start();
      }
      for (Thread t : threads) {
        t.join();
      }
      assertThat(mode.awaitIdle(60, TimeUnit.SECONDS)).isTrue();
      assertThat(mode.sampled()).isEqualTo(2L * perThread);
      assertThat(queued[0] + queued[1] + mode.dropped()).isEqualTo(2L * perThread);
      assertThat(mode.completed()).isEqualTo(queued[0] + queued[1]);
      assertThat(mode.report().requests()).isEqualTo(queued[0] + queued[1]);
      assertThat(mode.workerErrors()).isZero();
    }
  }

  @Test
  void offerAndShadowWorkAllocateNothingInSteadyState() throws Exception {
    try (ShadowMode<Request, RunRecord> mode =
        mode(new Lane(false, 3, Behaviour.NORMAL), new Lane(true, 3, Behaviour.NORMAL), 64, 1.0)) {
      final long worker = mode.workerThreadIds()[0];
      for (long n = 0; n < 20_000; n++) {
        serve(mode, n & 1023);
        if ((n & 31) == 0) {
          mode.awaitIdle(60, TimeUnit.SECONDS);
        }
      }
      assertThat(mode.awaitIdle(60, TimeUnit.SECONDS)).isTrue();
      final int ops = 20_000;
      final long completedBefore = mode.completed();
      final long workerBefore = AllocationMeter.allocatedBytes(worker);
      long requestThreadBytes = 0;
      for (long n = 0; n < ops; n++) {
        request.number = n & 1023;
        request.seed = n;
        FakeHost.answer(primaryRuns, request, result, 0);
        final long before = AllocationMeter.allocatedBytes();
        mode.offer(request, result, 1000);
        requestThreadBytes += AllocationMeter.allocatedBytes() - before;
        if ((n & 31) == 0) {
          mode.awaitIdle(60, TimeUnit.SECONDS);
        }
      }
      assertThat(mode.awaitIdle(60, TimeUnit.SECONDS)).isTrue();
      final long compared = mode.completed() - completedBefore;
      final long workerBytes = AllocationMeter.allocatedBytes(worker) - workerBefore;
      assertThat(compared).isGreaterThan(ops / 2);
      assertThat((double) requestThreadBytes / ops).isLessThan(1.0);
      assertThat((double) workerBytes / compared).isLessThan(1.0);
    }
  }

  private static void assertSamePage(RunRecord actual, RunRecord expected) {
    assertThat(actual.size()).isEqualTo(expected.size());
    for (int i = 0; i < actual.size(); i++) {
      assertThat(actual.id(i)).isEqualTo(expected.id(i));
      assertThat(actual.score(i)).isEqualTo(expected.score(i));
    }
  }
}
