package dev.trawl.filter;

import dev.trawl.index.FilterPlanner;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trawl.index.SearchResults;
import dev.trawl.index.Searcher;
import dev.trawl.index.VectorIndex;
import dev.trawl.vector.Metric;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;

/** The index keeps its attribute bitmaps in step with adds, updates, attribute changes and removals. */
class AttributeIndexTest {
  private static final int NSFW = 0;
  private static final int SPOILER = 1;

  private static float[] vector(int i) {
    return new float[] {i, 1, (i * 7) % 5};
  }

  private static VectorIndex indexOfTen() {
    final VectorIndex index = VectorIndex.builder(3, Metric.L2).build();
    final ItemAttributes a = new ItemAttributes();
    for (int i = 0; i < 10; i++) {
      a.clear().author(100 + i % 2).community(i % 5).language(i < 5 ? 1 : 2);
      if (i % 3 == 0) {
        a.flag(NSFW);
      }
      index.add(i, vector(i), a);
    }
    return index;
  }

  private static long[] searchAll(VectorIndex index, RequestFilter filter) {
    final Searcher searcher = index.newSearcher();
    final SearchResults results = new SearchResults(10);
    searcher.search(new float[] {0, 1, 0}, 10, 10, filter, results);
    final long[] ids = results.idsCopy();
    java.util.Arrays.sort(ids);
    return ids;
  }

  @Test
  void addIndexesEveryAttributeAndFiltersComposeOnThem() {
    final VectorIndex index = indexOfTen();
    final AttributeIndex attributes = index.attributes();
    assertThat(attributes.authors().cardinality(100)).isEqualTo(5);
    assertThat(attributes.flags().cardinality(NSFW)).isEqualTo(4);
    final RequestFilter filter = index.newFilter();
    filter.allowAll().and(attributes.languages(), 1).andNot(attributes.flags(), NSFW);
    assertThat(searchAll(index, filter)).containsExactly(1, 2, 4);
    filter.allowNone().or(attributes.communities(), 2).or(attributes.communities(), 4);
    assertThat(searchAll(index, filter)).containsExactly(2, 4, 7, 9);
  }

  @Test
  void updateKeepsAttributesUnlessNewOnesAreGiven() {
    final VectorIndex index = indexOfTen();
    index.update(4, vector(40));
    final ItemAttributes read = new ItemAttributes();
    index.attributes(4, read);
    assertThat(read.author()).isEqualTo(100);
    assertThat(read.community()).isEqualTo(4);
    assertThat(index.attributes().communities().cardinality(4)).isEqualTo(2);
    index.update(4, vector(41), new ItemAttributes().community(3).flag(SPOILER));
    index.attributes(4, read);
    assertThat(read.author()).isEqualTo(ItemAttributes.NONE);
    assertThat(read.hasFlag(SPOILER)).isTrue();
    assertThat(index.attributes().communities().cardinality(4)).isEqualTo(1);
    assertThat(index.attributes().communities().cardinality(3)).isEqualTo(3);
    assertThat(index.attributes().authors().cardinality(100)).isEqualTo(4);
  }

  @Test
  void setAttributesMovesTheItemBetweenBitmapsAndRemoveTakesItOut() {
    final VectorIndex index = indexOfTen();
    final RequestFilter filter = index.newFilter();
    index.setAttributes(3, new ItemAttributes().author(7).community(0).language(1));
    assertThat(index.attributes().flags().cardinality(NSFW)).isEqualTo(3);
    filter.allowAll().and(index.attributes().authors(), 7);
    assertThat(searchAll(index, filter)).containsExactly(3);
    index.remove(3);
    assertThat(index.attributes().authors().cardinality(7)).isZero();
    assertThat(index.attributes().authors().keyCount()).isEqualTo(2);
    assertThat(searchAll(index, filter)).isEmpty();
  }

  @Test
  void badAttributeInputIsRejectedWithClearMessagesAndChangesNothing() {
    final VectorIndex index = indexOfTen();
    assertThatThrownBy(() -> new ItemAttributes().flag(64))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("flag bit must be in [0, 63], got 64");
    assertThatThrownBy(() -> index.setAttributes(99, new ItemAttributes()))
        .isInstanceOf(NoSuchElementException.class)
        .hasMessageContaining("id 99");
    assertThatThrownBy(() -> index.setAttributes(1, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("attributes is null");
    assertThatThrownBy(() -> index.add(1, vector(1), new ItemAttributes().author(5)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(index.attributes().authors().cardinality(5)).isZero();
    assertThatThrownBy(() -> index.newSearcher().search(vector(0), 10, 10, (RequestFilter) null,
            new SearchResults(10)))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("filter is null");
  }

  @Test
  void plannerSettingsRejectOutOfRangeValues() {
    final FilterPlanner planner = indexOfTen().newSearcher().planner();
    assertThatThrownBy(() -> planner.exactBelow(-1)).hasMessageContaining("exactBelow");
    assertThatThrownBy(() -> planner.walkCostPerEf(0)).hasMessageContaining("walkCostPerEf");
    assertThatThrownBy(() -> planner.maxEfFactor(0)).hasMessageContaining("maxEfFactor");
    assertThatThrownBy(() -> planner.forcePlan(FilterPlanner.WALK_THEN_EXACT))
        .hasMessageContaining("forcePlan");
  }

  @Test
  void plannerScansExactlyWhenFewItemsAreAllowedAndWalksWhenMostAre() {
    final VectorIndex index = VectorIndex.builder(3, Metric.L2).build();
    for (int i = 0; i < 3_000; i++) {
      index.add(i, new float[] {i % 97, i % 89, i % 83});
    }
    final Searcher searcher = index.newSearcher();
    final RequestFilter filter = index.newFilter();
    final SearchResults results = new SearchResults(10);
    filter.allowNone().or(org.roaringbitmap.RoaringBitmap.bitmapOfRange(0, 500));
    searcher.search(new float[] {1, 2, 3}, 10, 32, filter, results);
    assertThat(searcher.planner().lastPlan()).isEqualTo(FilterPlanner.EXACT);
    assertThat(searcher.planner().lastVisited()).isEqualTo(500);
    filter.allowAll().andNotIds(new long[] {1, 2, 3}, 0, 3, index);
    searcher.search(new float[] {1, 2, 3}, 10, 32, filter, results);
    assertThat(searcher.planner().lastPlan()).isEqualTo(FilterPlanner.WALK);
    assertThat(searcher.planner().lastEf()).isEqualTo(32);
    filter.allowNone();
    assertThat(searcher.search(new float[] {1, 2, 3}, 10, 32, filter, results)).isZero();
  }

  @Test
  void theWalkWidensItsBeamByTheExcludedItemsNearTheQueryOnly() {
    final VectorIndex index = VectorIndex.builder(3, Metric.L2).build();
    for (int i = 0; i < 3_000; i++) {
      index.add(i, new float[] {i % 97, i % 89, i % 83});
    }
    final Searcher searcher = index.newSearcher();
    final RequestFilter filter = index.newFilter();
    final float[] query = {40, 41, 42};
    final SearchResults nearest = new SearchResults(100);
    searcher.searchExact(query, 100, nearest);
    final long[] seen = new long[100];
    for (int i = 0; i < seen.length; i++) {
      seen[i] = nearest.id(i);
    }
    final SearchResults results = new SearchResults(10);
    filter.allowAll().andNotIds(seen, 0, seen.length, index);
    searcher.search(query, 10, 32, filter, results);
    assertThat(searcher.planner().lastPlan()).isEqualTo(FilterPlanner.WALK);
    assertThat(searcher.planner().lastEf()).as("k + the 100 nearest, all excluded").isEqualTo(110);

    // The 100 farthest items: excluded one by one too, but none is near the query.
    final SearchResults farthest = new SearchResults(3_000);
    searcher.searchExact(query, 3_000, farthest);
    for (int i = 0; i < seen.length; i++) {
      seen[i] = farthest.id(2_999 - i);
    }
    filter.allowAll().andNotIds(seen, 0, seen.length, index);
    searcher.search(query, 10, 32, filter, results);
    assertThat(searcher.planner().lastEf()).as("far exclusions do not widen").isEqualTo(32);

    searcher.planner().maxEfFactor(1);
    for (int i = 0; i < seen.length; i++) {
      seen[i] = nearest.id(i);
    }
    filter.allowAll().andNotIds(seen, 0, seen.length, index);
    searcher.search(query, 10, 32, filter, results);
    assertThat(searcher.planner().lastEf()).as("maxEfFactor(1) turns widening off").isEqualTo(32);
  }

  @Test
  void aWalkThatExhaustsItsBudgetFallsBackToAnExactScan() {
    final VectorIndex index = VectorIndex.builder(2, Metric.L2).build();
    for (int i = 0; i < 3_000; i++) {
      index.add(i, new float[] {i, (i * 13) % 7});
    }
    final Searcher searcher = index.newSearcher();
    searcher.planner().exactBelow(0).walkCostPerEf(1); // make the estimate favour the walk
    final RequestFilter filter = index.newFilter();
    // Only the 1,000 items farthest from the query are allowed: the walk must wade through 2,000.
    filter.allowNone().or(org.roaringbitmap.RoaringBitmap.bitmapOfRange(2_000, 3_000));
    final SearchResults results = new SearchResults(10);
    final SearchResults exact = new SearchResults(10);
    searcher.search(new float[] {0, 0}, 10, 32, filter, results);
    assertThat(searcher.planner().lastPlan()).isEqualTo(FilterPlanner.WALK_THEN_EXACT);
    assertThat(searcher.planner().lastVisited()).isGreaterThan(1_000);
    searcher.searchExact(new float[] {0, 0}, 10, filter, exact);
    assertThat(results.idsCopy()).containsExactly(exact.idsCopy());
  }
}
