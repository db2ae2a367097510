package dev.trawl.shadow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.trawl.pipeline.CandidateSink;
import dev.trawl.pipeline.CandidateSource;
import dev.trawl.pipeline.Feature;
import dev.trawl.pipeline.Pipeline;
import dev.trawl.pipeline.PipelineResult;
import dev.trawl.pipeline.RequestContext;
import dev.trawl.pipeline.Scorer;
import dev.trawl.pipeline.SideEffect;
import dev.trawl.pipeline.StageOptions;
import dev.trawl.pipeline.stages.SortByScore;
import dev.trawl.pipeline.testkit.FakeClock;
import dev.trawl.testing.DropSeen;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineShadowTest {
  private static final int USERS = 200;

  @TempDir Path dir;

  private final Pipeline primary = FeedPipelines.feed("primary", true, false, true);
  private final Pipeline primaryShadow = FeedPipelines.feed("primary-shadow", true, false, false);
  private final Pipeline withoutFilter = FeedPipelines.feed("no-filter", false, false, false);
  private final ShadowSchema schema = PipelineShadow.schema(primary, withoutFilter);
  private final RequestContext ctx = primary.newContext();
  private final PipelineResult page = new PipelineResult();

  private ShadowMode<RequestContext, PipelineResult> shadow(Pipeline candidate, Pipeline noise) {
    final ShadowMode.Builder<RequestContext, PipelineResult> b = ShadowMode
        .builder(schema, PipelineShadow.recorder(primary, schema), PipelineLane.live(candidate, schema))
        .sampleRate(1.0).queueCapacity(USERS);
    if (noise != null) {
      b.noiseFloor(PipelineLane.live(noise, schema));
    }
    return b.build();
  }

  private void serve(ShadowMode<RequestContext, PipelineResult> mode, long user) {
    FeedPipelines.request(ctx, user);
    final long start = System.nanoTime();
    primary.execute(ctx, page);
    mode.offer(ctx, page, System.nanoTime() - start);
  }

  @Test
  void identicalPipelineInShadowAgreesFullyAndRaisesNoFlag() throws Exception {
    try (ShadowMode<RequestContext, PipelineResult> mode = shadow(primaryShadow, primaryShadow)) {
      for (long u = 0; u < USERS; u++) {
        serve(mode, u);
      }
      assertThat(mode.awaitIdle(60, TimeUnit.SECONDS)).isTrue();
      final ShadowReport report = mode.report();
      assertThat(report.pagesCompared()).isEqualTo(USERS);
      assertThat(report.row("overlap@10").candidate()).isEqualTo(1.0);
      assertThat(report.row("rbo_ext(p=0.9)").candidate()).isCloseTo(1.0, within(1e-12));
      assertThat(report.row("score_psi").delta()).isCloseTo(0.0, within(1e-12));
      // latency rows compare wall-clock time, which tests never assert on; everything else is exact
      assertThat(report.flagged()).filteredOn(r -> !r.group().equals("latency")).isEmpty();
      // the primary's side effect never runs in shadow, so it is not reported as a missing stage
      assertThat(report.rows()).extracting(MetricRow::name).doesNotContain("stage_p99_us[impressions]")
          .contains("stage_p99_us[sort]", "removed[seen]", "removed[no_trending]");
    }
  }

  @Test
  void candidateWithoutTheTrendingFilterRaisesTrendingShareByTheComputedAmount() throws Exception {
    double expected = 0;
    for (long u = 0; u < USERS; u++) {
      expected += FeedPipelines.expectedTrendingShare(u);
    }
    expected /= USERS;
    try (ShadowMode<RequestContext, PipelineResult> mode = shadow(withoutFilter, primaryShadow)) {
      for (long u = 0; u < USERS; u++) {
        serve(mode, u);
      }
      assertThat(mode.awaitIdle(60, TimeUnit.SECONDS)).isTrue();
      final ShadowReport report = mode.report();
      final MetricRow share = report.row("share[trending]");
      assertThat(share.primary()).isEqualTo(0.0);
      assertThat(share.candidate()).isGreaterThan(0.3).isCloseTo(expected, within(1e-12));
      assertThat(share.noise()).isEqualTo(0.0);
      assertThat(share.flagged()).isTrue();
      assertThat(report.row("share[ann]").delta()).isCloseTo(-expected, within(1e-12));
      // funnels reported per request by both sides, so paired (no "pooled" note)
      final MetricRow funnel = report.row("removed[no_trending]");
      assertThat(funnel.primary()).isCloseTo(60.0 / 115, within(1e-12));
      assertThat(funnel.note()).isEqualTo("absent in candidate");
      assertThat(funnel.flagged()).isTrue();
      final MetricRow seen = report.row("removed[seen]");
      assertThat(seen.primary()).isCloseTo(5.0 / 120, within(1e-12));
      assertThat(seen.candidate()).isCloseTo(5.0 / 120, within(1e-12));
      assertThat(seen.flagged()).isFalse();
      assertThat(seen.note()).isEmpty();
      assertThat(seen.noise()).isZero();
      // stage latencies, per sampled request: present for every stage that ran on each side
      assertThat(report.row("stage_p99_us[sort]").candidate()).isGreaterThan(0);
      assertThat(report.row("stage_p99_us[no_trending]").note()).isEqualTo("absent in candidate");
    }
  }

  @Test
  void liveFunnelsDescribeOnlyTheSampledRequestsNotThePrimarysOtherTraffic() throws Exception {
    try (ShadowMode<RequestContext, PipelineResult> mode = shadow(primaryShadow, primaryShadow)) {
      // unsampled traffic in which "seen" removes 30 of 120 candidates, not 5
      mode.sampleRate(0.0);
      for (long u = 0; u < USERS; u++) {
        FeedPipelines.request(ctx, u);
        for (int i = FeedPipelines.SEEN_PER_USER; i < 30; i++) {
          ctx.seenIds().add(FeedPipelines.id(u, 0, i));
        }
        primary.execute(ctx, page);
        mode.offer(ctx, page, 1000);
      }
      mode.sampleRate(1.0);
      for (long u = 0; u < USERS; u++) {
        serve(mode, u);
      }
      assertThat(mode.awaitIdle(60, TimeUnit.SECONDS)).isTrue();
      final MetricRow seen = mode.report().row("removed[seen]");
      assertThat(seen.primary()).isCloseTo(5.0 / 120, within(1e-12));
      assertThat(seen.candidate()).isCloseTo(5.0 / 120, within(1e-12));
      assertThat(seen.delta()).isZero();
      assertThat(mode.report().pagesCompared()).isEqualTo(USERS);
    }
  }

  @Test
  void stochasticStagesShareTheSeedSoOnlyTheNoiseFloorRunDiffers() throws Exception {
    final Pipeline blended = FeedPipelines.feed("blended", false, true, false);
    final Pipeline blendedAgain = FeedPipelines.feed("blended-again", false, true, false);
    try (ShadowMode<RequestContext, PipelineResult> mode = ShadowMode
        .builder(schema, PipelineShadow.recorder(blended, schema), PipelineLane.live(blendedAgain, schema))
        .noiseFloor(PipelineLane.live(blendedAgain, schema)).sampleRate(1.0).queueCapacity(USERS).build()) {
      final RequestContext c = blended.newContext();
      for (long u = 0; u < USERS; u++) {
        FeedPipelines.request(c, u);
        blended.execute(c, page);
        mode.offer(c, page, 1000);
      }
      assertThat(mode.awaitIdle(60, TimeUnit.SECONDS)).isTrue();
      final ShadowReport report = mode.report();
      // same seed: the blender draws the same numbers, pages are identical
      assertThat(report.row("kendall_tau").candidate()).isEqualTo(1.0);
      // second seed: the A/A run reorders, which is the noise floor
      assertThat(report.row("kendall_tau").noise()).isGreaterThan(0.0);
      assertThat(report.row("kendall_tau").flagged()).isFalse();
    }
  }

  @Test
  void throwingCandidatePipelineLeavesThePrimaryPageUnchanged() throws Exception {
    final Scorer broken = (c, batch) -> {
      throw new IllegalStateException("scorer bug");
    };
    final Pipeline failing = Pipeline.builder("failing")
        .source("ann", new FeedPipelines.Generated(0))
        .source("trending", new FeedPipelines.Generated(1))
        .scorer("broken", broken)
        .pageSize(FeedPipelines.PAGE).sourcesOnCallerThread().build();
    final RequestContext reference = primaryShadow.newContext();
    final PipelineResult expected = new PipelineResult();
    try (ShadowMode<RequestContext, PipelineResult> mode = shadow(failing, null)) {
      for (long u = 0; u < 50; u++) {
        serve(mode, u);
        FeedPipelines.request(reference, u);
        primaryShadow.execute(reference, expected);
        assertThat(page.idsCopy()).containsExactly(expected.idsCopy());
      }
      assertThat(mode.awaitIdle(60, TimeUnit.SECONDS)).isTrue();
      assertThat(mode.candidateFailures()).isEqualTo(50);
      assertThat(mode.report().row("failure_rate").candidate()).isEqualTo(1.0);
    }
  }

  @Test
  void candidateWhoseSourceMissesItsTimeoutShowsInTheTimeoutRate() throws Exception {
    // the trending source advances a fake clock past its own 5 ms timeout: deterministic, no sleeping
    final FakeClock clock = new FakeClock();
    final FeedPipelines.Generated trending = new FeedPipelines.Generated(1);
    final CandidateSource slowTrending = new CandidateSource() {
      @Override
      public Feature[] writes() {
        return trending.writes();
      }

      @Override
      public void fetch(RequestContext c, CandidateSink out) {
        clock.advance(10, TimeUnit.MILLISECONDS);
        trending.fetch(c, out);
      }
    };
    final Pipeline slow = Pipeline.builder("slow")
        .source("ann", new FeedPipelines.Generated(0))
        .source("trending", slowTrending, StageOptions.defaults().timeout(5, TimeUnit.MILLISECONDS))
        .rule("seen", DropSeen.INSTANCE)
        .rule("no_trending", FeedPipelines.NO_TRENDING)
        .selector("sort", SortByScore.instance())
        .pageSize(FeedPipelines.PAGE).clock(clock).sourcesOnCallerThread().build();
    try (ShadowMode<RequestContext, PipelineResult> mode = shadow(slow, null)) {
      for (long u = 0; u < 40; u++) {
        serve(mode, u);
      }
      assertThat(mode.awaitIdle(60, TimeUnit.SECONDS)).isTrue();
      final ShadowReport report = mode.report();
      assertThat(report.row("timeout_rate").primary()).isEqualTo(0.0);
      assertThat(report.row("timeout_rate").candidate()).isEqualTo(1.0);
      assertThat(report.row("timeout_rate").flagged()).isTrue();
      // the late source is dropped, and the filter removed trending anyway: the pages still agree
      assertThat(report.row("jaccard").candidate()).isEqualTo(1.0);
    }
  }

  @Test
  void samplingRequestsForReplayAllocatesNothingOnTheRequestThread() throws Exception {
    try (RequestSampler<RequestContext> sampler = RequestSampler.start(
        PipelineShadow.capture(), RequestLog.writer(dir.resolve("alloc.trq")), 1.0, 64)) {
      for (int i = 0; i < 2_000; i++) {
        FeedPipelines.request(ctx, i % USERS);
        sampler.offer(ctx);
        if (i % 32 == 0) {
          sampler.flush(60, TimeUnit.SECONDS);
        }
      }
      final int ops = 10_000;
      long bytes = 0;
      for (int i = 0; i < ops; i++) {
        FeedPipelines.request(ctx, i % USERS);
        final long before = AllocationMeter.allocatedBytes();
        sampler.offer(ctx);
        bytes += AllocationMeter.allocatedBytes() - before;
        if (i % 32 == 0) {
          sampler.flush(60, TimeUnit.SECONDS);
        }
      }
      assertThat(sampler.flush(60, TimeUnit.SECONDS)).isTrue();
      assertThat(sampler.written() + sampler.dropped()).isEqualTo(12_000);
      assertThat((double) bytes / ops).isLessThan(1.0);
    }
  }

  @Test
  void aCaptureThatThrowsIsCountedAndLosesOnlyThatSample() throws Exception {
    final RequestCapture<RequestContext> real = PipelineShadow.capture();
    final int[] calls = {0};
    final RequestCapture<RequestContext> everyThirdThrows = (c, record) -> {
      if (++calls[0] % 3 == 0) {
        throw new IllegalStateException("capture bug");
      }
      real.capture(c, record);
    };
    try (RequestSampler<RequestContext> sampler = RequestSampler.start(
        everyThirdThrows, RequestLog.writer(dir.resolve("throws.trq")), 1.0, 64)) {
      int queued = 0;
      for (int i = 0; i < 30; i++) {
        FeedPipelines.request(ctx, i % USERS);
        queued += sampler.offer(ctx) ? 1 : 0;
        assertThat(sampler.flush(60, TimeUnit.SECONDS)).isTrue();
      }
      assertThat(queued).isEqualTo(20);
      assertThat(sampler.captureFailures()).isEqualTo(10);
      assertThat(sampler.written()).isEqualTo(20);
      assertThat(sampler.dropped()).isZero();
    }
  }

  /** Counts the requests whose page it saw, like an impression log. */
  private static final class CountingSideEffect implements SideEffect {
    final AtomicLong pages = new AtomicLong();

    @Override
    public void apply(RequestContext c, PipelineResult p) {
      pages.incrementAndGet();
    }
  }

  @Test
  void aPipelineWithASideEffectShadowsItselfWithoutRunningTheSideEffectAndGetsTheSamePages()
      throws Exception {
    final CountingSideEffect impressions = new CountingSideEffect();
    final Pipeline served = Pipeline.builder("served")
        .source("ann", new FeedPipelines.Generated(0))
        .source("trending", new FeedPipelines.Generated(1))
        .rule("seen", DropSeen.INSTANCE)
        .rule("no_trending", FeedPipelines.NO_TRENDING)
        .selector("sort", SortByScore.instance())
        .sideEffect("impressions", impressions)
        .pageSize(FeedPipelines.PAGE).sourcesOnCallerThread().build();
    final ShadowSchema own = PipelineShadow.schema(served);
    final RequestContext c = served.newContext();
    // the lanes run the very pipeline the host serves with, side effect and all
    try (ShadowMode<RequestContext, PipelineResult> mode = ShadowMode
        .builder(own, PipelineShadow.recorder(served, own), PipelineLane.live(served, own))
        .noiseFloor(PipelineLane.live(served, own)).sampleRate(1.0).queueCapacity(USERS).build()) {
      for (long u = 0; u < USERS; u++) {
        FeedPipelines.request(c, u);
        served.execute(c, page);
        assertThat(c.shadow()).isFalse();
        mode.offer(c, page, 1000);
      }
      assertThat(mode.awaitIdle(60, TimeUnit.SECONDS)).isTrue();
      assertThat(mode.candidateFailures()).isZero();
      // primary runs logged their pages; the 2 x USERS shadow runs logged nothing
      assertThat(impressions.pages.get()).isEqualTo(USERS);
      assertThat(served.metrics().stage("impressions").calls()).isEqualTo(USERS);
      assertThat(served.metrics().stage("impressions").skipped()).isEqualTo(2L * USERS);
      // and served exactly the pages the side-effecting runs served
      final ShadowReport report = mode.report();
      assertThat(report.pagesCompared()).isEqualTo(USERS);
      assertThat(report.row("jaccard").candidate()).isEqualTo(1.0);
      assertThat(report.row("overlap@10").candidate()).isEqualTo(1.0);
      assertThat(report.row("kendall_tau").candidate()).isEqualTo(1.0);
      assertThat(report.row("removed[no_trending]").delta()).isZero();
      assertThat(report.flagged()).filteredOn(r -> !r.group().equals("latency")).isEmpty();
    }
  }

  @Test
  void theRecorderRefusesAContextOfAnotherPipelineNamingBothStageLists() throws Exception {
    final PipelineShadow.PipelineRecorder recorder = PipelineShadow.recorder(primary, schema);
    final RequestContext other = withoutFilter.newContext();
    FeedPipelines.request(other, 1);
    withoutFilter.execute(other, page);
    final RunRecord out = new RunRecord(schema, FeedPipelines.PAGE);
    assertThatThrownBy(() -> recorder.record(other, page, out))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the request's stages [ann, trending, seen, sort] are not those of pipeline "
            + "'primary' [ann, trending, seen, no_trending, sort, impressions]; pass a context of that "
            + "pipeline");
    assertThat(out.size()).isZero();
    // offered to a shadow, the same mistake is a counted capture failure, never an exception
    try (ShadowMode<RequestContext, PipelineResult> mode = shadow(primaryShadow, null)) {
      assertThat(mode.offer(other, page, 1000)).isFalse();
      assertThat(mode.captureFailures()).isEqualTo(1);
    }
  }

  @Test
  void lanesRefuseSourcesTheSchemaDoesNotName() {
    final ShadowSchema annOnly = ShadowSchema.builder().source("ann").build();
    assertThatThrownBy(() -> PipelineLane.live(primaryShadow, annOnly))
        .hasMessageContaining("sources [trending] of pipeline 'primary-shadow' are not in the shadow schema");
  }

  @Test
  void aCapturedRequestReplaysEveryIdSetIncludingMutedCommunities() {
    ctx.reset().userId(9).seed(4);
    ctx.seenIds().add(100);
    ctx.seenIds().add(101);
    ctx.blockedAuthors().add(7);
    ctx.mutedCommunities().add(3);
    ctx.followedCommunities().add(5);
    final RequestRecord record = new RequestRecord();
    PipelineShadow.capture().capture(ctx, record);
    assertThat(record.mutedCommunityCount()).isEqualTo(1);
    final RequestContext replayed = primaryShadow.newContext();
    PipelineShadow.apply(record, replayed, new dev.trawl.pipeline.Feature[0]);
    assertThat(replayed.userId()).isEqualTo(9);
    assertThat(replayed.seenIds().toString()).isEqualTo("IdSet[100, 101]");
    assertThat(replayed.blockedAuthors().contains(7)).isTrue();
    assertThat(replayed.mutedCommunities().contains(3)).isTrue();
    assertThat(replayed.followedCommunities().contains(5)).isTrue();
    final RequestContext copied = primaryShadow.newContext().copyInputsFrom(ctx);
    assertThat(copied.mutedCommunities().contains(3)).isTrue();
  }

  @Test
  void recordedRequestsReplayThroughTwoConfigurationsWithTheRuleFunnel() throws Exception {
    final Path log = dir.resolve("requests.trq");
    try (RequestSampler<RequestContext> sampler =
        RequestSampler.start(PipelineShadow.capture(), RequestLog.writer(log), 1.0, USERS)) {
      for (long u = 0; u < USERS; u++) {
        FeedPipelines.request(ctx, u);
        primary.execute(ctx, page);
        assertThat(sampler.offer(ctx)).isTrue();
      }
      assertThat(sampler.flush(60, TimeUnit.SECONDS)).isTrue();
      assertThat(sampler.written()).isEqualTo(USERS);
    }
    final List<RequestRecord> records = RequestLog.readAll(log);
    assertThat(records).hasSize(USERS);
    assertThat(records).extracting(RequestRecord::seenCount).containsOnly(FeedPipelines.SEEN_PER_USER);

    final ShadowReport report = ShadowReplay.builder(schema)
        .baseline(PipelineLane.replay(primaryShadow, schema))
        .candidate(PipelineLane.replay(withoutFilter, schema))
        .noiseFloor(PipelineLane.replay(FeedPipelines.feed("aa", true, false, false), schema))
        .title("trending rule off")
        .build()
        .run(log);
    double expectedShare = 0;
    for (long u = 0; u < USERS; u++) {
      expectedShare += FeedPipelines.expectedTrendingShare(u);
    }
    assertThat(report.requests()).isEqualTo(USERS);
    assertThat(report.row("share[trending]").candidate()).isCloseTo(expectedShare / USERS, within(1e-12));
    // the rule removed the whole trending source: 60 of the 115 candidates left after "seen"
    final MetricRow funnel = report.row("removed[no_trending]");
    assertThat(funnel.primary()).isCloseTo(60.0 / 115, within(1e-12));
    assertThat(funnel.note()).isEqualTo("absent in candidate");
    assertThat(report.row("removed[seen]").primary()).isCloseTo(5.0 / 120, within(1e-12));
    assertThat(report.row("removed[seen]").flagged()).isFalse();
    assertThat(report.row("stage_p99_us[seen]").primary()).isGreaterThan(0);
    assertThat(Files.size(log)).isGreaterThan(0);
  }

  @Test
  void primaryPathAndShadowPathAllocateNothingInSteadyState() throws Exception {
    try (ShadowMode<RequestContext, PipelineResult> mode = shadow(withoutFilter, primaryShadow)) {
      final long worker = mode.workerThreadIds()[0];
      for (int i = 0; i < 5_000; i++) {
        serve(mode, i % USERS);
        if (i % 64 == 0) {
          mode.awaitIdle(60, TimeUnit.SECONDS);
        }
      }
      assertThat(mode.awaitIdle(60, TimeUnit.SECONDS)).isTrue();
      final int ops = 10_000;
      final long completed = mode.completed();
      final long workerBefore = AllocationMeter.allocatedBytes(worker);
      long offerBytes = 0;
      for (int i = 0; i < ops; i++) {
        FeedPipelines.request(ctx, i % USERS);
        primary.execute(ctx, page);
        final long before = AllocationMeter.allocatedBytes();
        mode.offer(ctx, page, 1000);
        offerBytes += AllocationMeter.allocatedBytes() - before;
        if (i % 64 == 0) {
          mode.awaitIdle(60, TimeUnit.SECONDS);
        }
      }
      assertThat(mode.awaitIdle(60, TimeUnit.SECONDS)).isTrue();
      final long compared = mode.completed() - completed;
      final long workerBytes = AllocationMeter.allocatedBytes(worker) - workerBefore;
      assertThat(compared).isGreaterThan(ops / 2);
      assertThat((double) offerBytes / ops).isLessThan(1.0);
      assertThat((double) workerBytes / compared).isLessThan(1.0);
    }
  }
}
