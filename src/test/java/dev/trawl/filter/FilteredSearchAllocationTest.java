package dev.trawl.filter;

import dev.trawl.index.FilterPlanner;
import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.index.SearchResults;
import dev.trawl.index.Searcher;
import dev.trawl.index.VectorIndex;
import dev.trawl.pipeline.testkit.Allocations;
import dev.trawl.vector.Metric;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Composing a request filter (attribute restrictions and exclusions plus a seen set by id) and running
 * the planned filtered search allocates nothing once warmed up, on both the walk and the exact plan:
 * 0 bytes over a window of 2,000 requests after the test kit's steady-state warm-up.
 */
class FilteredSearchAllocationTest {
  private static final int ITEMS = 6_000;
  private static final int DIM = 32;
  private static final int NSFW = 0;

  @Test
  void composingFiltersAndSearchingAllocatesNothingOnTheWalkAndTheExactPlan() {
    final SplittableRandom random = new SplittableRandom(5);
    final VectorIndex index =
        VectorIndex.builder(DIM, Metric.COSINE).seed(1).expectedItems(ITEMS).build();
    final ItemAttributes attributes = new ItemAttributes();
    final float[][] vectors = new float[ITEMS][DIM];
    for (int i = 0; i < ITEMS; i++) {
      for (int j = 0; j < DIM; j++) {
        vectors[i][j] = (float) random.nextGaussian();
      }
      attributes.clear().author(i % 200).community(i % 50).language(i % 3);
      if (i % 10 == 0) {
        attributes.flag(NSFW);
      }
      index.add(i, vectors[i], attributes);
    }
    final Searcher searcher = index.newSearcher();
    final RequestFilter filter = index.newFilter();
    final SearchResults results = new SearchResults(10);
    final long[] seen = new long[100];
    final float[][] queries = new float[64][];
    for (int q = 0; q < queries.length; q++) {
      queries[q] = vectors[random.nextInt(ITEMS)];
    }
    final int[] plans = new int[4];
    final int[] next = {0};
    final Runnable request =
        () -> request(index, searcher, filter, results, seen, queries, next[0]++, plans);
    assertThat(Allocations.steadyStateBytes(2_000, request)).as("bytes over 2,000 requests").isZero();
    assertThat(plans[FilterPlanner.WALK]).as("walk plans").isPositive();
    assertThat(plans[FilterPlanner.EXACT]).as("exact plans").isPositive();
    // the positive control: one 16-byte object every 25 requests fails the same check
    assertThat(Allocations.total(2_000, Allocations.allocatingEvery(25, request)))
        .as("positive control").isPositive();
  }

  /**
   * One request, of three kinds: exclusions only (a seen set by id, two authors, NSFW: walks), the same
   * restricted to one language, and an allow-list of one community (both small enough to scan).
   */
  private static void request(
      VectorIndex index, Searcher searcher, RequestFilter filter, SearchResults results,
      long[] seen, float[][] queries, int i, int[] plans) {
    final AttributeIndex attributes = index.attributes();
    final int kind = i % 3;
    if (kind < 2) {
      for (int s = 0; s < seen.length; s++) {
        seen[s] = (i * 31L + s * 7L) % ITEMS;
      }
      filter.allowAll();
      if (kind == 1) {
        filter.and(attributes.languages(), i % 3);
      }
      filter.andNot(attributes.authors(), i % 200)
          .andNot(attributes.authors(), (i + 1) % 200)
          .andNot(attributes.flags(), NSFW)
          .andNotIds(seen, 0, seen.length, index);
    } else {
      filter.allowNone().or(attributes.communities(), i % 50);
    }
    searcher.search(queries[i & 63], 10, 64, filter, results);
    plans[searcher.planner().lastPlan()]++;
  }
}
