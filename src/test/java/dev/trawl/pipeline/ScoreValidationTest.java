package dev.trawl.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.pipeline.stages.SortByScore;
import org.junit.jupiter.api.Test;

/**
 * A score that is NaN or infinite is never ranked: a source's is dropped at the merge, a scorer's
 * right after the scorer, each counted as invalid on the stage that produced it.
 */
class ScoreValidationTest {
  /** Ids 1..8 with source scores 1/id (all finite). */
  private static final CandidateSource EIGHT = (ctx, out) -> {
    for (int i = 1; i <= 8; i++) {
      out.add(i, 1f / i);
    }
  };

  /** Scores by id; ids 3, 4, 5 get NaN, +inf and -inf. */
  private static final class Garbage implements Scorer {
    @Override
    public boolean mayBlock() {
      return false;
    }

    @Override
    public void score(RequestContext ctx, CandidateBatch batch) {
      for (int r = 0; r < batch.size(); r++) {
        final long id = batch.id(r);
        batch.setScore(r, id == 3 ? Float.NaN : id == 4 ? Float.POSITIVE_INFINITY
            : id == 5 ? Float.NEGATIVE_INFINITY : id);
      }
    }
  }

  private static PipelineResult run(Pipeline p) {
    final PipelineResult page = new PipelineResult();
    p.execute(p.newContext(), page);
    return page;
  }

  @Test
  void aScorerWritingNanOrInfinityLosesThoseCandidatesWhichAreCounted() {
    final Pipeline p = Pipeline.builder("garbage-scores").sourcesOnCallerThread()
        .source("eight", EIGHT)
        .scorer("garbage", new Garbage())
        .selector("sort", SortByScore.instance())
        .build();
    final PipelineResult page = run(p);
    assertThat(page.idsCopy()).containsExactly(8L, 7L, 6L, 2L, 1L);
    for (int i = 0; i < page.size(); i++) {
      assertThat(Float.isFinite(page.score(i))).isTrue();
    }
    final StageStats s = p.metrics().stage("garbage");
    assertThat(s.invalid()).isEqualTo(3);
    assertThat(s.candidatesIn()).isEqualTo(8);
    assertThat(s.candidatesOut()).isEqualTo(5);
    assertThat(page.degraded()).isFalse();
  }

  @Test
  void aBlockingScorerIsCheckedTheSameWay() {
    final Garbage inline = new Garbage();
    final Scorer blocking = inline::score; // a lambda: mayBlock() is true, runs on the stage pool
    try (WorkerPool pool = new WorkerPool(1, 4)) {
      final Pipeline p = Pipeline.builder("blocking-garbage").sourcesOnCallerThread()
          .blockingStagesOn(pool).source("eight", EIGHT).scorer("garbage", blocking).build();
      assertThat(run(p).idsCopy()).containsExactly(1L, 2L, 6L, 7L, 8L);
      assertThat(p.metrics().stage("garbage").invalid()).isEqualTo(3);
    }
  }

  @Test
  void aSourceReturningInfiniteScoresLosesThoseCandidates() {
    final CandidateSource infinite = (ctx, out) -> {
      out.add(1, Float.POSITIVE_INFINITY);
      out.add(2, 0.5f);
      out.add(3, Float.NEGATIVE_INFINITY);
      out.add(4, Float.NaN);
    };
    final Pipeline p = Pipeline.builder("infinite-source").sourcesOnCallerThread()
        .source("infinite", infinite).build();
    assertThat(run(p).idsCopy()).containsExactly(2L);
    assertThat(p.metrics().stage("infinite").invalid()).isEqualTo(3);
  }

  @Test
  void aScorerWithFiniteScoresDropsNothing() {
    final Scorer byId = new Scorer() {
      @Override
      public boolean mayBlock() {
        return false;
      }

      @Override
      public void score(RequestContext ctx, CandidateBatch batch) {
        for (int r = 0; r < batch.size(); r++) {
          batch.setScore(r, -Float.MAX_VALUE + batch.id(r));
        }
      }
    };
    final Pipeline p = Pipeline.builder("finite").sourcesOnCallerThread()
        .source("eight", EIGHT).scorer("by-id", byId).build();
    assertThat(run(p).size()).isEqualTo(8);
    assertThat(p.metrics().stage("by-id").invalid()).isZero();
  }
}
