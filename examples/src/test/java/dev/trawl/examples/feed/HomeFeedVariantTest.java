package dev.trawl.examples.feed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trawl.index.VectorIndex;
import dev.trawl.pipeline.Pipeline;
import dev.trawl.pipeline.StageStats;
import dev.trawl.pipeline.stages.ItemMetadata;
import dev.trawl.pipeline.stages.RecentItems;
import dev.trawl.pipeline.testkit.SyntheticFeed;
import dev.trawl.vector.Metric;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The configurable home feed: switches remove exactly their stage, bad names are refused. */
class HomeFeedVariantTest {
  private static final List<String> ALL_STAGES = List.of("activity", "exclusions", "interest", "fresh",
      "trending", "attributes", "affinity", "excluded", "taken-down", "weighted", "freshness", "rank",
      "author-cap", "community-cap", "mmr", "page");

  private final VectorIndex index = smallIndex();
  private final RecentItems recent = new RecentItems(64);
  private final ItemMetadata attributes = SyntheticFeed.metadata(1_000, 40, 0, 5_000, 60_000L);

  private static VectorIndex smallIndex() {
    final VectorIndex index = VectorIndex.builder(8, Metric.COSINE).seed(1).build();
    final Random random = new Random(1);
    final float[] v = new float[8];
    for (int id = 0; id < 200; id++) {
      for (int d = 0; d < v.length; d++) {
        v[d] = (float) random.nextGaussian();
      }
      index.add(id, v);
    }
    return index;
  }

  private List<String> stages(HomeFeedVariant variant) {
    final Pipeline p = variant.build(index, recent, attributes, id -> false,
        HomeFeedVariant.trendingList(new long[] {1, 2, 3}));
    return p.metrics().stages().stream().map(StageStats::name).toList();
  }

  @Test
  void defaultsAndTheLiveFeedHaveEveryStageInOrder() {
    assertThat(stages(new HomeFeedVariant())).isEqualTo(ALL_STAGES);
    final Pipeline live = HomeFeedPipeline.build(index, recent, attributes, id -> false,
        HomeFeedVariant.trendingList(new long[] {1}));
    assertThat(live.metrics().stages().stream().map(StageStats::name).toList()).isEqualTo(ALL_STAGES);
  }

  @Test
  void switchingStagesOffRemovesExactlyThoseStages() {
    assertThat(stages(new HomeFeedVariant().exclusions(List.of("taken-down", "seen"))))
        .as("blocked and muted are parts of the request filter, not stages").isEqualTo(ALL_STAGES);
    assertThat(stages(new HomeFeedVariant().exclusions(List.of("taken-down"))))
        .isEqualTo(ALL_STAGES.stream().filter(s -> !s.startsWith("exclu")).toList());
    assertThat(stages(new HomeFeedVariant().sources(List.of("trending")).exclusions(List.of())
        .selectors(List.of("mmr"))))
        .containsExactly("activity", "trending", "attributes", "affinity", "weighted", "freshness", "rank",
            "mmr", "page");
  }

  @Test
  void unknownNamesAndBadValuesAreRefusedWithTheirName() {
    final HomeFeedVariant v = new HomeFeedVariant();
    assertThatThrownBy(() -> v.exclusions(List.of("seen", "spam")))
        .hasMessage("unknown exclusion [spam]; known: [seen, blocked, muted, taken-down]");
    assertThatThrownBy(() -> v.sources(List.of()))
        .hasMessageContaining("at least one source must be on");
    assertThatThrownBy(() -> v.mmrLambda(1.5f)).hasMessage("mmr lambda must be in [0, 1], got 1.5");
    assertThatThrownBy(() -> v.interestEf(0)).hasMessage("interest ef must be positive, got 0");
    assertThat(stages(v)).isEqualTo(ALL_STAGES);
  }
}
