package dev.trawl.pipeline.stages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trawl.index.SearchResults;
import dev.trawl.index.VectorIndex;
import dev.trawl.pipeline.PipelineException;
import dev.trawl.pipeline.testkit.Candidates;
import dev.trawl.pipeline.testkit.StageTest;
import dev.trawl.vector.Metric;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

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
  void vectorSourceReturnsTheNearestItemsWithSimilarityAndOrdinals() {
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

  @Test
  void vectorSourceSkipsSeenIdsInsideTheWalkAndStillFillsK() {
    final float[] query = vectors[9];
    final StageTest.Outcome out = StageTest.with(
        VectorSource.builder(index).k(30).ef(100).excludeSeen(true)
            .filter(ctx -> NOT_MULTIPLE_OF_3).build())
        .run(ctx -> ctx.queryVector(query).seenIds().add(9));
    assertThat(out.ids()).hasSize(30).doesNotContain(9L);
    assertThat(java.util.Arrays.stream(out.ids()).filter(id -> id % 3 == 0)).isEmpty();
  }

  private static final dev.trawl.hnsw.OrdinalFilter NOT_MULTIPLE_OF_3 =
      ordinal -> index.idOf(ordinal) % 3 != 0;

  @Test
  void vectorSourceUsesTheFilterTheProviderPicksForTheRequest() {
    final dev.trawl.hnsw.OrdinalFilter evenIds = ordinal -> index.idOf(ordinal) % 2 == 0;
    // the host keeps a request-scoped filter in the context's attachment
    final StageTest test = StageTest.with(VectorSource.builder(index).k(25).ef(100)
        .filter(ctx -> ctx.attachment() == null ? dev.trawl.hnsw.OrdinalFilter.ALL : ctx.attachment())
        .build());
    final long[] filtered = test.run(ctx -> ctx.queryVector(vectors[3]).attachment(evenIds)).ids();
    assertThat(filtered).hasSize(25);
    assertThat(java.util.Arrays.stream(filtered).filter(id -> id % 2 != 0)).isEmpty();
    final long[] open = test.run(ctx -> ctx.queryVector(vectors[3])).ids();
    assertThat(java.util.Arrays.stream(open).filter(id -> id % 2 != 0)).isNotEmpty();
  }

  @Test
  void aBitmapRequestFilterIsPlannedSoARestrictiveFilterStillReturnsEveryAllowedItem() {
    final org.roaringbitmap.RoaringBitmap allowed = new org.roaringbitmap.RoaringBitmap();
    for (long id : new long[] {3, 300, 777, 1500, 1999}) {
      allowed.add(index.ordinalOf(id));
    }
    final dev.trawl.filter.RequestFilter only = new dev.trawl.filter.RequestFilter(N);
    final StageTest test = StageTest.with(VectorSource.builder(index).k(20).ef(40)
        .filter(ctx -> ctx.attachment()).build());
    final long[] ids = test.run(ctx -> {
      only.allowNone().or(allowed);
      ctx.queryVector(vectors[42]).attachment(only);
    }).ids();
    assertThat(ids).containsExactlyInAnyOrder(3L, 300L, 777L, 1500L, 1999L);
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
  void recencySourceReturnsNewestFollowedUnseenItemsWithinMaxAge() {
    final long now = 10_000_000L;
    final RecentItems items = new RecentItems(8);
    for (int i = 0; i < 12; i++) { // the ring keeps the last 8: ids 4..11
      items.append(i, 100 + i, i % 2, now - (12 - i) * 1000L);
    }
    final RecencySource source = new RecencySource(items, 3, 7_500, 1000, true);
    final StageTest.Outcome out = StageTest.with(source)
        .run(ctx -> {
          ctx.nowMillis(now).followedCommunities().add(1);
          ctx.seenIds().add(11);
        });
    // newest first: 11 (seen), 10 (community 0), 9, 8 (c0), 7, 6 (c0), 5 (age 7s), 4 (too old)
    assertThat(out.ids()).containsExactly(9L, 7L, 5L);
    assertThat(out.authors()).containsExactly(109L, 107L, 105L);
    assertThat(out.scores()[0]).isCloseTo(0.125f, org.assertj.core.data.Offset.offset(1e-6f));
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
    final StageTest.Outcome out = StageTest.with(Candidates.ofIds())
        .source("recent", new RecencySource(new RecentItems(4), 10, 1000, 1000, false))
        .hydrator("attributes", new AttributeHydrator(attributes))
        .filter("seen", ExcludeFilter.seen())
        .filter("blocked", ExcludeFilter.blockedAuthors())
        .filter("removed", ExcludeFilter.removed(id -> true))
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
