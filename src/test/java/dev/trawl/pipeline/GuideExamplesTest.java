package dev.trawl.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.pipeline.testkit.Allocations;
import dev.trawl.pipeline.testkit.Candidates;
import dev.trawl.pipeline.testkit.StageTest;
import org.junit.jupiter.api.Test;

/** The examples of docs/pipeline.md, compiled and run, so the guide cannot drift from the API. */
class GuideExamplesTest {
  static final Feature TEXT_LENGTH = Feature.candidate("text_length", 0f);

  /** Drops posts shorter than 20 characters (reads a feature a hydrator wrote). */
  static final class ShortPostFilter implements CandidateRule {
    @Override
    public Feature[] reads() {
      return new Feature[] {TEXT_LENGTH};
    }

    @Override
    public void apply(RequestContext ctx, CandidateBatch batch) {
      final float[] length = batch.featureColumn(TEXT_LENGTH);
      for (int r = 0, n = batch.size(); r < n; r++) {
        if (length[r] < 20) {
          batch.remove(r);
        }
      }
    }
  }

  @Test
  void shortPostsAreDropped() {
    final StageTest.Outcome out = StageTest.with(Candidates.ofIds(1, 2, 3))
        .hydrator("length", (ctx, b) -> {
          for (int r = 0; r < b.size(); r++) {
            b.setFeature(TEXT_LENGTH, r, b.id(r) == 2 ? 5 : 100);
          }
        }, StageOptions.defaults().writes(TEXT_LENGTH))
        .rule("short", new ShortPostFilter())
        .run();
    assertThat(out.ids()).containsExactly(1L, 3L);
    assertThat(out.pipeline().metrics().stage("short").removed()).isEqualTo(1);
    assertThat(out.trace().step("short").idsOut()).containsExactly(1L, 3L);
  }

  @Test
  void theShortPostFilterAllocatesNothing() {
    final Pipeline p = Pipeline.builder("guide").sourcesOnCallerThread()
        .source("posts", Candidates.ofIds(1, 2, 3, 4, 5))
        .hydrator("length", (ctx, b) -> {
          for (int r = 0; r < b.size(); r++) {
            b.setFeature(TEXT_LENGTH, r, b.id(r) * 7);
          }
        }, StageOptions.defaults().writes(TEXT_LENGTH))
        .rule("short", new ShortPostFilter())
        .build();
    final RequestContext ctx = p.newContext();
    final PipelineResult page = new PipelineResult();
    final double bytes = Allocations.bytesPerRun(() -> p.execute(ctx.reset(), page), 5_000, 10_000);
    assertThat(page.idsCopy()).containsExactly(3L, 4L, 5L);
    assertThat(bytes).isLessThan(1.0);
  }
}
