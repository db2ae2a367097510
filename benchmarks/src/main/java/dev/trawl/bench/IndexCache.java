package dev.trawl.bench;

import dev.trawl.bench.data.Dataset;
import dev.trawl.bench.data.DatasetLoader;
import dev.trawl.bench.engine.AnnEngine;
import dev.trawl.bench.engine.Engines;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The indexes searched by {@link SearchBenchmark}, built once per JVM per (engine, dataset) on 2
 * threads and shared by every ef and thread count, so that a sweep over ef does not rebuild (the
 * suite runs JMH in-process, one JVM per engine and dataset; see {@link Suite}). While building it
 * measures the heap the index retains (used heap after full GCs, after minus before): the bytes per
 * item of the report. Thread-safe.
 */
public final class IndexCache {
  /** Threads used to build the searched indexes. */
  public static final int BUILD_THREADS = 2;

  private static final ConcurrentHashMap<String, Built> CACHE = new ConcurrentHashMap<>();

  /** A built index with what its construction cost. */
  public record Built(AnnEngine.Index index, long retainedBytes, double buildSeconds, int items) {}

  private IndexCache() {}

  public static Built get(String engine, String dataset) {
    return CACHE.computeIfAbsent(engine + "|" + dataset, key -> build(engine, dataset));
  }

  private static Built build(String engineName, String datasetName) {
    final Dataset data = DatasetLoader.get(datasetName);
    final AnnEngine engine = Engines.byName(engineName);
    try {
      final long before = usedHeapAfterGc();
      final long start = System.nanoTime();
      final AnnEngine.Index index = engine.build(data, data.size(), BUILD_THREADS);
      final double seconds = (System.nanoTime() - start) / 1e9;
      final long retained = usedHeapAfterGc() - before;
      Records.write(
          "index",
          "engine", engineName,
          "dataset", datasetName,
          "items", data.size(),
          "dimension", data.dimension(),
          "threads", BUILD_THREADS,
          "buildSeconds", seconds,
          "retainedBytes", retained,
          "bytesPerItem", retained / (double) data.size(),
          "rawVectorBytesPerItem", data.dimension() * 4,
          "links", index.linkCount(),
          "kernels", index.kernels(),
          "jvm", System.getProperty("java.vm.name") + " " + Runtime.version(),
          "inputArguments", String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
      warmUp(index, data);
      return new Built(index, retained, seconds, data.size());
    } catch (Exception e) {
      throw new IllegalStateException("building " + engineName + " on " + datasetName + " failed", e);
    }
  }

  /**
   * Searches until this thread has spent 2 s of CPU (or 20 s have passed) so that the first ef of a
   * sweep is not measured on colder code than the others (JMH's own warm-up is short in quick runs).
   */
  private static void warmUp(AnnEngine.Index index, Dataset data) throws Exception {
    final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    final long cpuEnd = threads.getCurrentThreadCpuTime() + 2_000_000_000L;
    final long wallEnd = System.nanoTime() + 20_000_000_000L;
    final int[] out = new int[Dataset.K];
    final AnnEngine.Query[] queries = {index.newQuery(16), index.newQuery(64)};
    int q = 0;
    while (threads.getCurrentThreadCpuTime() < cpuEnd && System.nanoTime() < wallEnd) {
      for (AnnEngine.Query query : queries) {
        query.search(data.queries()[q], out);
      }
      q = q + 1 == data.queries().length ? 0 : q + 1;
    }
  }

  /** Used heap after repeated full collections (best effort; System.gc() is honoured by default). */
  static long usedHeapAfterGc() {
    final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      System.gc();
      used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}
