package dev.trawl.pipeline.stages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trawl.index.FilterPlanner;
import dev.trawl.filter.ItemAttributes;
import dev.trawl.index.SearchResults;
import dev.trawl.index.VectorIndex;
import dev.trawl.pipeline.Feature;
import dev.trawl.pipeline.Pipeline;
import dev.trawl.pipeline.PipelineException;
import dev.trawl.pipeline.PipelineResult;
import dev.trawl.pipeline.RequestContext;
import dev.trawl.pipeline.StageOptions;
import dev.trawl.pipeline.testkit.Candidates;
import dev.trawl.pipeline.testkit.StageTest;
import dev.trawl.vector.Metric;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.roaringbitmap.RoaringBitmap;

class IndexStagesTest {
  private static final int DIM = 16;
  private static final int N = 2_000;
  private static VectorIndex index;
  private static float[][] vectors;

  @BeforeAll
  static void buildIndex() {
    final Random random = new Random(11);
    index = VectorIndex.builder(DIM, Metric.COSINE).m(12).efConstruction(100).seed(3).build();
    vectors = new float[N][DIM];
    for (int i = 0; i < N; i++) {
      for (int d = 0; d < DIM; d++) {
        vectors[i][d] = (float) random.nextGaussian();
      }
      index.add(i, vectors[i]);
    }
  }

  @Test
  void vectorSourceReturnsTheNearestItemsWithTheirSimilarity() {
    final float[] query = vectors[5];
    final StageTest.Outcome out = StageTest.with(VectorSource.builder(index).k(20).ef(100).build())
        .run(ctx -> ctx.queryVector(query));
    final SearchResults exact = new SearchResults(20);
    index.newSearcher().searchExact(query, 20, exact);
    final Set<Long> truth = new HashSet<>();
    for (int i = 0; i < exact.size(); i++) {
      truth.add(exact.id(i));
    }
    int hits = 0;
    for (long id : out.ids()) {
      hits += truth.contains(id) ? 1 : 0;
    }
    assertThat(out.ids()).hasSize(20);
    assertThat(hits).isGreaterThanOrEqualTo(18);
    assertThat(out.ids()[0]).isEqualTo(5L);
    assertThat(out.scores()[0]).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-4f));
  }

  /** Items whose id is a multiple of 3, by ordinal: a host restriction's bitmap. */
  private static RoaringBitmap multiplesOf3() {
    final RoaringBitmap b = new RoaringBitmap();
    for (int id = 0; id < N; id += 3) {
      b.add(index.ordinalOf(id));
    }
    return b;
  }

  @Test
  void vectorSourceSkipsSeenIdsAndRestrictedItemsInsideTheWalkAndStillFillsK() {
    final RoaringBitmap third = multiplesOf3();
    final RequestFilterHydrator exclusions =
        RequestFilterHydrator.builder(index).restriction((ctx, idx, f) -> f.andNot(third)).build();
    final VectorSource source = VectorSource.builder(index).k(30).ef(100).filter(exclusions).build();
    final StageTest.Outcome out = StageTest.with(source)
        .queryHydrator("exclusions", exclusions)
        .run(ctx -> ctx.queryVector(vectors[10]).seenIds().add(10));
    assertThat(out.ids()).hasSize(30).doesNotContain(10L);
    assertThat(Arrays.stream(out.ids()).filter(id -> id % 3 == 0)).isEmpty();
    // planned: 1,334 of 2,000 items allowed, so scanning them beats the estimated walk
    assertThat(source.planCount(FilterPlanner.EXACT)).isEqualTo(1);
    assertThat(source.planCount(FilterPlanner.NONE)).isZero();
  }

  @Test
  void aRestrictionComposesTheHostsPerRequestFilter() {
    final RoaringBitmap evenOrdinals = new RoaringBitmap();
    for (int id = 0; id < N; id += 2) {
      evenOrdinals.add(index.ordinalOf(id));
    }
    // the host keeps a per-request choice in the attachment; the restriction is a constant
    final RequestFilterHydrator exclusions = RequestFilterHydrator.builder(index)
        .restriction((ctx, idx, f) -> {
          if (ctx.attachment() != null) {
            f.and(ctx.<RoaringBitmap>attachment());
          }
        }).build();
    final StageTest test = StageTest.with(VectorSource.builder(index).k(25).ef(100).filter(exclusions).build())
        .queryHydrator("exclusions", exclusions);
    final long[] filtered = test.run(ctx -> ctx.queryVector(vectors[3]).attachment(evenOrdinals)).ids();
    assertThat(filtered).hasSize(25);
    assertThat(Arrays.stream(filtered).filter(id -> id % 2 != 0)).isEmpty();
    final long[] open = test.run(ctx -> ctx.queryVector(vectors[3])).ids();
    assertThat(Arrays.stream(open).filter(id -> id % 2 != 0)).isNotEmpty();
  }

  @Test
  void aRestrictiveFilterIsPlannedAsAnExactScanSoEveryAllowedItemIsReturned() {
    final RoaringBitmap allowed = new RoaringBitmap();
    for (long id : new long[] {3, 300, 777, 1500, 1999}) {
      allowed.add(index.ordinalOf(id));
    }
    final RequestFilterHydrator only =
        RequestFilterHydrator.builder(index).restriction((ctx, idx, f) -> f.and(allowed)).build();
    final VectorSource source = VectorSource.builder(index).k(20).ef(40).filter(only).build();
    final long[] ids = StageTest.with(source).queryHydrator("only", only)
        .run(ctx -> ctx.queryVector(vectors[42])).ids();
    assertThat(ids).containsExactlyInAnyOrder(3L, 300L, 777L, 1500L, 1999L);
    assertThat(source.planCount(FilterPlanner.EXACT)).isEqualTo(1);
    assertThat(source.planCount(FilterPlanner.WALK) + source.planCount(FilterPlanner.NONE)).isZero();
  }

  @Test
  void blockedAuthorsAndMutedCommunitiesAreExcludedThroughTheIndexAttributes() {
    final VectorIndex attributed = VectorIndex.builder(DIM, Metric.COSINE).seed(3).build();
    final ItemAttributes a = new ItemAttributes();
    for (int i = 0; i < 500; i++) {
      attributed.add(i, vectors[i], a.clear().author(i % 10).community(i % 7));
    }
    final RequestFilterHydrator exclusions = RequestFilterHydrator.of(attributed);
    final StageTest.Outcome out = StageTest
        .with(VectorSource.builder(attributed).k(100).ef(200).filter(exclusions).build())
        .queryHydrator("exclusions", exclusions)
        .run(ctx -> {
          ctx.queryVector(vectors[0]).blockedAuthors().add(0);
          ctx.blockedAuthors().add(3);
          ctx.mutedCommunities().add(5);
          ctx.seenIds().add(1);
        });
    assertThat(out.ids()).hasSize(100);
    for (long id : out.ids()) {
      assertThat(id % 10).as("author of %s", id).isNotIn(0L, 3L);
      assertThat(id % 7).as("community of %s", id).isNotEqualTo(5L);
      assertThat(id).isNotEqualTo(1L);
    }
    // each part can be switched off: blocked authors are then served
    final RequestFilterHydrator noBlocks =
        RequestFilterHydrator.builder(attributed).excludeBlockedAuthors(false).build();
    final long[] withBlocked = StageTest
        .with(VectorSource.builder(attributed).k(100).ef(200).filter(noBlocks).build())
        .queryHydrator("exclusions", noBlocks)
        .run(ctx -> ctx.queryVector(vectors[0]).blockedAuthors().add(0)).ids();
    assertThat(Arrays.stream(withBlocked).filter(id -> id % 10 == 0)).isNotEmpty();
  }

  @Test
  void twoVectorSourcesShareTheFilterComposedOncePerRequest() {
    final RoaringBitmap third = multiplesOf3();
    final int[] restrictions = {0};
    final RequestFilterHydrator exclusions = RequestFilterHydrator.builder(index)
        .restriction((ctx, idx, f) -> {
          restrictions[0]++;
          f.andNot(third);
        }).build();
    final StageTest.Outcome out = StageTest
        .with(VectorSource.builder(index).k(10).ef(50).filter(exclusions).build())
        .source("second", VectorSource.builder(index).k(40).ef(80).filter(exclusions).build())
        .queryHydrator("exclusions", exclusions)
        .run(ctx -> ctx.queryVector(vectors[7]));
    assertThat(restrictions[0]).isEqualTo(1);
    assertThat(out.ids()).isNotEmpty();
    assertThat(Arrays.stream(out.ids()).filter(id -> id % 3 == 0)).isEmpty();
  }

  @Test
  void aVectorSourceWhoseFilterWasNotComposedThisRequestFailsInsteadOfSearchingUnfiltered() {
    final RequestFilterHydrator exclusions = RequestFilterHydrator.of(index);
    final Pipeline p = Pipeline.builder("gated").sourcesOnCallerThread()
        .queryHydrator("exclusions", exclusions,
            StageOptions.defaults().when(ctx -> ctx.attachment() == null))
        .source("ann", VectorSource.builder(index).k(10).ef(50).filter(exclusions).build())
        .build();
    final RequestContext ctx = p.newContext();
    final PipelineResult page = new PipelineResult();
    p.execute(ctx.reset().queryVector(vectors[1]), page);
    assertThat(page.idsCopy()).hasSize(10).contains(1L);
    ctx.reset().queryVector(vectors[1]).traceNextRequest().seenIds().add(1);
    p.execute(ctx, page);
    assertThat(page.idsCopy()).hasSize(10).doesNotContain(1L);
    // the next request skips the stage: the filter left from the last request must not be used
    ctx.reset().queryVector(vectors[1]).attachment("skip").traceNextRequest();
    p.execute(ctx, page);
    assertThat(page.size()).isZero();
    assertThat(page.degraded()).isTrue();
    assertThat(page.trace().step("ann").error()).contains("not composed for this request");
  }

  @Test
  void aPipelineWithoutTheFilterStageIsRejectedAtBuild() {
    final RequestFilterHydrator exclusions = RequestFilterHydrator.of(index);
    assertThatThrownBy(() -> StageTest
        .with(VectorSource.builder(index).k(10).filter(exclusions).build())
        .run(ctx -> ctx.queryVector(vectors[1])))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("reads query:request_filter");
    assertThatThrownBy(() -> VectorSource.builder(VectorIndex.builder(DIM, Metric.COSINE).build())
        .filter(exclusions)).hasMessageContaining("another index");
  }

  @Test
  void withoutARestrictionTheRuleJudgesCandidatesWithoutOrdinalsByTheExclusionSets() {
    final RequestFilterHydrator exclusions = RequestFilterHydrator.of(index);
    // other sources give no ordinals: author and community columns, and an id the index lacks
    final Candidates c = Candidates.builder().add(1, 0.9f, 10, 1, 0).add(2, 0.8f, 20, 1, 0)
        .add(3, 0.7f, 30, 5, 0).add(4, 0.6f, 40, 1, 0).add(N + 5, 0.5f, 50, 1, 0).build();
    final StageTest.Outcome out = StageTest.with(c)
        .queryHydrator("exclusions", exclusions)
        .rule("excluded", exclusions.rule())
        .run(ctx -> {
          ctx.seenIds().add(4);
          ctx.blockedAuthors().add(20);
          ctx.mutedCommunities().add(5);
        });
    // 2 by a blocked author, 3 in a muted community, 4 seen; N + 5 is judged by the sets too
    assertThat(out.ids()).containsExactly(1L, 5L + N);
    assertThat(exclusions.rule().reads()).contains(Feature.AUTHOR, Feature.COMMUNITY);
  }

  @Test
  void theRuleAppliesTheSameFilterToCandidatesOfOtherSources() {
    final RoaringBitmap third = multiplesOf3();
    final RequestFilterHydrator exclusions =
        RequestFilterHydrator.builder(index).restriction((ctx, idx, f) -> f.andNot(third)).build();
    final StageTest.Outcome out = StageTest.with(Candidates.ofIds(1, 2, 3, 4, 5, 6, 7, N + 5))
        .queryHydrator("exclusions", exclusions)
        .rule("excluded", exclusions.rule())
        .run(ctx -> ctx.seenIds().add(4));
    // 3 and 6 restricted, 4 seen, N + 5 not in the index (the restriction cannot judge it: removed)
    assertThat(out.ids()).containsExactly(1L, 2L, 5L, 7L);
    assertThat(exclusions.rule()).isSameAs(exclusions.rule());
  }

  @Test
  void vectorSourceWithoutAQueryVectorIsABadRequestNamingTheSource() {
    final StageTest test = StageTest.with(VectorSource.builder(index).k(10).build());
    assertThatThrownBy(test::run)
        .isInstanceOfSatisfying(PipelineException.class, e -> {
          assertThat(e.kind()).isEqualTo(PipelineException.Kind.BAD_REQUEST);
          assertThat(e.stage()).isEqualTo("candidates");
        })
        .hasMessageContaining("no query vector");
  }

  @Test
  void mmrSpreadsThePageOverDistinctDirections() {
    // 10 near-duplicates of one item, then 10 near-duplicates of another, all scored above the rest
    final Random random = new Random(5);
    final VectorIndex small = VectorIndex.builder(DIM, Metric.COSINE).seed(1).build();
    final Candidates.Builder c = Candidates.builder();
    for (int i = 0; i < 20; i++) {
      final float[] base = vectors[i < 10 ? 0 : 1].clone();
      for (int d = 0; d < DIM; d++) {
        base[d] += 0.01f * (float) random.nextGaussian();
      }
      small.add(i, base);
      c.add(i, 1f - 0.01f * i);
    }
    final StageTest.Outcome relevanceOnly = StageTest.with(c.build())
        .selector("mmr", new MmrDiversity(small, 1f, 20)).run(ctx -> ctx.pageSize(2));
    assertThat(relevanceOnly.ids()).containsExactly(0L, 1L);
    final StageTest.Outcome diverse = StageTest.with(c.build())
        .selector("mmr", new MmrDiversity(small, 0.5f, 20)).run(ctx -> ctx.pageSize(2));
    assertThat(diverse.ids()[0]).isEqualTo(0L);
    assertThat(diverse.ids()[1]).as("the second pick comes from the other cluster").isGreaterThanOrEqualTo(10L);
  }

  @Test
  void mmrKeepsEveryCandidateAfterThePage() {
    final StageTest.Outcome out = StageTest.with(Candidates.ofIds(0, 1, 2, 3, 4, 5, 6, 7))
        .selector("mmr", new MmrDiversity(index, 0.3f, 5)).run(ctx -> ctx.pageSize(3));
    assertThat(out.ids()).hasSize(3);
    assertThat(out.ids()).containsAnyOf(0L, 1L, 2L, 3L, 4L);
    assertThat(out.pipeline().metrics().stage("mmr").candidatesOut()).isEqualTo(8);
  }

  @Test
  void recencySourceReturnsNewestFollowedItemsWithinMaxAge() {
    final long now = 10_000_000L;
    final RecentItems items = new RecentItems(8);
    for (int i = 0; i < 12; i++) { // the ring keeps the last 8: ids 4..11
      items.append(i, 100 + i, i % 2, now - (12 - i) * 1000L);
    }
    final RecencySource source = new RecencySource(items, 3, 7_500, 1000, true);
    final StageTest.Outcome out = StageTest.with(source)
        .run(ctx -> ctx.nowMillis(now).followedCommunities().add(1));
    // newest first: 11, 10 (community 0), 9, 8 (c0), 7 (the limit), 6 (c0), 5 (age 7s), 4 (too old)
    assertThat(out.ids()).containsExactly(11L, 9L, 7L);
    assertThat(out.authors()).containsExactly(111L, 109L, 107L);
    assertThat(out.scores()[0]).isCloseTo(0.5f, org.assertj.core.data.Offset.offset(1e-6f));
    final StageTest.Outcome older = StageTest.with(new RecencySource(items, 10, 7_500, 1000, true))
        .run(ctx -> ctx.nowMillis(now).followedCommunities().add(1));
    assertThat(older.ids()).as("nothing older than 7.5 s").containsExactly(11L, 9L, 7L, 5L);
  }

  @Test
  void everyBuiltInStageHandlesAnEmptyBatch() {
    final ItemMetadata attributes = new ItemMetadata() {
      @Override
      public long author(long id) {
        return 1;
      }

      @Override
      public long community(long id) {
        return 1;
      }

      @Override
      public long createdAt(long id) {
        return 0;
      }
    };
    final RequestFilterHydrator exclusions = RequestFilterHydrator.of(index);
    final StageTest.Outcome out = StageTest.with(Candidates.ofIds())
        .source("recent", new RecencySource(new RecentItems(4), 10, 1000, 1000, false))
        .hydrator("attributes", new AttributeHydrator(attributes))
        .queryHydrator("exclusions", exclusions)
        .rule("excluded", exclusions.rule())
        .rule("removed", RemovedItemsRule.of(id -> true))
        .scorer("linear", LinearScorer.builder().build())
        .scorer("fresh", new FreshnessDecay(1000, 1f))
        .selector("sort", SortByScore.instance())
        .selector("author", DiversityCap.perAuthor(1))
        .selector("community", DiversityCap.perCommunity(1))
        .selector("mmr", new MmrDiversity(index, 0.5f, 10))
        .selector("blend", new SourceBlender(1, 1))
        .selector("cut", Truncate.to(5))
        .run(ctx -> ctx.seenIds().add(1));
    assertThat(out.ids()).isEmpty();
    assertThat(out.degraded()).isFalse();
  }

  @Test
  void recentItemsRejectsBadCapacity() {
    assertThatThrownBy(() -> new RecentItems(0)).hasMessageContaining("capacity");
    assertThat(new RecentItems(5).capacity()).isEqualTo(8);
  }
}
