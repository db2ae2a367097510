package dev.trawl.index;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.hnsw.HnswGraph;
import dev.trawl.testing.Builds;
import dev.trawl.testing.Vectors;
import dev.trawl.vector.Metric;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Under a steady stream of upserts over a fixed set of live ids, an index that reuses the ordinals of
 * replaced items stays bounded in ordinals, never returns an id with another item's (or an old)
 * vector, and keeps the recall of an index built from scratch on the live items.
 */
class OrdinalReuseChurnTest {
  private static final int N = 5_000;
  private static final int DIM = 64;
  private static final int UPSERTS = 50_000;
  private static final int CLUSTERS = 40;
  private static final int RECALL_EF = 16;

  private static VectorIndex.Builder builder() {
    return VectorIndex.builder(DIM, Metric.L2).m(12).efConstruction(80).seed(3).expectedItems(N)
        .reuseOrdinals(true);
  }

  private static float squaredL2(float[] a, float[] b) {
    float sum = 0;
    for (int i = 0; i < a.length; i++) {
      final float d = a[i] - b[i];
      sum += d * d;
    }
    return sum;
  }

  /** Whether {@code distance} is the distance from {@code query} to one of {@code versions}. */
  private static boolean matchesOneOf(float[] query, float distance, List<float[]> versions) {
    for (float[] v : versions) {
      final float expected = squaredL2(query, v);
      if (Math.abs(expected - distance) <= 1e-3f * Math.max(1f, expected)) {
        return true;
      }
    }
    return false;
  }

  /** Mean recall@10 of approximate search against exact search, over the queries. */
  private static double recall(VectorIndex index, float[][] queries, int ef) {
    final Searcher searcher = index.newSearcher();
    final SearchResults found = new SearchResults(10);
    final SearchResults truth = new SearchResults(10);
    double sum = 0;
    for (float[] q : queries) {
      searcher.searchExact(q, 10, truth);
      searcher.search(q, 10, ef, found);
      int hits = 0;
      for (int i = 0; i < found.size(); i++) {
        for (int j = 0; j < truth.size(); j++) {
          if (found.id(i) == truth.id(j)) {
            hits++;
            break;
          }
        }
      }
      sum += hits / 10.0;
    }
    return sum / queries.length;
  }

  /**
   * Every link of every node reachable from the entry point names a published node of at least the
   * link's level: no reachable list leads to a freed (unpublished) or reused-at-a-lower-level slot.
   */
  private static void assertNoReachableLinkToFreedNodes(HnswGraph graph) {
    final java.util.BitSet reached = new java.util.BitSet();
    final java.util.ArrayDeque<Integer> queue = new java.util.ArrayDeque<>();
    reached.set(graph.entryNode());
    queue.add(graph.entryNode());
    while (!queue.isEmpty()) {
      final int node = queue.poll();
      final int level = graph.publishedLevel(node);
      assertThat(level).as("reachable node %d is published", node).isGreaterThanOrEqualTo(0);
      for (int l = 0; l <= level; l++) {
        final int[] links = new int[graph.maxDegree(l)];
        for (int i = 0, count = graph.copyLinks(node, l, links); i < count; i++) {
          final int target = links[i];
          assertThat(graph.publishedLevel(target))
              .as("node %d links on level %d to %d", node, l, target)
              .isGreaterThanOrEqualTo(l);
          if (!reached.get(target)) {
            reached.set(target);
            queue.add(target);
          }
        }
      }
    }
  }

  private static void assertRecallWithin(VectorIndex index, float[][] current,
      float[][] queries, int ef, double tolerance) throws Exception {
    final VectorIndex fresh = builder().reuseOrdinals(false).build();
    Builds.addAll(fresh, current, 1);
    final double churned = recall(index, queries, ef);
    final double built = recall(fresh, queries, ef);
    System.out.printf("churn recall@10 at ef=%d: churned %.4f, fresh build %.4f%n", ef, churned, built);
    assertThat(churned).as("recall after churn vs fresh build %.4f", built)
        .isGreaterThanOrEqualTo(built - tolerance);
  }

  private static void assertEveryResultHasItsCurrentVector(VectorIndex index, float[][] current,
      float[][] queries) {
    final Searcher searcher = index.newSearcher();
    final SearchResults found = new SearchResults(10);
    for (float[] q : queries) {
      searcher.search(q, 10, 48, found);
      assertThat(found.size()).isEqualTo(10);
      for (int i = 0; i < found.size(); i++) {
        final long id = found.id(i);
        assertThat(found.distance(i))
            .as("distance of id %d", id)
            .isCloseTo(squaredL2(q, current[(int) id]),
                org.assertj.core.data.Offset.offset(1e-3f * Math.max(1f, found.distance(i))));
      }
    }
  }

  /** What a single-writer churn run leaves behind. */
  private record Churned(VectorIndex index, float[][] current, float[][] queries, int maxOrdinals,
      double visitedPerSearch) {}

  /**
   * Builds N items, then upserts random existing ids UPSERTS times from one thread, searching every 50
   * upserts and checking each result's distance against its id's current vector. Repairs run on the
   * same thread every N / 10 upserts (what the default threshold of 0.1 asks for), so the run, and the
   * graph it leaves, is the same every time; the concurrent test below covers automatic repairs.
   */
  private static Churned churn(boolean reuse) throws Exception {
    // one draw, so that items, their updates and the queries share the same cluster centres
    final float[][] all = Vectors.clustered(N + UPSERTS + 200, DIM, CLUSTERS, 11);
    final float[][] base = java.util.Arrays.copyOfRange(all, 0, N);
    final float[][] updates = java.util.Arrays.copyOfRange(all, N, N + UPSERTS);
    final float[][] queries = java.util.Arrays.copyOfRange(all, N + UPSERTS, all.length);
    final VectorIndex index =
        builder().reuseOrdinals(reuse).repairThreshold(Double.POSITIVE_INFINITY).build();
    Builds.addAll(index, base, 1);
    final float[][] current = base.clone();
    final SplittableRandom random = new SplittableRandom(5);
    final Searcher searcher = index.newSearcher();
    final SearchResults found = new SearchResults(10);
    int maxOrdinals = index.graph().size();
    for (int u = 0; u < UPSERTS; u++) {
      final int id = random.nextInt(N);
      index.upsert(id, updates[u]);
      current[id] = updates[u];
      maxOrdinals = Math.max(maxOrdinals, index.graph().size());
      if (u % (N / 10) == N / 10 - 1) {
        index.repair();
      }
      if (u % 50 == 0) {
        final float[] q = queries[u % queries.length];
        searcher.search(q, 10, 48, found);
        for (int i = 0; i < found.size(); i++) {
          assertThat(found.distance(i)).as("distance of id %d", found.id(i))
              .isCloseTo(squaredL2(q, current[(int) found.id(i)]),
                  org.assertj.core.data.Offset.offset(1e-3f * Math.max(1f, found.distance(i))));
        }
      }
    }
    index.repair();
    long visited = 0;
    for (float[] q : queries) {
      searcher.search(q, 10, RECALL_EF, found);
      visited += searcher.visitedCount();
    }
    return new Churned(index, current, queries, maxOrdinals, visited / (double) queries.length);
  }

  @Test
  void singleWriterUpsertsKeepOrdinalsBoundedAndResultsTrue() throws Exception {
    final Churned run = churn(true);
    final VectorIndex index = run.index();
    assertThat(index.size()).isEqualTo(N);
    assertThat(run.maxOrdinals()).as("ordinals allocated").isLessThanOrEqualTo(N * 3 / 2);
    assertThat(index.repairsCompleted()).isGreaterThan(10);
    assertNoReachableLinkToFreedNodes(index.graph());
    assertEveryResultHasItsCurrentVector(index, run.current(), run.queries());
    assertRecallWithin(index, run.current(), run.queries(), RECALL_EF, 0.01);
  }

  /**
   * Not a check: prints ordinals and visited nodes per search after the same churn with and without
   * reuse, and for a fresh build (docs/benchmarks.md). Run with
   * {@code mvn -q -B -o test -Dtest=OrdinalReuseChurnTest -Dtrawl.churn.report=true}.
   */
  @Test
  @EnabledIfSystemProperty(named = "trawl.churn.report", matches = "true")
  void reportsOrdinalsAndVisitedNodesWithAndWithoutReuse() throws Exception {
    final VectorIndex fresh = builder().reuseOrdinals(false).build();
    for (boolean reuse : new boolean[] {false, true}) {
      final Churned run = churn(reuse);
      if (!reuse) {
        Builds.addAll(fresh, run.current(), 1);
      }
      System.out.printf("churn N=%d upserts=%d reuse=%s: max ordinals %d, final ordinals %d, "
              + "memoryBytes %d, visited/search (ef=%d) %.1f, recall@10 %.4f%n",
          N, UPSERTS, reuse, run.maxOrdinals(), run.index().graph().size(),
          run.index().memoryBytes(), RECALL_EF, run.visitedPerSearch(),
          recall(run.index(), run.queries(), RECALL_EF));
      System.out.printf("  recall@10 at ef=64: churned %.4f%n", recall(run.index(), run.queries(), 64));
      if (reuse) {
        final Searcher searcher = fresh.newSearcher();
        final SearchResults found = new SearchResults(10);
        long visited = 0;
        for (float[] q : run.queries()) {
          searcher.search(q, 10, RECALL_EF, found);
          visited += searcher.visitedCount();
        }
        System.out.printf("fresh build of the same live items: ordinals %d, memoryBytes %d, "
                + "visited/search (ef=%d) %.1f, recall@10 %.4f%n",
            fresh.graph().size(), fresh.memoryBytes(), RECALL_EF,
            visited / (double) run.queries().length, recall(fresh, run.queries(), RECALL_EF));
        System.out.printf("  recall@10 at ef=64: fresh %.4f%n", recall(fresh, run.queries(), 64));
      }
    }
  }

  /**
   * Two writers (each owning half the ids; a quarter of their writes are a removal and a fresh add,
   * the rest upserts), a searching thread checking every result against the vectors its id has held,
   * and automatic background repairs.
   */
  @Test
  void twoWritersAndASearcherKeepOrdinalsBoundedAndNeverReturnAnotherItemsVector()
      throws Exception {
    // one draw, so that items, their updates and the queries share the same cluster centres
    final float[][] all = Vectors.clustered(N + UPSERTS + 200, DIM, CLUSTERS, 21);
    final float[][] base = java.util.Arrays.copyOfRange(all, 0, N);
    final float[][] updates = java.util.Arrays.copyOfRange(all, N, N + UPSERTS);
    final float[][] queries = java.util.Arrays.copyOfRange(all, N + UPSERTS, all.length);
    final VectorIndex index = builder().build();
    Builds.addAll(index, base, 2);
    // every vector each id has held or is about to hold: a concurrent search may see any of them
    @SuppressWarnings("unchecked")
    final List<float[]>[] versions = new List[N];
    for (int id = 0; id < N; id++) {
      versions[id] = new CopyOnWriteArrayList<>(List.of(base[id]));
    }
    final float[][] current = base.clone();
    final AtomicBoolean writing = new AtomicBoolean(true);
    final AtomicInteger maxOrdinals = new AtomicInteger(index.graph().size());
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    final AtomicInteger searches = new AtomicInteger();
    final List<Thread> threads = new ArrayList<>();
    for (int w = 0; w < 2; w++) {
      final int writer = w;
      threads.add(new Thread(() -> {
        try {
          final SplittableRandom random = new SplittableRandom(31 + writer);
          for (int u = writer; u < UPSERTS; u += 2) {
            final int id = 2 * random.nextInt(N / 2) + writer; // each writer owns half the ids
            versions[id].add(updates[u]);
            if (random.nextInt(4) == 0) {
              index.remove(id); // a removal and a fresh add instead of an update
              index.add(id, updates[u]);
            } else {
              index.upsert(id, updates[u]);
            }
            current[id] = updates[u];
            maxOrdinals.accumulateAndGet(index.graph().size(), Math::max);
          }
        } catch (Throwable t) {
          failure.compareAndSet(null, t);
        }
      }));
    }
    final Thread reader = new Thread(() -> {
      try {
        final Searcher searcher = index.newSearcher();
        final SearchResults found = new SearchResults(10);
        int q = 0;
        while (writing.get()) {
          final float[] query = queries[q++ % queries.length];
          searcher.search(query, 10, 48, found);
          for (int i = 0; i < found.size(); i++) {
            final long id = found.id(i);
            for (int j = 0; j < i; j++) {
              if (found.id(j) == id) {
                throw new AssertionError("id " + id + " returned twice");
              }
            }
            if (!matchesOneOf(query, found.distance(i), versions[(int) id])) {
              throw new AssertionError(
                  "id " + id + " returned at distance " + found.distance(i)
                      + ", which is none of its vectors'");
            }
          }
          searches.incrementAndGet();
        }
      } catch (Throwable t) {
        failure.compareAndSet(null, t);
      }
    });
    reader.start();
    for (Thread t : threads) {
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    writing.set(false);
    reader.join();
    assertThat(failure.get()).isNull();
    // the reader ran throughout the churn, not for a moment
    assertThat(searches.get()).isGreaterThan(1_000);
    index.repair();
    assertThat(index.size()).isEqualTo(N);
    // The tight bound (live * (1 + 2 * repairThreshold) + 256 + one per writer) is asserted with one
    // writer (UpsertStreamBoundTest, the single-writer test above). With two writers and a reader,
    // writers add while one of them repairs, and a walk descheduled for longer than a pass's wait
    // for old walks counts as stuck, during which writes grow the index rather than repair per
    // write: measured 6,271 to 6,662 on a loaded two-core machine. Bounded here by half again N.
    assertThat(maxOrdinals.get()).as("ordinals allocated").isLessThanOrEqualTo(N * 3 / 2);
    assertNoReachableLinkToFreedNodes(index.graph());
    assertEveryResultHasItsCurrentVector(index, current, queries);
    // The graph a concurrent churn leaves varies from run to run, and so does its recall: measured at
    // ef 32 from 0.9885 to 0.9925 against 1.0 for a fresh build (and, with upserts only, from 0.9505
    // to 0.9895 against 0.9975 on other data), the losses being a few queries
    // stranded in the wrong cluster (these clusters are far apart, and after ten replacements of every
    // item few links cross between them). The reproducible single-writer run meets 0.01; here the
    // bound only catches a collapse: a clean-clone run measured 0.9520 against 1.0.
    assertRecallWithin(index, current, queries, 32, 0.08);
  }
}
