package dev.trawl.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trawl.pipeline.stages.SortByScore;
import dev.trawl.pipeline.stages.Truncate;
import dev.trawl.pipeline.testkit.Candidates;
import dev.trawl.pipeline.testkit.FakeClock;
import dev.trawl.testing.DropSeen;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The context's per-request stage figures: exact counts, and latencies on a fake clock. */
class RequestStatsTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  private final FakeClock clock = new FakeClock();

  /** A source that takes {@code millis} on the fake clock, then returns {@code ids}. */
  private CandidateSource taking(long millis, long... ids) {
    final CandidateSource inner = Candidates.ofIds(ids);
    return new CandidateSource() {
      @Override
      public Feature[] writes() {
        return inner.writes();
      }

      @Override
      public void fetch(RequestContext ctx, CandidateSink out) {
        clock.advance(millis, TimeUnit.MILLISECONDS);
        inner.fetch(ctx, out);
      }
    };
  }

  private Pipeline pipeline() {
    final CandidateRule seen = DropSeen.INSTANCE;
    return Pipeline.builder("stats").clock(clock).sourcesOnCallerThread()
        .source("a", taking(3, 1, 2, 3, 4, 5))
        .source("b", Candidates.ofIds(5, 6, -1))
        .rule("seen", (ctx, batch) -> {
          clock.advance(1, TimeUnit.MILLISECONDS);
          seen.apply(ctx, batch);
        })
        .hydrator("broken", (ctx, batch) -> {
          clock.advance(2, TimeUnit.MILLISECONDS);
          throw new IllegalStateException("hydrator bug");
        })
        .selector("sort", SortByScore.instance(), StageOptions.defaults().when(ctx -> false))
        .selector("cut", Truncate.to(2))
        .sideEffect("log", (ctx, page) -> clock.advance(4, TimeUnit.MILLISECONDS))
        .build();
  }

  @Test
  void eachStageReportsItsLatencyAndCandidatesInAndOutForTheLastRequest() {
    final Pipeline p = pipeline();
    final RequestContext ctx = p.newContext();
    final PipelineResult page = new PipelineResult();
    ctx.reset().seenIds().add(2);
    p.execute(ctx, page);
    final RequestStats s = ctx.lastRequest();
    assertThat(s.stageCount()).isEqualTo(7);
    assertThat(s.stageName(2)).isEqualTo("seen");
    assertThat(s.kind(2)).isEqualTo(StageKind.RULE);
    // source a: 5 returned, 5 merged; b: 5 is a duplicate and -1 invalid
    assertThat(new long[] {s.nanos(0), s.in(0), s.out(0)}).containsExactly(3 * MS, 5, 5);
    assertThat(new long[] {s.nanos(1), s.in(1), s.out(1)}).containsExactly(0, 3, 1);
    // the filter's funnel: 6 in, 1 removed
    assertThat(new long[] {s.nanos(2), s.in(2), s.out(2), s.removed(2)}).containsExactly(MS, 6, 5, 1);
    // the failing optional hydrator: its time, no counts
    assertThat(s.ran(3)).isTrue();
    assertThat(new long[] {s.nanos(3), s.in(3), s.removed(3)})
        .containsExactly(2 * MS, RequestStats.NOT_RUN, RequestStats.NOT_RUN);
    // gated off
    assertThat(s.ran(4)).isFalse();
    assertThat(new long[] {s.nanos(4), s.in(4)}).containsExactly(RequestStats.NOT_RUN, RequestStats.NOT_RUN);
    assertThat(new long[] {s.in(5), s.out(5)}).containsExactly(5, 2);
    assertThat(s.nanos(6)).isEqualTo(4 * MS);
    assertThat(s.totalNanos()).isEqualTo(10 * MS);
    assertThat(page.idsCopy()).containsExactly(1L, 3L);
  }

  @Test
  void theNextRequestOverwritesTheFiguresAndAShadowRequestLeavesTheSideEffectUnrun() {
    final Pipeline p = pipeline();
    final RequestContext ctx = p.newContext();
    final PipelineResult page = new PipelineResult();
    ctx.reset().seenIds().add(2);
    p.execute(ctx, page);
    ctx.reset().shadow(true);
    ctx.seenIds().add(1);
    ctx.seenIds().add(3);
    ctx.seenIds().add(6);
    p.execute(ctx, page);
    final RequestStats s = ctx.lastRequest();
    assertThat(new long[] {s.in(2), s.removed(2)}).containsExactly(6, 3);
    assertThat(s.ran(6)).isFalse();
    assertThat(s.totalNanos()).isEqualTo(6 * MS);
    assertThat(ctx.lastRequest()).isSameAs(s);
  }

  @Test
  void aSourcePastItsTimeoutReportsItsTimeButNoCounts() {
    final Pipeline p = Pipeline.builder("late").clock(clock).sourcesOnCallerThread()
        .source("fast", Candidates.ofIds(1, 2))
        .source("slow", taking(10, 3, 4), StageOptions.defaults().timeout(5, TimeUnit.MILLISECONDS))
        .build();
    final RequestContext ctx = p.newContext();
    final PipelineResult page = new PipelineResult();
    p.execute(ctx, page);
    final RequestStats s = ctx.lastRequest();
    assertThat(page.timedOutSources()).isEqualTo(1);
    assertThat(new long[] {s.nanos(1), s.in(1), s.out(1)})
        .containsExactly(10 * MS, RequestStats.NOT_RUN, RequestStats.NOT_RUN);
    assertThat(new long[] {s.in(0), s.out(0)}).containsExactly(2, 2);
  }

  @Test
  void aStageIndexOutsideThePipelineIsRejectedWithItsRange() {
    final RequestStats s = pipeline().newContext().lastRequest();
    assertThat(s.totalNanos()).isEqualTo(RequestStats.NOT_RUN);
    assertThatThrownBy(() -> s.nanos(7)).isInstanceOf(IndexOutOfBoundsException.class)
        .hasMessage("stage 7 of a pipeline of 7 stages");
    assertThatThrownBy(() -> s.in(-1)).isInstanceOf(IndexOutOfBoundsException.class);
  }
}
