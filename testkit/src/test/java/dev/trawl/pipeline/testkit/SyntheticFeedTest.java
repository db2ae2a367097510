package dev.trawl.pipeline.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trawl.pipeline.Feature;
import dev.trawl.pipeline.Pipeline;
import dev.trawl.pipeline.PipelineResult;
import dev.trawl.pipeline.RequestContext;
import dev.trawl.pipeline.stages.AttributeHydrator;
import dev.trawl.pipeline.stages.ItemMetadata;
import dev.trawl.pipeline.stages.LinearScorer;
import dev.trawl.pipeline.stages.RecentItems;
import dev.trawl.pipeline.stages.SortByScore;
import org.junit.jupiter.api.Test;

class SyntheticFeedTest {
  private static final long NOW = 1_700_000_000_000L;

  @Test
  void metadataIsArithmeticOnTheId() {
    final ItemMetadata m = SyntheticFeed.metadata(10, 3, NOW, 100, 1_000L);
    assertThat(m.author(1_234)).isEqualTo(4);
    assertThat(m.community(1_234)).isEqualTo(1);
    assertThat(m.createdAt(1_234)).isEqualTo(NOW - 34 * 1_000L);
  }

  @Test
  void recentItemsHoldTheNewestIdsOneIntervalApart() {
    final ItemMetadata m = SyntheticFeed.metadata(10, 3, NOW, 100, 1_000L);
    final RecentItems recent = SyntheticFeed.recentItems(m, 1_000, 64, NOW, 500L);
    assertThat(recent.appended()).isEqualTo(64);
    final long[] newest = new long[2];
    recent.scanNewestFirst(newest, (seen, id, author, community, createdAt) -> {
      if (id == 999) {
        seen[0] = createdAt;
        seen[1] = author;
      }
      return true;
    });
    assertThat(newest[0]).isEqualTo(NOW - 500L);
    assertThat(newest[1]).isEqualTo(9);
  }

  @Test
  void trendingRotatesWithTheUserAndAffinityFollowsTheAuthor() {
    final Feature affinity = Feature.candidate("affinity", 0f);
    final ItemMetadata m = SyntheticFeed.metadata(16, 4, NOW, 100, 1_000L);
    final Pipeline pipeline = Pipeline.builder("synthetic")
        .source("trending", SyntheticFeed.rotatingTrending(5, 1_000, 7))
        .hydrator("attributes", new AttributeHydrator(m))
        .hydrator("affinity", SyntheticFeed.authorAffinity(affinity, 15))
        .scorer("by-affinity", LinearScorer.builder().sourceScore(0f).weight(affinity, 1f).build())
        .selector("sort", SortByScore.instance())
        .sourcesOnCallerThread()
        .build();
    final RequestContext ctx = pipeline.newContext();
    final PipelineResult page = new PipelineResult();
    pipeline.execute(ctx.reset().userId(3).nowMillis(NOW).pageSize(10), page);
    assertThat(page.size()).isEqualTo(5);
    final long start = 3 * 7919L % 1_000;
    final java.util.Set<Long> expected = new java.util.HashSet<>();
    for (int i = 0; i < 5; i++) {
      expected.add((start + i * 7L) % 1_000);
    }
    float previous = Float.POSITIVE_INFINITY;
    for (int i = 0; i < page.size(); i++) {
      assertThat(expected).contains(page.id(i));
      final float want = ((m.author(page.id(i)) ^ 3) & 15) / 15f;
      assertThat(page.score(i)).isEqualTo(want);
      assertThat(want).isLessThanOrEqualTo(previous);
      previous = want;
    }
    assertThatThrownBy(() -> SyntheticFeed.authorAffinity(affinity, 10)).hasMessageContaining("2^n - 1");
    assertThatThrownBy(() -> SyntheticFeed.metadata(0, 1, NOW, 1, 1)).hasMessageContaining("positive");
    assertThatThrownBy(() -> SyntheticFeed.rotatingTrending(0, 1, 1)).hasMessageContaining("positive");
  }
}
