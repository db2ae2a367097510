package dev.trawl.filter;

import dev.trawl.index.FilterPlanner;
import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.index.SearchResults;
import dev.trawl.index.Searcher;
import dev.trawl.index.VectorIndex;
import dev.trawl.vector.Metric;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * With ordinal reuse on, a request filter composed before a removed item's ordinal went to a new item
 * never applies its stale bits to the new item: the new item is left out of that request, under both
 * plans, and a filter composed afterwards treats it by its own attributes.
 */
class FilterOrdinalReuseTest {
  private static final int N = 3_000;
  private static final int DIM = 8;
  private static final long COMMUNITY_A = 1;
  private static final long COMMUNITY_B = 2;

  private static float[] vector(SplittableRandom random, float centre) {
    final float[] v = new float[DIM];
    for (int d = 0; d < DIM; d++) {
      v[d] = centre + (float) random.nextGaussian() * 0.1f;
    }
    return v;
  }

  @Test
  void aFilterComposedBeforeAnOrdinalWasReusedNeverAdmitsTheNewItem() {
    final VectorIndex index = VectorIndex.builder(DIM, Metric.L2).m(8).efConstruction(64).seed(5)
        .repairThreshold(Double.POSITIVE_INFINITY).reuseOrdinals(true).build();
    final SplittableRandom random = new SplittableRandom(11);
    final ItemAttributes inA = new ItemAttributes().community(COMMUNITY_A);
    final ItemAttributes inB = new ItemAttributes().community(COMMUNITY_B);
    // Community A sits near the query (all coordinates ~1), community B far from it (~5).
    for (int id = 0; id < N; id++) {
      final boolean a = id % 2 == 0;
      index.add(id, vector(random, a ? 1f : 5f), a ? inA : inB);
    }
    final float[] query = vector(random, 1f);
    final Searcher searcher = index.newSearcher();
    final RequestFilter onlyA = index.newFilter();
    final RequestFilter everything = index.newFilter();

    onlyA.allowNone().or(index.attributes().communities(), COMMUNITY_A);
    everything.allowAll();

    // Remove half of community A and free their ordinals.
    for (int id = 0; id < N; id += 4) {
      index.remove(id);
    }
    for (int pass = 0; pass < 4 && index.stats().free() == 0; pass++) {
      index.repair();
    }
    assertThat(index.stats().free()).as("freed ordinals").isGreaterThan(0);

    // New community-B items right where the query is (nearer than every old item): they take the
    // freed ordinals.
    final long firstNew = 1_000_000;
    int reusedCount = 0;
    final float[] near = new float[DIM];
    for (int i = 0; i < 200; i++) {
      for (int d = 0; d < DIM; d++) {
        near[d] = query[d] + (float) random.nextGaussian() * 0.001f;
      }
      index.add(firstNew + i, near, inB);
      if (index.ordinalOf(firstNew + i) < N) {
        reusedCount++;
      }
    }
    assertThat(reusedCount).as("new items on reused ordinals").isGreaterThan(100);

    final SearchResults results = new SearchResults(50);
    for (int plan : new int[] {FilterPlanner.WALK, FilterPlanner.EXACT}) {
      searcher.planner().forcePlan(plan);
      searcher.search(query, 50, 64, onlyA, results);
      assertThat(results.size()).isEqualTo(50);
      for (int i = 0; i < results.size(); i++) {
        assertThat(results.id(i)).as("plan %d: a community-A item from before the reuse", plan)
            .isLessThan(N).matches(id -> id % 2 == 0);
      }
      searcher.search(query, 50, 64, everything, results);
      for (int i = 0; i < results.size(); i++) {
        assertThat(results.id(i)).as("plan %d: no item given an ordinal after composing", plan)
            .isLessThan(firstNew);
      }
    }

    // Composed now, the filters see the new items as what they are.
    searcher.planner().forcePlan(FilterPlanner.NONE);
    everything.allowAll();
    searcher.search(query, 50, 64, everything, results);
    int newOnes = 0;
    for (int i = 0; i < results.size(); i++) {
      newOnes += results.id(i) >= firstNew ? 1 : 0;
    }
    assertThat(newOnes).as("the nearest items are new, and a fresh filter finds them").isGreaterThan(45);
    onlyA.allowNone().or(index.attributes().communities(), COMMUNITY_A);
    searcher.search(query, 50, 64, onlyA, results);
    for (int i = 0; i < results.size(); i++) {
      assertThat(results.id(i) % 2).isZero();
    }
  }
}
