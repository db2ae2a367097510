package dev.trawl.filter;

import dev.trawl.index.FilterPlanner;
import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.index.SearchResults;
import dev.trawl.index.Searcher;
import dev.trawl.index.VectorIndex;
import dev.trawl.testing.Builds;
import dev.trawl.testing.Datasets;
import dev.trawl.testing.Datasets.Dataset;
import dev.trawl.vector.Metric;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.roaringbitmap.RoaringBitmap;

/**
 * Recall@10 of filtered search on real data at default settings: index M = 16, efConstruction = 200,
 * search ef = 64 (as in {@code RealDataRecallTest}), the default {@link FilterPlanner}, k = 10. Truth is
 * the exact top-10 of the items the filter accepts ({@link Searcher#searchExact}).
 *
 * <p>Each index is built once per class. Query subsets keep the class near a minute: wordnet 300 of
 * 1,000 queries, siftsmall all 100, Fashion-MNIST 200 of 10,000 queries over the first 15,000 of the
 * 60,000 base images, whose true top-100 is recomputed exactly since the published truth is over the
 * full base (run with {@code -Dtrawl.fashion.base=60000} for the full base and its published truth;
 * {@code -Dtrawl.filter.ef=40} measures another search ef, and the floors still apply). Each case prints
 * its recall, mean nodes scored and plan mix, which docs/filters.md quotes.
 */
class FilteredSearchRecallTest {
  private static final int K = 10;
  private static final int EF = Integer.getInteger("trawl.filter.ef", 64);
  /** 4 is the planner's default; -Dtrawl.filter.maxEfFactor=1 measures the walk without widening. */
  private static final int MAX_EF_FACTOR = Integer.getInteger("trawl.filter.maxEfFactor", 4);
  private static final int COMMUNITIES = 50;
  private static final Map<String, Fixture> FIXTURES = new HashMap<>();

  /** One built index and its data. Items have ids 0..n-1 and a seeded community in [0, 50). */
  record Fixture(Dataset data, VectorIndex index, int queries) {}

  private static synchronized Fixture fixture(String name) throws Exception {
    Fixture f = FIXTURES.get(name);
    if (f != null) {
      return f;
    }
    final Dataset data;
    final Metric metric;
    final int queries;
    switch (name) {
      case "wordnet" -> {
        data = Datasets.wordnet();
        metric = Metric.COSINE;
        queries = 300;
      }
      case "siftsmall" -> {
        data = Datasets.siftSmall();
        metric = Metric.L2;
        queries = 100;
      }
      default -> {
        final Dataset full = Datasets.fashionMnist();
        final int base = Math.min(full.base().length, Integer.getInteger("trawl.fashion.base", 15_000));
        data = new Dataset(full.name(), Arrays.copyOf(full.base(), base), full.queries(), full.truth());
        metric = Metric.L2;
        queries = 200;
      }
    }
    final VectorIndex index =
        VectorIndex.builder(data.base()[0].length, metric)
            .seed(7)
            .expectedItems(data.base().length)
            .build();
    Builds.addAll(index, data.base(), 2);
    final SplittableRandom random = new SplittableRandom(3);
    final ItemAttributes attributes = new ItemAttributes();
    for (int id = 0; id < data.base().length; id++) {
      index.setAttributes(id, attributes.clear().community(random.nextInt(COMMUNITIES)));
    }
    final int queryCount = Math.min(queries, data.queries().length);
    final boolean subset = "fashion".equals(name) && data.base().length < 60_000;
    final Dataset withTruth =
        subset
            ? new Dataset(data.name(), data.base(), data.queries(), subsetTruth(index, data, queryCount))
            : data;
    f = new Fixture(withTruth, index, queryCount);
    FIXTURES.put(name, f);
    return f;
  }

  /**
   * The published truth is over the full base; on a subset, the true top-100 of each used query is
   * recomputed exactly, so "seen top-N" still excludes the N nearest items that are in the index.
   */
  private static int[][] subsetTruth(VectorIndex index, Dataset data, int queries) {
    final Searcher searcher = index.newSearcher();
    final SearchResults top = new SearchResults(100);
    final int[][] truth = new int[queries][100];
    for (int q = 0; q < queries; q++) {
      searcher.searchExact(data.queries()[q], 100, top);
      for (int i = 0; i < top.size(); i++) {
        truth[q][i] = (int) top.id(i);
      }
    }
    return truth;
  }

  /** Builds the request filter for query {@code q} into {@code filter}. */
  @FunctionalInterface
  interface FilterMaker {
    void make(Fixture fixture, int q, RequestFilter filter);
  }

  /** Mean recall@10 and mean nodes scored per query (the planner's clock-free cost). */
  record Outcome(double recall, double visited) {}

  /** Mean recall@10 over the fixture's queries; also checks every result passes the filter. */
  private static double recall(Fixture f, String label, FilterMaker maker) {
    return measure(f, label, maker, FilterPlanner.NONE).recall();
  }

  /** As {@link #recall(Fixture, String, FilterMaker)}, with the planner forced to {@code plan}. */
  private static double recall(Fixture f, String label, FilterMaker maker, int plan) {
    return measure(f, label, maker, plan).recall();
  }

  /** Recall and cost of one filter over the fixture's queries, printed as a table row. */
  private static Outcome measure(Fixture f, String label, FilterMaker maker, int plan) {
    final Searcher searcher = f.index().newSearcher();
    searcher.planner().forcePlan(plan).maxEfFactor(MAX_EF_FACTOR);
    final RequestFilter filter = f.index().newFilter();
    final SearchResults found = new SearchResults(K);
    final SearchResults truth = new SearchResults(K);
    final int[] plans = new int[4];
    double sum = 0;
    long visited = 0;
    for (int q = 0; q < f.queries(); q++) {
      maker.make(f, q, filter);
      final float[] query = f.data().queries()[q];
      searcher.searchExact(query, K, filter, truth);
      searcher.search(query, K, EF, filter, found);
      visited += searcher.planner().lastVisited();
      plans[searcher.planner().lastPlan()]++;
      int hits = 0;
      for (int i = 0; i < found.size(); i++) {
        assertThat(filter.accepts(f.index().ordinalOf(found.id(i)))).as("result passes the filter").isTrue();
        for (int j = 0; j < truth.size(); j++) {
          if (found.id(i) == truth.id(j)) {
            hits++;
            break;
          }
        }
      }
      sum += hits / (double) Math.min(K, truth.size());
    }
    final Outcome outcome = new Outcome(sum / f.queries(), visited / (double) f.queries());
    System.out.printf(
        "filter-recall %-18s %-30s recall@10=%.4f visited=%.0f plans[exact=%d walk=%d walk+exact=%d]%n",
        f.data().name(), label, outcome.recall(), outcome.visited(),
        plans[FilterPlanner.EXACT], plans[FilterPlanner.WALK], plans[FilterPlanner.WALK_THEN_EXACT]);
    return outcome;
  }

  /** The adversarial "seen" filter: the query's true top-N nearest items are excluded by id. */
  private static Outcome seenTopN(Fixture f, int n) {
    final long[] seen = new long[n];
    return measure(f, "seen top-" + n, (fx, q, filter) -> {
      for (int i = 0; i < n; i++) {
        seen[i] = fx.data().truth()[q][i];
      }
      filter.allowAll().andNotIds(seen, 0, n, fx.index());
    }, FilterPlanner.NONE);
  }

  /**
   * A large seen set: the query's true top-100 plus {@code extra} random other items (a long-time
   * user's history, mostly far from today's query).
   */
  private static Outcome seenTop100PlusRandom(Fixture f, int extra) {
    final long[] seen = new long[100 + extra];
    final SplittableRandom random = new SplittableRandom(29);
    return measure(f, "seen top-100 + " + extra + " random", (fx, q, filter) -> {
      for (int i = 0; i < 100; i++) {
        seen[i] = fx.data().truth()[q][i];
      }
      for (int i = 100; i < seen.length; i++) {
        seen[i] = random.nextInt(fx.data().base().length);
      }
      filter.allowAll().andNotIds(seen, 0, seen.length, fx.index());
    }, FilterPlanner.NONE);
  }

  /** Measures every case before failing, so a run prints the whole table. */
  private static void assertSeenRecall(String dataset, double floor) throws Exception {
    final Fixture f = fixture(dataset);
    final SoftAssertions softly = new SoftAssertions();
    // The unfiltered baseline, for the cost comparison in docs/filters.md.
    softly.assertThat(recall(f, "no filter (baseline)", (fx, q, filter) -> filter.allowAll()))
        .as("%s, no filter", dataset)
        .isGreaterThanOrEqualTo(floor);
    Outcome top100 = null;
    for (int n : new int[] {10, 50, 100}) {
      final Outcome seen = seenTopN(f, n);
      softly.assertThat(seen.recall()).as("%s, seen top-%d", dataset, n).isGreaterThanOrEqualTo(floor);
      top100 = seen;
    }
    final Outcome history = seenTop100PlusRandom(f, 2_000);
    softly.assertThat(history.recall())
        .as("%s, seen top-100 plus 2,000 random", dataset)
        .isGreaterThanOrEqualTo(floor);
    // The beam widens by the excluded items the walk meets near the query, not by the history's size:
    // 2,000 more far-away exclusions cost only the extra rejected nodes the walk passes (about 10%).
    softly.assertThat(history.visited())
        .as("%s, nodes scored with 2,000 far exclusions vs the top-100 alone", dataset)
        .isLessThanOrEqualTo(1.2 * top100.visited());
    softly.assertAll();
  }

  @Test
  void excludingEachQuerysTrueTopNKeepsRecall097OnTextEmbeddings() throws Exception {
    assertSeenRecall("wordnet", 0.97);
  }

  @Test
  void excludingEachQuerysTrueTopNKeepsRecall098OnSiftSmall() throws Exception {
    assertSeenRecall("siftsmall", 0.98);
  }

  @Test
  void excludingEachQuerysTrueTopNKeepsRecall098OnFashionMnist() throws Exception {
    assertSeenRecall("fashion", 0.98);
  }

  /** A random allow-list keeping {@code fraction} of the items (by ordinal), seeded. */
  private static RoaringBitmap randomKeep(Fixture f, double fraction, long seed) {
    final SplittableRandom random = new SplittableRandom(seed);
    final RoaringBitmap keep = new RoaringBitmap();
    for (int id = 0; id < f.data().base().length; id++) {
      if (random.nextDouble() < fraction) {
        keep.add(f.index().ordinalOf(id));
      }
    }
    return keep;
  }

  private static void assertRandomAndAttributeRecall(String dataset) throws Exception {
    final Fixture f = fixture(dataset);
    for (double fraction : new double[] {0.5, 0.1, 0.01}) {
      final RoaringBitmap keep = randomKeep(f, fraction, 17);
      final FilterMaker maker = (fx, q, filter) -> filter.allowAll().and(keep);
      assertThat(recall(f, "random keep " + fraction, maker))
          .as("%s, random filter keeping %s", dataset, fraction)
          .isGreaterThanOrEqualTo(0.95);
      // The walk alone must also hold up, should the planner's estimate send such a filter to it.
      assertThat(recall(f, "random keep " + fraction + " (walk)", maker, FilterPlanner.WALK))
          .as("%s, random filter keeping %s, forced walk", dataset, fraction)
          .isGreaterThanOrEqualTo(0.95);
    }
    final FilterMaker oneCommunity = (fx, q, filter) ->
        filter.allowAll().and(fx.index().attributes().communities(), q % COMMUNITIES);
    assertThat(recall(f, "one community of 50", oneCommunity))
        .as("%s, one community of 50", dataset)
        .isGreaterThanOrEqualTo(0.95);
    assertThat(recall(f, "one community of 50 (walk)", oneCommunity, FilterPlanner.WALK))
        .as("%s, one community of 50, forced walk", dataset)
        .isGreaterThanOrEqualTo(0.95);
  }

  @Test
  void randomAndCommunityFiltersKeepRecall095OnTextEmbeddings() throws Exception {
    assertRandomAndAttributeRecall("wordnet");
  }

  @Test
  void randomAndCommunityFiltersKeepRecall095OnSiftSmall() throws Exception {
    assertRandomAndAttributeRecall("siftsmall");
  }
}
