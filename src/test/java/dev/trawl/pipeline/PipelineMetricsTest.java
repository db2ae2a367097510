package dev.trawl.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.trawl.pipeline.stages.SortByScore;
import dev.trawl.pipeline.stages.Truncate;
import dev.trawl.pipeline.testkit.Candidates;
import dev.trawl.pipeline.testkit.FakeClock;
import dev.trawl.testing.DropSeen;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PipelineMetricsTest {
  private static HomeFeedFixture feed;

  @BeforeAll
  static void corpus() {
    feed = new HomeFeedFixture(3_000, 16, 5);
  }

  @Test
  void countsInOutKeptAndRemovedPerStageAreExact() {
    final Pipeline p = Pipeline.builder("counts").sourcesOnCallerThread()
        .source("a", Candidates.ofIds(1, 2, 3, 4))
        .source("b", Candidates.ofIds(4, 5, 6))
        .rule("seen", DropSeen.INSTANCE)
        .selector("sort", SortByScore.instance())
        .selector("cut", Truncate.to(3))
        .build();
    final RequestContext ctx = p.newContext();
    final PipelineResult page = new PipelineResult();
    for (int i = 0; i < 10; i++) {
      ctx.reset().seenIds().add(2);
      ctx.seenIds().add(5);
      p.execute(ctx, page);
    }
    final MetricsSnapshot m = p.metrics();
    assertThat(m.request().calls()).isEqualTo(10);
    assertThat(m.request().latencyCount()).isEqualTo(10);
    assertThat(m.stage("a").candidatesOut()).isEqualTo(40);
    assertThat(m.stage("b").candidatesIn()).isEqualTo(30);
    assertThat(m.stage("b").duplicates()).isEqualTo(10);
    assertThat(m.stage("b").candidatesOut()).isEqualTo(20);
    assertThat(m.stage("seen").candidatesIn()).isEqualTo(60);
    assertThat(m.stage("seen").removed()).isEqualTo(20);
    assertThat(m.stage("cut").candidatesOut()).isEqualTo(30);
    assertThat(m.stage("seen").latencyCount()).isEqualTo(10);
    assertThat(m.stage("seen").calls()).isEqualTo(10);
    // snapshots are cumulative: a second one sees the same totals
    assertThat(p.metrics().stage("seen").latencyCount()).isEqualTo(10);
    assertThat(page.idsCopy()).as("ties keep merge order: 3 (source a) before 6 (source b)").containsExactly(1L, 3L, 6L);
  }

  @Test
  void latencyIsReadThroughPercentilesBucketsAndMaxInNanoseconds() {
    final FakeClock clock = new FakeClock();
    // request i spends i ms in the hydrator, for i = 1..100
    final Pipeline p = Pipeline.builder("timed").sourcesOnCallerThread().clock(clock)
        .source("a", Candidates.ofIds(1, 2))
        .hydrator("slow", (ctx, b) -> clock.advance(ctx.userId(), TimeUnit.MILLISECONDS))
        .build();
    final RequestContext ctx = p.newContext();
    final PipelineResult page = new PipelineResult();
    for (int i = 1; i <= 100; i++) {
      p.execute(ctx.reset().userId(i), page);
    }
    final StageStats slow = p.metrics().stage("slow");
    assertThat(slow.latencyCount()).isEqualTo(100);
    assertThat(slow.latencyAtPercentile(50)).isCloseTo(50_000_000L, within(500_000L));
    assertThat(slow.latencyAtPercentile(100)).isEqualTo(slow.latencyMax());
    assertThat(slow.latencyMax()).isCloseTo(100_000_000L, within(1_000_000L));
    assertThat(slow.latencyCountAtOrBelow(10_050_000L)).isEqualTo(10);
    assertThat(slow.latencyCountAtOrBelow(-1)).isZero();
    assertThat(p.metrics().stage("a").latencyMax()).as("sources take no fake time").isZero();
    assertThatThrownBy(() -> slow.latencyAtPercentile(101)).hasMessageContaining("percentile");
  }

  @Test
  void theHomeFeedRecordsEveryStageOnEveryRequest() {
    final Pipeline p = feed.callerThreadPipeline(80);
    final RequestContext ctx = p.newContext();
    final PipelineResult page = new PipelineResult();
    for (int i = 0; i < 200; i++) {
      feed.request(ctx, i);
      p.execute(ctx, page);
      assertThat(page.size()).isEqualTo(50);
      final java.util.Map<Long, Integer> authors = new java.util.HashMap<>();
      final java.util.Map<Long, Integer> communities = new java.util.HashMap<>();
      for (int j = 0; j < page.size(); j++) {
        assertThat(ctx.seenIds().contains(page.id(j))).as("seen post on page %d", i).isFalse();
        assertThat(ctx.blockedAuthors().contains(page.author(j))).as("blocked author, page %d", i).isFalse();
        assertThat(ctx.mutedCommunities().contains(page.community(j))).as("muted, page %d", i).isFalse();
        authors.merge(page.author(j), 1, Integer::sum);
        communities.merge(page.community(j), 1, Integer::sum);
      }
      assertThat(authors.values()).as("author cap on page %d", i).allMatch(n -> n <= 2);
      assertThat(communities.values()).as("community cap on page %d", i).allMatch(n -> n <= 6);
    }
    final MetricsSnapshot m = p.metrics();
    assertThat(m.stages()).hasSize(17);
    for (StageStats s : m.stages()) {
      assertThat(s.calls()).as(s.name()).isEqualTo(200);
      assertThat(s.failures() + s.timeouts() + s.skipped()).as(s.name()).isZero();
    }
    assertThat(m.stage("ann").candidatesIn()).isEqualTo(200 * 80);
    assertThat(m.stage("page").candidatesOut()).isEqualTo(200 * 50);
    assertThat(m.stage("excluded").removed()).as("seen, blocked or muted from recent and trending")
        .isPositive();
    assertThat(m.stage("removed").removed()).isPositive();
    assertThat(m.overheadFraction()).isBetween(-0.01, 1.0);
  }

  @Test
  void aTracedRequestShowsEachStagesCandidatesInAndOut() {
    final Pipeline p = Pipeline.builder("trace").sourcesOnCallerThread()
        .source("a", Candidates.ofIds(1, 2, 3))
        .rule("seen", DropSeen.INSTANCE)
        .selector("cut", Truncate.to(1))
        .build();
    final RequestContext ctx = p.newContext();
    final PipelineResult page = new PipelineResult();
    ctx.reset().traceNextRequest().seenIds().add(1);
    p.execute(ctx, page);
    final Trace t = page.trace();
    assertThat(t.steps()).extracting(Trace.Step::stage).containsExactly("a", "seen", "cut");
    assertThat(t.step("a").idsOut()).containsExactly(1L, 2L, 3L);
    assertThat(t.step("seen").idsIn()).containsExactly(1L, 2L, 3L);
    assertThat(t.step("seen").idsOut()).containsExactly(2L, 3L);
    assertThat(t.step("cut").idsOut()).containsExactly(2L);
    assertThat(t.toString()).contains("seen (RULE) RAN: 3 -> 2");
    // only that request is traced
    p.execute(ctx, page);
    assertThat(page.trace()).isNull();
  }

  @Test
  void shadowCopiesOfInputsRunTheSameRequestThroughAnotherPipeline() {
    final Pipeline a = feed.callerThreadPipeline(60);
    final Pipeline b = feed.callerThreadPipeline(60);
    final RequestContext ca = a.newContext();
    final RequestContext cb = b.newContext();
    final PipelineResult pa = new PipelineResult();
    final PipelineResult pb = new PipelineResult();
    feed.request(ca, 12);
    cb.copyInputsFrom(ca);
    a.execute(ca, pa);
    b.execute(cb, pb);
    assertThat(pb.idsCopy()).containsExactly(pa.idsCopy());
    final PipelineResult kept = new PipelineResult().copyFrom(pa);
    feed.request(ca, 13);
    a.execute(ca, pa);
    assertThat(kept.idsCopy()).containsExactly(pb.idsCopy());
    assertThat(kept.sourceName(0)).isEqualTo(pb.sourceName(0));
  }
}
