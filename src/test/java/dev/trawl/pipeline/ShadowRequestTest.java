package dev.trawl.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.pipeline.testkit.Allocations;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A shadow request skips side effects and nothing else. */
class ShadowRequestTest {
  private static HomeFeedFixture feed;

  @BeforeAll
  static void corpus() {
    feed = new HomeFeedFixture(3_000, 16, 5);
  }

  /** A side effect that counts the page entries it saw (the host's impression log, say). */
  private static final class CountingImpressions implements SideEffect {
    final AtomicLong logged = new AtomicLong();

    @Override
    public void apply(RequestContext ctx, PipelineResult page) {
      logged.addAndGet(page.size());
    }
  }

  @Test
  void shadowRequestsSkipSideEffectsButServeTheSamePage() {
    final CountingImpressions impressions = new CountingImpressions();
    final Pipeline p = feed.builder(60).sideEffect("impressions", impressions)
        .sourcesOnCallerThread().build();
    final RequestContext live = p.newContext();
    final RequestContext shadow = p.newContext();
    final PipelineResult livePage = new PipelineResult();
    final PipelineResult shadowPage = new PipelineResult();
    for (int i = 0; i < 40; i++) {
      feed.request(live, i);
      p.execute(live, livePage);
      assertThat(impressions.logged.get()).as("request %d", i).isEqualTo(50L * (i + 1));
      shadow.copyInputsFrom(live).shadow(true);
      p.execute(shadow, shadowPage);
      assertThat(impressions.logged.get()).as("shadow %d adds nothing", i).isEqualTo(50L * (i + 1));
      assertThat(shadowPage.idsCopy()).as("page %d", i).containsExactly(livePage.idsCopy());
      assertThat(shadowPage.degraded()).isFalse();
      final int effect = p.stageNames().indexOf("impressions");
      assertThat(live.lastRequest().ran(effect)).isTrue();
      assertThat(shadow.lastRequest().ran(effect)).isFalse();
    }
    final StageStats effect = p.metrics().stage("impressions");
    assertThat(effect.calls()).isEqualTo(40);
    assertThat(effect.skipped()).isEqualTo(40);
    assertThat(effect.failures()).isZero();
  }

  @Test
  void theShadowFlagLastsUntilResetAndIsCopiedWithTheInputs() {
    final Pipeline p = feed.callerThreadPipeline(20);
    final RequestContext a = p.newContext();
    assertThat(a.shadow()).isFalse();
    a.shadow(true);
    assertThat(p.newContext().copyInputsFrom(a).shadow()).isTrue();
    assertThat(a.reset().shadow()).isFalse();
  }

  @Test
  void aTracedShadowRequestShowsTheSideEffectAsSkipped() {
    final CountingImpressions impressions = new CountingImpressions();
    final Pipeline p = Pipeline.builder("traced").sourcesOnCallerThread()
        .source("a", dev.trawl.pipeline.testkit.Candidates.ofIds(1, 2, 3))
        .sideEffect("impressions", impressions)
        .build();
    final RequestContext ctx = p.newContext();
    final PipelineResult page = new PipelineResult();
    ctx.reset().shadow(true).traceNextRequest();
    p.execute(ctx, page);
    assertThat(page.trace().step("impressions").outcome()).isEqualTo(Trace.Outcome.SKIPPED);
    assertThat(page.trace().step("impressions").error()).isEqualTo("shadow request");
    assertThat(impressions.logged.get()).isZero();
    assertThat(page.idsCopy()).containsExactly(1L, 2L, 3L);
  }

  @Test
  void aShadowRequestOfAPipelineWithSideEffectsAllocatesNothing() {
    final Pipeline p = feed.builder(60).sideEffect("impressions", new CountingImpressions())
        .sourcesOnCallerThread().build();
    final RequestContext ctx = p.newContext();
    final PipelineResult page = new PipelineResult();
    final int[] next = {0};
    final double perRequest = Allocations.bytesPerRun(() -> {
      feed.request(ctx, next[0]++);
      p.execute(ctx.shadow(true), page);
    }, 3_000, 10_000);
    assertThat(page.size()).isEqualTo(50);
    assertThat(perRequest).as("bytes per shadow request").isLessThan(1.0);
  }
}
