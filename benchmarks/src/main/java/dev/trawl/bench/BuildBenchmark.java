package dev.trawl.bench;

import dev.trawl.bench.data.Dataset;
import dev.trawl.bench.data.DatasetLoader;
import dev.trawl.bench.engine.AnnEngine;
import dev.trawl.bench.engine.Engines;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Index build throughput on 1 and 2 threads.
 *
 * <p><b>One operation</b> builds a fresh index (M = 16, efConstruction = 200) of the first
 * {@code min(size, buildLimit)} base vectors of the dataset ({@link Mode#buildLimit}: 2,000 in smoke,
 * 10,000 in quick, all in full) using {@code threads} threads. Single-shot time per build; the item
 * count is written beside it ({@link Records}, kind {@code build}) so the report shows items per
 * second. Run with {@code -prof gc} for bytes allocated per build.
 */
@State(Scope.Benchmark)
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
public class BuildBenchmark {
  @Param({"siftsmall"})
  public String dataset;

  @Param({"trawl"})
  public String engine;

  @Param({"1"})
  public int threads;

  private Dataset data;
  private AnnEngine builder;
  private int count;

  @Setup(Level.Trial)
  public void setUp() {
    data = DatasetLoader.get(dataset);
    builder = Engines.byName(engine);
    count = Math.min(data.size(), Mode.current().buildLimit);
    Records.write("build", "engine", engine, "dataset", dataset, "threads", threads, "items", count);
  }

  /** One full build of {@code count} items. */
  @Benchmark
  public Object build() throws Exception {
    return builder.build(data, count, threads);
  }
}
