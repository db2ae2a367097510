package dev.trawl.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A stage that answers from less than it should marks the request through its context. */
class DegradedMarksTest {
  static final Feature LIKES = Feature.candidate("likes", 0f);

  /** Marks the request degraded when the user id is odd (a stand-in for a store that timed out). */
  private static final CandidateHydrator MARKS_ODD_USERS = new CandidateHydrator() {
    @Override
    public Feature[] writes() {
      return new Feature[] {LIKES};
    }

    @Override
    public void hydrate(RequestContext ctx, CandidateBatch batch) {
      if ((ctx.userId() & 1) == 1) {
        ctx.markDegraded();
        ctx.markDegraded();
      }
    }
  };

  private static Pipeline pipeline() {
    return Pipeline.builder("marks").sourcesOnCallerThread().timeout(5, TimeUnit.SECONDS)
        .source("ids", (ctx, sink) -> {
          sink.add(1, 1f);
          sink.add(2, 0.5f);
        })
        .hydrator("features", MARKS_ODD_USERS)
        .scorer("read", (ctx, batch) -> {
          // later stages of the same request see its marks
          final int[] seen = ctx.attachment();
          seen[0] = ctx.markedDegraded();
        }, StageOptions.defaults().reads(LIKES))
        .build();
  }

  @Test
  void aMarkDegradesThePageCountsTheRequestAndIsClearedByTheNextRequest() {
    final Pipeline p = pipeline();
    final RequestContext ctx = p.newContext();
    final PipelineResult page = new PipelineResult();

    final int[] seenByScorer = new int[1];
    p.execute(ctx.reset().userId(3).attachment(seenByScorer), page);
    assertThat(seenByScorer[0]).isEqualTo(2);
    assertThat(page.size()).as("the page is still served").isEqualTo(2);
    assertThat(page.degraded()).isTrue();
    assertThat(page.degradedMarks()).isEqualTo(2);
    assertThat(ctx.markedDegraded()).isEqualTo(2);
    assertThat(page.failedOpenStages()).isZero();
    assertThat(p.metrics().degradedRequests()).isEqualTo(1);
    final PipelineResult copy = new PipelineResult().copyFrom(page);
    assertThat(copy.degradedMarks()).isEqualTo(2);

    p.execute(ctx.reset().userId(4).attachment(seenByScorer), page);
    assertThat(seenByScorer[0]).isZero();
    assertThat(page.degraded()).isFalse();
    assertThat(page.degradedMarks()).isZero();
    assertThat(ctx.markedDegraded()).isZero();
    assertThat(p.metrics().degradedRequests()).isEqualTo(1);
  }
}
