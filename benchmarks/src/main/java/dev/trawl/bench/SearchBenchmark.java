package dev.trawl.bench;

import dev.trawl.bench.data.Dataset;
import dev.trawl.bench.data.DatasetLoader;
import dev.trawl.bench.data.Recall;
import dev.trawl.bench.engine.AnnEngine;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * k-NN search throughput of Trawl and its peers on the same index parameters and data.
 *
 * <p><b>One operation</b> is one top-10 search for one query vector at beam width {@code ef}, on an
 * index of the whole dataset ({@link IndexCache}: built once per JVM on 2 threads, M = 16,
 * efConstruction = 200); each thread cycles through the dataset's query set from its own starting
 * point. Scores are queries per second per thread count (JMH sums the threads).
 *
 * <p>At trial setup, before timing, the same engine at the same ef answers every query once and
 * recall@10 against exact ground truth is written beside the timing ({@link Records}, kind
 * {@code recall}); in smoke mode a low recall fails the benchmark, so CI proves each engine returns the
 * right neighbours. Run with {@code -prof gc} for bytes allocated per query.
 *
 * <p>Each thread also counts its searches and its own CPU time over the measurement iterations
 * (kind {@code cpu}): queries per CPU-second, which stays meaningful when other processes share the
 * cores and the wall-clock score does not.
 */
@State(Scope.Benchmark)
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SearchBenchmark {
  @Param({"siftsmall"})
  public String dataset;

  @Param({"trawl"})
  public String engine;

  @Param({"64"})
  public int ef;

  Dataset data;
  AnnEngine.Index index;
  private final AtomicInteger threadStarts = new AtomicInteger();
  private int threads;
  private long measuredOps;
  private long measuredCpuNanos;

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  @Setup(Level.Trial)
  public void setUp(BenchmarkParams params) throws Exception {
    threads = params.getThreads();
    data = DatasetLoader.get(dataset);
    index = IndexCache.get(engine, dataset).index();
    final double recall = recall(index.newQuery(ef), data);
    Records.write("recall", "engine", engine, "dataset", dataset, "ef", ef, "recall", recall,
        "queries", data.queries().length);
    checkRecall(engine, dataset, ef, recall);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    Records.write("cpu", "engine", engine, "dataset", dataset, "ef", ef, "threads", threads,
        "ops", measuredOps, "cpuSeconds", measuredCpuNanos / 1e9,
        "qpsPerCpuSecond", measuredOps / (measuredCpuNanos / 1e9));
  }

  synchronized void addCpu(long ops, long cpuNanos) {
    measuredOps += ops;
    measuredCpuNanos += cpuNanos;
  }

  /** Mean recall@10 over every query of {@code data}. */
  static double recall(AnnEngine.Query query, Dataset data) throws Exception {
    final int[] found = new int[Dataset.K];
    double sum = 0;
    for (int q = 0; q < data.queries().length; q++) {
      final int n = query.search(data.queries()[q], found);
      sum += Recall.atK(found, n, data.truth()[q], Dataset.K);
    }
    return sum / data.queries().length;
  }

  /**
   * In smoke mode (2,000 items), recall at ef >= 64 must reach 0.9 and any ef must reach 0.5: low
   * enough never to flake, high enough that wrong ids, a wrong metric or a broken graph fail.
   */
  static void checkRecall(String engine, String dataset, int ef, double recall) {
    if (!Mode.current().isSmoke()) {
      return;
    }
    final double floor = ef >= 64 ? 0.90 : 0.50;
    if (recall < floor) {
      throw new IllegalStateException(String.format(
          "recall sanity check failed: %s on %s at ef=%d has recall@10 %.3f < %.2f",
          engine, dataset, ef, recall, floor));
    }
  }

  /** Per-thread query context and position in the query set. */
  @State(Scope.Thread)
  public static class Cursor {
    AnnEngine.Query query;
    float[][] queries;
    int next;
    final int[] out = new int[Dataset.K];
    long ops;
    long cpuStart;
    boolean measuring;

    @Setup(Level.Trial)
    public void setUp(SearchBenchmark shared) throws Exception {
      query = shared.index.newQuery(shared.ef);
      queries = shared.data.queries();
      next = (shared.threadStarts.getAndIncrement() * 7919) % queries.length;
    }

    @Setup(Level.Iteration)
    public void startIteration(IterationParams params) {
      measuring = params.getType() == IterationType.MEASUREMENT;
      ops = 0;
      cpuStart = THREADS.getCurrentThreadCpuTime();
    }

    @TearDown(Level.Iteration)
    public void endIteration(SearchBenchmark shared) {
      if (measuring) {
        shared.addCpu(ops, THREADS.getCurrentThreadCpuTime() - cpuStart);
      }
    }
  }

  /** One top-10 search. */
  @Benchmark
  public int search(Cursor cursor) throws Exception {
    final float[] q = cursor.queries[cursor.next];
    if (++cursor.next == cursor.queries.length) {
      cursor.next = 0;
    }
    cursor.ops++;
    return cursor.query.search(q, cursor.out) + cursor.out[0];
  }
}
