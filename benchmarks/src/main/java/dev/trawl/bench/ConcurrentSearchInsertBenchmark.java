package dev.trawl.bench;

import dev.trawl.bench.data.Dataset;
import dev.trawl.bench.data.DatasetLoader;
import dev.trawl.bench.data.Recall;
import dev.trawl.index.SearchResults;
import dev.trawl.index.Searcher;
import dev.trawl.index.VectorIndex;
import dev.trawl.vector.Metric;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;

/**
 * Trawl search throughput while another thread upserts a fixed set of ids at full speed, against
 * search alone on the same live set: the queries lost to a writer.
 *
 * <p>The index (M = 16, efConstruction = 200, ordinal reuse as {@code reuse} says; on by default in
 * the library) is built at trial setup from the whole base set. <b>Group {@code alone}</b>: one
 * operation is one top-10 search at {@code ef}. <b>Group {@code mixed}</b>: one searching thread does
 * the same while one writing thread runs; its operation is one {@link VectorIndex#upsert} of the next
 * id of the second half with its own vector, round after round, so every update retires an ordinal,
 * links a new one and leaves the live contents (and so the exact truth) unchanged. Compare
 * {@code alone:searchAlone} with {@code mixed:search}.
 *
 * <p>Besides JMH's wall-clock score, the searching thread counts over the measurement iterations its
 * searches, its own CPU time, the nodes each search scored and the recall@10 of the very searches
 * measured against the dataset's truth, and writes them at the end of the trial (record kind
 * {@code mixed-cpu}): queries per CPU-second stay comparable when other processes share the cores
 * and the wall-clock score does not. The writer records its upserts per CPU-second the same way.
 *
 * <p>Peers (hnswlib-core, JVector) also support concurrent inserts; TODO: add them here through
 * {@code AnnEngine} once it has an insert hook.
 */
@State(Scope.Group)
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ConcurrentSearchInsertBenchmark {
  @Param({"siftsmall"})
  public String dataset;

  @Param({"64"})
  public int ef;

  @Param({"true"})
  public boolean reuse;

  Dataset data;
  VectorIndex index;
  int half;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    data = DatasetLoader.get(dataset);
    half = data.size() / 2;
    index =
        VectorIndex.builder(
                data.dimension(), data.metric() == Dataset.Metric.L2 ? Metric.L2 : Metric.COSINE)
            .m(16)
            .efConstruction(200)
            .expectedItems(data.size())
            .reuseOrdinals(reuse)
            .build();
    final float[][] base = data.base();
    for (int i = 0; i < base.length; i++) {
      index.add(i, base[i]);
    }
  }

  /** A benchmark thread's operations and CPU time (JMH runs these fixtures on that thread). */
  abstract static class Counted {
    final ThreadCpuCount cpu = new ThreadCpuCount();

    @Setup(Level.Iteration)
    public void begin(IterationParams params) {
      cpu.begin(params);
    }

    @TearDown(Level.Iteration)
    public void end() {
      cpu.end();
    }
  }

  /** Per-thread searcher with its counters. */
  @State(Scope.Thread)
  public static class Reader extends Counted {
    Searcher searcher;
    SearchResults results;
    float[][] queries;
    int[][] truth;
    final int[] found = new int[Dataset.K];
    int next;
    long visited;
    double recall;

    @Setup(Level.Trial)
    public void setUp(ConcurrentSearchInsertBenchmark shared) {
      searcher = shared.index.newSearcher();
      results = new SearchResults(Dataset.K);
      queries = shared.data.queries();
      truth = shared.data.truth();
    }

    @TearDown(Level.Trial)
    public void report(ConcurrentSearchInsertBenchmark shared, BenchmarkParams params) {
      final String group = params.getBenchmark().endsWith(".alone") ? "alone" : "mixed";
      final double searches = Math.max(1, cpu.ops());
      Records.write("mixed-cpu", "engine", "trawl", "dataset", shared.dataset, "ef", shared.ef,
          "reuse", shared.reuse, "group", group, "thread", "search", "ops", cpu.ops(),
          "cpuSeconds", cpu.cpuSeconds(), "qpsPerCpuSecond", cpu.perCpuSecond(),
          "visitedPerSearch", visited / searches, "recall", recall / searches);
      if (Mode.current().isSmoke() && recall / searches < 0.9) {
        throw new IllegalStateException(
            "recall@10 " + recall / searches + " < 0.9 while searching " + group);
      }
    }

    int search(int ef) {
      final int q = next;
      if (++next == queries.length) {
        next = 0;
      }
      final int n = searcher.search(queries[q], Dataset.K, ef, results);
      cpu.op();
      if (cpu.measuring()) {
        visited += searcher.visitedCount();
        for (int i = 0; i < n; i++) {
          found[i] = (int) results.id(i);
        }
        recall += Recall.atK(found, n, truth[q], Dataset.K);
      }
      return n;
    }
  }

  /** The writer's position in the second half of the base set, with its counters. */
  @State(Scope.Thread)
  public static class Writer extends Counted {
    int next = -1;

    @TearDown(Level.Trial)
    public void report(ConcurrentSearchInsertBenchmark shared) {
      Records.write("mixed-cpu", "engine", "trawl", "dataset", shared.dataset, "ef", shared.ef,
          "reuse", shared.reuse, "group", "mixed", "thread", "upsert", "ops", cpu.ops(),
          "cpuSeconds", cpu.cpuSeconds(), "upsertsPerCpuSecond", cpu.perCpuSecond(),
          "ordinals", shared.index.stats().ordinals(), "repairs", shared.index.repairsCompleted());
    }
  }

  /** Search with no writer: the baseline. */
  @Benchmark
  @Group("alone")
  @GroupThreads(1)
  public int searchAlone(Reader reader) {
    return reader.search(ef);
  }

  /** Search while the {@link #upsert} thread writes. */
  @Benchmark
  @Group("mixed")
  @GroupThreads(1)
  public int search(Reader reader) {
    return reader.search(ef);
  }

  /** One replacement of the next id of the second half by its own vector. */
  @Benchmark
  @Group("mixed")
  @GroupThreads(1)
  public int upsert(Writer writer) {
    if (writer.next < half || ++writer.next == data.size()) {
      writer.next = half;
    }
    index.upsert(writer.next, data.base()[writer.next]);
    writer.cpu.op();
    return writer.next;
  }
}
