package dev.trawl.pipeline.stages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trawl.pipeline.CandidateBatch;
import dev.trawl.pipeline.Feature;
import dev.trawl.pipeline.testkit.Candidates;
import dev.trawl.pipeline.testkit.StageTest;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BuiltInStagesTest {
  private static final long NOW = 1_700_000_000_000L;
  private static final long HOUR = 3_600_000L;
  static final Feature AFFINITY = Feature.candidate("affinity", 0f);

  @Test
  void removedFilterConsultsTheHostPredicate() {
    final StageTest.Outcome out = StageTest.with(Candidates.ofIds(1, 2, 3, 4))
        .rule("removed", RemovedItemsRule.of(id -> id % 2 == 0))
        .run();
    assertThat(out.ids()).containsExactly(1L, 3L);
  }

  @Test
  void linearScorerWeightsSourceScoreFeaturesAndSourceBoosts() {
    final Candidates a = Candidates.builder().add(1, 0.5f).add(2, 0.25f).build();
    final Candidates b = Candidates.builder().add(3, 0.5f).build();
    final StageTest.Outcome out = StageTest.with(a).source("other", b)
        .hydrator("affinity", (ctx, batch) -> {
          for (int r = 0; r < batch.size(); r++) {
            batch.setFeature(AFFINITY, r, batch.id(r) == 2 ? 1f : 0f);
          }
        }, dev.trawl.pipeline.StageOptions.defaults().writes(AFFINITY))
        .scorer("linear", LinearScorer.builder().bias(0.1f).sourceScore(2f).weight(AFFINITY, 3f)
            .sourceBoost(1, 0.05f).build())
        .run();
    assertThat(out.ids()).containsExactly(1L, 2L, 3L);
    assertThat(out.scores()[0]).isEqualTo(0.1f + 2f * 0.5f);
    assertThat(out.scores()[1]).isEqualTo(0.1f + 2f * 0.25f + 3f);
    assertThat(out.scores()[2]).isEqualTo(0.1f + 2f * 0.5f + 0.05f);
  }

  @Test
  void freshnessDecayHalvesTheScoreEveryHalfLife() {
    final Candidates c = Candidates.builder()
        .add(1, 1f, 1, 1, NOW).add(2, 1f, 1, 1, NOW - HOUR).add(3, 1f, 1, 1, NOW - 2 * HOUR)
        .add(4, 1f, 1, 1, NOW + HOUR).build();
    final StageTest.Outcome out = StageTest.with(c)
        .scorer("fresh", new FreshnessDecay(HOUR, 0.5f))
        .run(ctx -> ctx.nowMillis(NOW));
    assertThat(out.scores()[0]).isEqualTo(1f);
    assertThat(out.scores()[1]).isCloseTo(0.5f, org.assertj.core.data.Offset.offset(1e-6f));
    assertThat(out.scores()[2]).isCloseTo(0.25f, org.assertj.core.data.Offset.offset(1e-6f));
    assertThat(out.scores()[3]).as("future items are not boosted").isEqualTo(1f);
  }

  @Test
  void sortByScorePutsHighestFirstAndBreaksTiesByMergeOrder() {
    final Candidates c = Candidates.builder()
        .add(1, 0.1f).add(2, 0.9f).add(3, Float.NaN).add(4, 0.5f).add(5, 0.9f).add(6, -2f).build();
    final StageTest.Outcome out = StageTest.with(c)
        .selector("sort", SortByScore.instance())
        .run();
    // NaN source scores are invalid and dropped at merge
    assertThat(out.ids()).containsExactly(2L, 5L, 4L, 1L, 6L);
  }

  @Test
  void authorCapHoldsOnEveryPrefixOfTheRankedList() {
    final Random random = new Random(7);
    final Candidates.Builder b = Candidates.builder();
    for (int i = 0; i < 500; i++) {
      b.add(i, random.nextFloat(), random.nextInt(20), random.nextInt(5), NOW);
    }
    final StageTest test = StageTest.with(b.build())
        .selector("sort", SortByScore.instance())
        .selector("author-cap", DiversityCap.perAuthor(3))
        .selector("community-cap", DiversityCap.perCommunity(10));
    for (int page = 0; page < 3; page++) {
      final int p = page;
      final StageTest.Outcome out = test.run(ctx -> ctx.seed(p));
      final Map<Long, Integer> perAuthor = new HashMap<>();
      final Map<Long, Integer> perCommunity = new HashMap<>();
      for (int i = 0; i < out.ids().length; i++) {
        perAuthor.merge(out.authors()[i], 1, Integer::sum);
        perCommunity.merge(out.communities()[i], 1, Integer::sum);
      }
      assertThat(perAuthor.values()).allMatch(n -> n <= 3);
      assertThat(perCommunity.values()).allMatch(n -> n <= 10);
      // 5 communities x 10 bounds the list; author caps may cut a few more
      assertThat(out.ids().length).isBetween(40, 50);
      final float[] s = out.scores();
      for (int i = 1; i < s.length; i++) {
        assertThat(s[i]).isLessThanOrEqualTo(s[i - 1]);
      }
    }
  }

  @Test
  void capsIgnoreUnknownAuthors() {
    final StageTest.Outcome out = StageTest.with(Candidates.ofIds(1, 2, 3))
        .hydrator("authors", new AttributeHydrator(new ItemMetadata() {
          @Override
          public long author(long id) {
            return CandidateBatch.UNKNOWN;
          }

          @Override
          public long community(long id) {
            return 1;
          }

          @Override
          public long createdAt(long id) {
            return NOW;
          }
        }))
        .selector("cap", DiversityCap.perAuthor(1))
        .run();
    assertThat(out.ids()).containsExactly(1L, 2L, 3L);
  }

  @Test
  void truncateKeepsAFixedCountOrWholePages() {
    assertThat(StageTest.with(Candidates.ofIds(1, 2, 3, 4, 5)).selector("t", Truncate.to(2)).run().ids())
        .containsExactly(1L, 2L);
    assertThat(StageTest.with(Candidates.ofIds(1, 2, 3, 4, 5)).selector("t", Truncate.toPages(2))
        .run(ctx -> ctx.pageSize(1)).ids()).containsExactly(1L);
    assertThatThrownBy(() -> Truncate.to(0)).hasMessageContaining("positive");
  }

  @Test
  void blenderIsDeterministicForASeedAndFollowsTheWeights() {
    final Candidates.Builder a = Candidates.builder();
    final Candidates.Builder b = Candidates.builder();
    for (int i = 0; i < 1000; i++) {
      a.add(i, 1f - i * 1e-4f);
      b.add(10_000 + i, 1f - i * 1e-4f);
    }
    final StageTest test = StageTest.with(a.build()).source("b", b.build())
        .selector("blend", new SourceBlender(3, 1));
    final long[] first = test.run(ctx -> ctx.seed(42).pageSize(400)).ids();
    final long[] again = test.run(ctx -> ctx.seed(42).pageSize(400)).ids();
    final long[] other = test.run(ctx -> ctx.seed(43).pageSize(400)).ids();
    assertThat(again).containsExactly(first);
    assertThat(other).isNotEqualTo(first);
    int fromA = 0;
    long lastA = -1;
    long lastB = 9_999;
    for (long id : first) {
      if (id < 10_000) {
        fromA++;
        assertThat(id).as("a source's candidates keep their order").isGreaterThan(lastA);
        lastA = id;
      } else {
        assertThat(id).isGreaterThan(lastB);
        lastB = id;
      }
    }
    // weight 3:1 over 400 draws: expect 300 from a, binomial sd ~ 8.7
    assertThat(fromA).isBetween(260, 340);
  }

  @Test
  void blenderWithAZeroWeightSourceUsesItOnlyWhenTheOthersRunOut() {
    final StageTest test = StageTest.with(Candidates.ofIds(1, 2)).source("b", Candidates.ofIds(3, 4))
        .selector("blend", new SourceBlender(0, 1));
    assertThat(test.run(ctx -> ctx.seed(1)).ids()).containsExactly(3L, 4L, 1L, 2L);
    assertThatThrownBy(() -> new SourceBlender(-1)).hasMessageContaining(">= 0");
  }
}
