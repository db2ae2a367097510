package dev.trawl.bench;

import dev.trawl.bench.data.Dataset;
import dev.trawl.bench.data.Recall;
import dev.trawl.index.FilterPlanner;
import dev.trawl.filter.RequestFilter;
import dev.trawl.index.SearchResults;
import dev.trawl.index.Searcher;
import dev.trawl.index.VectorIndex;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.IterationParams;
import org.roaringbitmap.RoaringBitmap;

/**
 * Trawl filtered search: cost and recall of each kind of filter against unfiltered search on the same
 * index ({@link FilterFixture}: M = 16, efConstruction = 200).
 *
 * <p><b>One operation</b> is one request for the top 10 of the next query (cycling through the query
 * set) at beam width {@code ef}, single thread, default planner settings:
 * <ul>
 *   <li>{@code none}: {@link Searcher#search(float[], int, int, SearchResults)}, no filter;
 *   <li>{@code random50|10|1}: {@code filter.allowAll().and(kept)} with a seeded random bitmap keeping
 *       50%, 10% or 1% of the items, then the planned search
 *       {@link Searcher#search(float[], int, int, RequestFilter, SearchResults)};
 *   <li>{@code seen10|50|100}: the adversarial "seen" filter, {@code filter.allowAll().andNotIds(seen,
 *       0, N, index)} with the query's exact top-N ids, then the planned search.
 * </ul>
 * Composing the filter is inside the operation: it is part of every request.
 *
 * <p>At trial setup, before timing, the same operation runs once per query and writes (record kind
 * {@code filtered}, and {@link #STATS} for the launcher) recall@10 against the exact truth of the
 * items the filter keeps, the mean nodes scored per query ({@link FilterPlanner#lastVisited()} for
 * filtered requests, {@link Searcher#visitedCount()} unfiltered), the mean beam the planner chose and
 * how often each plan ran. A returned item the filter excludes fails the benchmark in every mode; in
 * smoke mode a low recall does too. Run with {@code -prof gc}
 * for bytes allocated per request.
 *
 * <p>The thread also counts its requests and its own CPU time over the measurement iterations
 * ({@link #CPU_QPS}, record kind {@code filtered-cpu}): requests per CPU-second, which stays
 * meaningful when other processes share the cores and the wall-clock score does not. State per trial;
 * not thread-safe (JMH runs it single-threaded).
 */
@State(Scope.Thread)
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class FilteredSearchBenchmark {
  /** What the setup measured per (dataset, case, ef), for the launcher's tables. */
  record Stats(double recall, double visited, double meanEf, int exactPlans, int walkPlans, int fallbacks) {}

  /** Key {@code dataset|case|ef}. Thread-safe. */
  static final Map<String, Stats> STATS = new ConcurrentHashMap<>();
  /** Requests per CPU-second of the measuring thread, key {@code dataset|case|ef}. Thread-safe. */
  static final Map<String, Double> CPU_QPS = new ConcurrentHashMap<>();

  @Param({"siftsmall"})
  public String dataset;

  @Param({"none", "random50", "random10", "random1", "seen10", "seen50", "seen100"})
  public String filter;

  @Param({"64"})
  public int ef;

  private VectorIndex index;
  private Searcher searcher;
  private RequestFilter request;
  private final SearchResults results = new SearchResults(Dataset.K);
  private float[][] queries;
  private RoaringBitmap kept;
  private long[][] seen;
  private int seenCount;
  private int next;
  private final ThreadCpuCount cpu = new ThreadCpuCount();

  @Setup(Level.Trial)
  public void setUp() {
    final FilterFixture fixture = FilterFixture.get(dataset);
    if (!FilterFixture.CASES.contains(filter)) {
      throw new IllegalArgumentException("unknown filter case '" + filter + "'; known: " + FilterFixture.CASES);
    }
    index = fixture.index;
    searcher = index.newSearcher();
    request = index.newFilter();
    queries = fixture.queries;
    final int r = FilterFixture.randomCase(filter);
    kept = r >= 0 ? fixture.randomKept[r] : null;
    seenCount = FilterFixture.seenCount(filter);
    seen = seenCount > 0 ? fixture.seenIds(seenCount) : null;

    final int[] found = new int[Dataset.K];
    final int[] plans = new int[4];
    double recall = 0;
    double visited = 0;
    double beam = 0;
    for (int qi = 0; qi < queries.length; qi++) {
      final int n = request(qi);
      for (int i = 0; i < n; i++) {
        found[i] = (int) results.id(i);
        checkAccepted(qi, index.ordinalOf(results.id(i)), found[i]);
      }
      recall += Recall.atK(found, n, fixture.truth(filter, qi), Dataset.K);
      if (filter.equals("none")) {
        visited += searcher.visitedCount();
        beam += ef;
      } else {
        final FilterPlanner planner = searcher.planner();
        visited += planner.lastVisited();
        beam += planner.lastEf();
        plans[planner.lastPlan()]++;
      }
    }
    final int nq = queries.length;
    final Stats stats = new Stats(recall / nq, visited / nq, beam / nq,
        plans[FilterPlanner.EXACT], plans[FilterPlanner.WALK], plans[FilterPlanner.WALK_THEN_EXACT]);
    STATS.put(dataset + "|" + filter + "|" + ef, stats);
    Records.write("filtered", "engine", "trawl", "dataset", dataset, "filter", filter, "ef", ef,
        "items", fixture.size, "queries", nq, "recall", stats.recall(), "visited", stats.visited(),
        "meanEf", stats.meanEf(), "exactPlans", stats.exactPlans(), "walkPlans", stats.walkPlans(),
        "fallbacks", stats.fallbacks());
    if (Mode.current().isSmoke()) {
      final double floor = ef >= 64 ? 0.90 : 0.50;
      if (stats.recall() < floor) {
        throw new IllegalStateException(String.format(
            "filtered recall sanity check failed: %s %s at ef=%d has recall@10 %.3f < %.2f",
            dataset, filter, ef, stats.recall(), floor));
      }
    }
  }

  @Setup(Level.Iteration)
  public void startIteration(IterationParams params) {
    cpu.begin(params);
  }

  @TearDown(Level.Iteration)
  public void endIteration() {
    cpu.end();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    final double perCpuSecond = cpu.perCpuSecond();
    CPU_QPS.put(dataset + "|" + filter + "|" + ef, perCpuSecond);
    Records.write("filtered-cpu", "engine", "trawl", "dataset", dataset, "filter", filter, "ef", ef,
        "ops", cpu.ops(), "cpuSeconds", cpu.cpuSeconds(), "qpsPerCpuSecond", perCpuSecond);
  }

  /** Fails when a filtered request returned an item its filter excludes (checked in every mode). */
  private void checkAccepted(int qi, int ordinal, long id) {
    boolean excluded = kept != null && !kept.contains(ordinal);
    for (int i = 0; seen != null && i < seenCount; i++) {
      excluded |= seen[qi][i] == id;
    }
    if (excluded) {
      throw new IllegalStateException(
          dataset + " " + filter + " at ef=" + ef + " returned excluded item " + id + " for query " + qi);
    }
  }

  /** One request for query {@code qi}: compose the filter (if any) and search. */
  private int request(int qi) {
    final float[] q = queries[qi];
    if (kept != null) {
      request.allowAll().and(kept);
      return searcher.search(q, Dataset.K, ef, request, results);
    }
    if (seen != null) {
      request.allowAll().andNotIds(seen[qi], 0, seenCount, index);
      return searcher.search(q, Dataset.K, ef, request, results);
    }
    return searcher.search(q, Dataset.K, ef, results);
  }

  /** One request (filter composition and top-10 search). */
  @Benchmark
  public long search() {
    final int qi = next;
    next = qi + 1 == queries.length ? 0 : qi + 1;
    cpu.op();
    final int n = request(qi);
    return n == 0 ? 0 : n + results.id(0);
  }
}
