package dev.trawl.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trawl.pipeline.stages.DiversityCap;
import dev.trawl.pipeline.stages.LinearScorer;
import dev.trawl.pipeline.stages.SortByScore;
import dev.trawl.pipeline.testkit.Candidates;
import dev.trawl.testing.DropSeen;
import org.junit.jupiter.api.Test;

class PipelineBuilderTest {
  static final Feature AFFINITY = Feature.candidate("affinity", 0f);
  static final Feature ACTIVITY = Feature.query("activity", 0.5f);

  /** Writes AFFINITY; reads ACTIVITY. */
  static final class AffinityHydrator implements CandidateHydrator {
    @Override
    public Feature[] reads() {
      return new Feature[] {ACTIVITY};
    }

    @Override
    public Feature[] writes() {
      return new Feature[] {AFFINITY};
    }

    @Override
    public void hydrate(RequestContext ctx, CandidateBatch batch) {
      final float a = ctx.queryFeature(ACTIVITY);
      for (int r = 0; r < batch.size(); r++) {
        batch.setFeature(AFFINITY, r, a);
      }
    }
  }

  private static PipelineBuilder base() {
    return Pipeline.builder("test").sourcesOnCallerThread().source("ids", Candidates.ofIds(1, 2, 3));
  }

  @Test
  void aPipelineWithoutSourcesIsRejected() {
    assertThatThrownBy(() -> Pipeline.builder("empty").rule("seen", DropSeen.INSTANCE).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("pipeline 'empty' is invalid")
        .hasMessageContaining("at least one candidate source");
  }

  @Test
  void duplicateStageNamesAreRejected() {
    assertThatThrownBy(() -> base().rule("ids", DropSeen.INSTANCE).build())
        .hasMessageContaining("duplicate stage name 'ids'");
  }

  @Test
  void readingAFeatureBeforeItIsWrittenIsAnOrderingError() {
    final LinearScorer scorer = LinearScorer.builder().weight(AFFINITY, 1f).build();
    // scorer declared before the hydrator that writes what it reads
    assertThatThrownBy(() -> base().input(ACTIVITY).scorer("rank", scorer)
            .hydrator("affinity", new AffinityHydrator()).build())
        .hasMessageContaining("scorer 'rank' reads candidate:affinity, but no earlier stage writes it");
    // the right order builds
    assertThat(base().input(ACTIVITY).hydrator("affinity", new AffinityHydrator())
        .scorer("rank", scorer).build().stageNames()).containsExactly("ids", "affinity", "rank");
  }

  @Test
  void aQueryFeatureMustBeAnInputOrWrittenByAQueryHydrator() {
    assertThatThrownBy(() -> base().hydrator("affinity", new AffinityHydrator()).build())
        .hasMessageContaining("reads query:activity, which is neither a declared input nor written");
    final QueryHydrator activity = ctx -> ctx.setQueryFeature(ACTIVITY, 0.9f);
    final Pipeline p = base().queryHydrator("activity", activity, StageOptions.defaults().writes(ACTIVITY))
        .hydrator("affinity", new AffinityHydrator()).build();
    assertThat(p.stageNames()).contains("activity");
  }

  @Test
  void capsOnAuthorsNeedEverySourceOrAHydratorToFillAuthors() {
    final Candidates withAuthors = Candidates.builder().add(9, 1f, 1, 1, 0).build();
    assertThatThrownBy(() -> base().source("full", withAuthors)
            .selector("cap", DiversityCap.perAuthor(2)).build())
        .hasMessageContaining("selector 'cap' reads author, which not every source fills (missing from [ids])");
    final Pipeline ok = Pipeline.builder("ok").sourcesOnCallerThread().source("full", withAuthors)
        .selector("cap", DiversityCap.perAuthor(2)).build();
    assertThat(ok.stageNames()).containsExactly("full", "cap");
    final PipelineResult page = new PipelineResult();
    ok.execute(ok.newContext(), page);
    assertThat(page.idsCopy()).containsExactly(9L);
    assertThat(page.author(0)).isEqualTo(1L);
  }

  @Test
  void stagesMayNotWriteWhatTheirKindDoesNotOwn() {
    final CandidateRule writer = (ctx, batch) -> { };
    assertThatThrownBy(() -> base().rule("f", writer, StageOptions.defaults().writes(AFFINITY)).build())
        .hasMessageContaining("rule 'f' may not write candidate:affinity");
    final CandidateSource source = (ctx, out) -> { };
    assertThatThrownBy(() -> base().source("s", source, StageOptions.defaults().writes(AFFINITY)).build())
        .hasMessageContaining("sources can only fill author, community and created_at");
  }

  @Test
  void twoFeaturesWithOneNameAreRejected() {
    final Feature twin = Feature.candidate("affinity", 1f);
    final CandidateHydrator h = (ctx, b) -> { };
    assertThatThrownBy(() -> base().hydrator("a", h, StageOptions.defaults().writes(AFFINITY))
            .hydrator("b", h, StageOptions.defaults().writes(twin)).build())
        .hasMessageContaining("two different features are named 'affinity'");
  }

  @Test
  void everyProblemIsListedAtOnce() {
    assertThatThrownBy(() -> Pipeline.builder("bad").rule("x", DropSeen.INSTANCE)
            .selector("x", SortByScore.instance()).build())
        .hasMessageContaining("duplicate stage name 'x'")
        .hasMessageContaining("at least one candidate source");
  }

  @Test
  void badOptionsFailWhereTheyAreGiven() {
    assertThatThrownBy(() -> StageOptions.defaults().timeout(0, java.util.concurrent.TimeUnit.MILLISECONDS))
        .hasMessageContaining("timeout must be positive");
    assertThatThrownBy(() -> Feature.candidate(" ", 0f)).hasMessageContaining("non-blank");
    assertThatThrownBy(() -> Feature.query("x", Float.NaN)).hasMessageContaining("NaN");
    assertThatThrownBy(() -> base().pageSize(0)).hasMessageContaining("pageSize must be positive");
    assertThatThrownBy(() -> base().build().newContext().pageSize(-1))
        .hasMessageContaining("pageSize must be positive");
  }

  @Test
  void aContextOfAnotherPipelineIsABadRequest() {
    final Pipeline a = base().build();
    final Pipeline b = Pipeline.builder("other").sourcesOnCallerThread()
        .source("ids", Candidates.ofIds(1)).build();
    assertThatThrownBy(() -> a.execute(b.newContext(), new PipelineResult()))
        .isInstanceOfSatisfying(PipelineException.class,
            e -> assertThat(e.kind()).isEqualTo(PipelineException.Kind.BAD_REQUEST))
        .hasMessageContaining("belongs to pipeline 'other', not 'test'");
  }

  @Test
  void aQueryFeatureUnknownToThePipelineIsRejectedByName() {
    final RequestContext ctx = base().build().newContext();
    assertThatThrownBy(() -> ctx.setQueryFeature(ACTIVITY, 1f))
        .hasMessageContaining("query:activity is not a query feature of this pipeline");
  }
}
