package dev.trawl.bench;

import dev.trawl.bench.data.Dataset;
import dev.trawl.bench.data.DatasetLoader;
import dev.trawl.bench.data.FvecsFile;
import dev.trawl.bench.data.Recall;
import dev.trawl.bench.data.Vecs;
import dev.trawl.bench.engine.Parallel;
import dev.trawl.index.IndexSnapshot;
import dev.trawl.index.SearchResults;
import dev.trawl.index.Searcher;
import dev.trawl.index.VectorIndex;
import dev.trawl.vector.FloatKernels;
import dev.trawl.vector.Kernels;
import dev.trawl.vector.Metric;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

/**
 * The scale mode of {@code benchmarks/run.sh}: Trawl on generated clustered sets of millions of
 * items, streamed from files so that the base set never sits on the heap beside the index.
 *
 * <ul>
 *   <li>{@code prepare --data DIR --n N --dim D [--queries Q]}: writes {@code DIR/scale-NxD/} (base,
 *       query, exact ground truth by brute force, metric) unless already there: the clustered mixture
 *       of {@link DatasetLoader#clusterCentres} (L2), computed once and reused by every later run and
 *       by the C++ reference.
 *   <li>{@code run --data DIR --dataset scale-NxD --engine trawl|trawl-int8 --out DIR [--efs 16,32,...]
 *       [--seconds S] [--min-recall R]}: builds the index on 2 threads (wall-clock time), measures the
 *       retained heap and {@link VectorIndex#memoryBytes()} per item, writes a snapshot and loads it
 *       (size, times), then searches the loaded index on 1 thread at each ef: recall@10 over every
 *       query and queries per CPU-second of the searching thread. Records go to {@code
 *       DIR/scale.jsonl}. {@code --min-recall R} fails the run when recall@10 at the largest ef is
 *       below R (the CI-size variant's correctness check).
 * </ul>
 *
 * Not thread-safe (a main program).
 */
public final class ScaleSuite {
  private static final int M = 16;
  private static final int EF_CONSTRUCTION = 200;
  private static final int BUILD_THREADS = 2;
  private static final int INT8_SAMPLE = 2_000;

  private ScaleSuite() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0 || !(args[0].equals("prepare") || args[0].equals("run"))) {
      throw new IllegalArgumentException("usage: ScaleSuite prepare --data DIR --n N --dim D | ScaleSuite run ...");
    }
    final Map<String, String> opts = new HashMap<>();
    for (int i = 1; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("expected an option, got '" + args[i] + "'");
      }
      opts.put(args[i].substring(2), args[i + 1]);
    }
    final Path data = Paths.get(required(opts, "data"));
    if (args[0].equals("prepare")) {
      prepare(data, Integer.parseInt(required(opts, "n")), Integer.parseInt(required(opts, "dim")),
          Integer.parseInt(opts.getOrDefault("queries", "300")));
    } else {
      run(data.resolve(required(opts, "dataset")), required(opts, "engine"), Paths.get(required(opts, "out")),
          Arrays.stream(opts.getOrDefault("efs", "16,32,64,128,256").split(",")).mapToInt(Integer::parseInt).toArray(),
          Double.parseDouble(opts.getOrDefault("seconds", "3")),
          Double.parseDouble(opts.getOrDefault("min-recall", "0")));
    }
  }

  /** The directory name of a generated set. */
  static String name(int n, int dim) {
    return "scale-" + n + "x" + dim;
  }

  private static void prepare(Path data, int n, int dim, int queries) throws Exception {
    final Path dir = data.resolve(name(n, dim));
    if (Files.exists(dir.resolve("truth.ivecs"))) {
      System.out.println(dir.getFileName() + ": already prepared (exact ground truth cached)");
      return;
    }
    Files.createDirectories(dir);
    final long start = System.nanoTime();
    final float[][] centres = DatasetLoader.clusterCentres(dim);
    final float[] v = new float[dim];
    try (FvecsFile.Writer out = new FvecsFile.Writer(dir.resolve("base.fvecs"), dim)) {
      final Random random = DatasetLoader.clusterStream(false);
      for (int i = 0; i < n; i++) {
        DatasetLoader.drawPoint(centres, random, v);
        out.write(v);
      }
    }
    final float[][] q = new float[queries][dim];
    final Random qr = DatasetLoader.clusterStream(true);
    for (float[] row : q) {
      DatasetLoader.drawPoint(centres, qr, row);
    }
    Vecs.writeFvecs(dir.resolve("query.fvecs"), q);
    Files.writeString(dir.resolve("metric.txt"), "L2\n");
    final double generated = (System.nanoTime() - start) / 1e9;
    final int[][] truth = exactTruth(dir.resolve("base.fvecs"), q);
    Vecs.writeIvecs(dir.resolve("truth.ivecs"), truth); // written last: marks completion
    System.out.printf("%s: %d x %d generated in %.1f s, exact truth of %d queries in %.1f s%n",
        dir.getFileName(), n, dim, generated, queries, (System.nanoTime() - start) / 1e9 - generated);
  }

  /**
   * Exact top-10 by brute force over the base file (squared L2 with this JVM's float kernels; ties
   * to the lower position): each thread scans a slice of the base set for every query, then the
   * slices' top lists are merged.
   */
  static int[][] exactTruth(Path basePath, float[][] queries) throws Exception {
    final int threads = Runtime.getRuntime().availableProcessors();
    try (FvecsFile base = FvecsFile.open(basePath)) {
      final long n = base.rows();
      final TopK[][] partial = new TopK[threads][queries.length];
      Parallel.forEach(threads, threads, t -> {
        final FloatKernels k = Kernels.BEST;
        final TopK[] tops = partial[t];
        for (int qi = 0; qi < queries.length; qi++) {
          tops[qi] = new TopK();
        }
        final float[] row = new float[base.dimension()];
        for (long i = n * t / threads; i < n * (t + 1) / threads; i++) {
          base.read(i, row);
          for (int qi = 0; qi < queries.length; qi++) {
            tops[qi].offer(k.squaredL2(queries[qi], 0, row, 0, row.length), (int) i);
          }
        }
      });
      final int[][] truth = new int[queries.length][];
      for (int qi = 0; qi < queries.length; qi++) {
        final TopK all = new TopK();
        for (TopK[] slice : partial) {
          for (int j = 0; j < Dataset.K; j++) {
            all.offer(slice[qi].dist[j], slice[qi].ids[j]);
          }
        }
        truth[qi] = all.ids.clone();
      }
      return truth;
    }
  }

  /** The K smallest distances seen, in ascending order (ties to the lower id). */
  private static final class TopK {
    final float[] dist = new float[Dataset.K];
    final int[] ids = new int[Dataset.K];

    TopK() {
      Arrays.fill(dist, Float.POSITIVE_INFINITY);
      Arrays.fill(ids, Integer.MAX_VALUE);
    }

    void offer(float d, int id) {
      int p = Dataset.K - 1;
      if (d > dist[p] || (d == dist[p] && id >= ids[p])) {
        return;
      }
      while (p > 0 && (dist[p - 1] > d || (dist[p - 1] == d && ids[p - 1] > id))) {
        dist[p] = dist[p - 1];
        ids[p] = ids[p - 1];
        p--;
      }
      dist[p] = d;
      ids[p] = id;
    }
  }

  private static void run(Path dir, String engine, Path out, int[] efs, double seconds, double minRecall)
      throws Exception {
    if (!engine.equals("trawl") && !engine.equals("trawl-int8")) {
      throw new IllegalArgumentException("unknown scale engine '" + engine + "': trawl or trawl-int8");
    }
    Files.createDirectories(out);
    final String dataset = dir.getFileName().toString();
    final float[][] queries = Vecs.readFvecs(dir.resolve("query.fvecs"), Integer.MAX_VALUE);
    final int[][] truth = Vecs.readIvecs(dir.resolve("truth.ivecs"), Integer.MAX_VALUE, Dataset.K);
    final Path records = out.resolve("scale.jsonl");
    System.setProperty("trawl.bench.records", records.toString());
    System.out.println("kernels: " + Kernels.describe());
    final long heapBefore = usedHeapAfterGc();
    Built built = build(dir, engine);
    final int n = built.index.size();
    final long retained = usedHeapAfterGc() - heapBefore;
    final long memoryBytes = built.index.memoryBytes();
    final double buildSeconds = built.seconds;
    final Path snapshot = out.resolve(dataset + "-" + engine + ".trawl");
    long start = System.nanoTime();
    IndexSnapshot.write(built.index, snapshot);
    final double writeSeconds = (System.nanoTime() - start) / 1e9;
    built = null; // the loaded copy replaces it: one index on the heap at a time
    final long snapshotBytes = Files.size(snapshot);
    start = System.nanoTime();
    final VectorIndex index = IndexSnapshot.load(snapshot);
    final double loadSeconds = (System.nanoTime() - start) / 1e9;
    Files.delete(snapshot);
    Records.write("scale-build", "engine", engine, "dataset", dataset, "items", n,
        "dimension", queries[0].length, "buildThreads", BUILD_THREADS, "buildSeconds", buildSeconds,
        "retainedBytesPerItem", retained / (double) n, "memoryBytesPerItem", memoryBytes / (double) n,
        "snapshotBytes", snapshotBytes, "snapshotWriteSeconds", writeSeconds,
        "snapshotLoadSeconds", loadSeconds, "kernels", index.kernels(),
        "inputArguments", String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
    System.out.printf("%s on %s: built in %.1f s on %d threads, %.0f bytes/item retained, %.0f by"
            + " memoryBytes(), snapshot %,d bytes written in %.1f s, loaded in %.1f s%n",
        engine, dataset, buildSeconds, BUILD_THREADS, retained / (double) n, memoryBytes / (double) n,
        snapshotBytes, writeSeconds, loadSeconds);
    // the first ef must not be measured on colder code than the others
    warmUp(index, queries, Math.min(2.0, seconds));
    double lastRecall = 1;
    for (int ef : efs) {
      lastRecall = search(index, engine, dataset, queries, truth, ef, seconds);
    }
    if (lastRecall < minRecall) {
      throw new IllegalStateException(String.format(
          "recall sanity check failed: %s on %s at ef=%d has recall@10 %.3f < %.2f",
          engine, dataset, efs[efs.length - 1], lastRecall, minRecall));
    }
  }

  /** A freshly built index and its wall-clock build time. */
  private record Built(VectorIndex index, double seconds) {}

  /** Builds the index of {@code dir}'s base set on {@link #BUILD_THREADS} threads, rows streamed from the file. */
  private static Built build(Path dir, String engine) throws Exception {
    try (FvecsFile base = FvecsFile.open(dir.resolve("base.fvecs"))) {
      final int n = Math.toIntExact(base.rows());
      final VectorIndex.Builder builder = VectorIndex.builder(base.dimension(), Metric.L2)
          .m(M).efConstruction(EF_CONSTRUCTION).seed(42L).expectedItems(n);
      if (engine.equals("trawl-int8")) {
        final float[][] sample = new float[Math.min(INT8_SAMPLE, n)][base.dimension()];
        for (int i = 0; i < sample.length; i++) {
          base.read(i, sample[i]);
        }
        builder.quantizeInt8(sample);
      }
      final VectorIndex index = builder.build();
      System.out.println(engine + " on " + dir.getFileName() + ": " + index.kernels());
      final ThreadLocal<float[]> rows = ThreadLocal.withInitial(() -> new float[base.dimension()]);
      final long start = System.nanoTime();
      final long step = Math.max(1, n / 20);
      Parallel.forEach(n, BUILD_THREADS, i -> {
        final float[] row = rows.get();
        base.read(i, row);
        index.add(i, row);
        if ((i + 1) % step == 0) {
          System.out.printf("  built %,d of %,d in %.1f s%n", i + 1, n, (System.nanoTime() - start) / 1e9);
        }
      });
      return new Built(index, (System.nanoTime() - start) / 1e9);
    }
  }

  /** One ef: recall@10 over every query, then queries per CPU-second over at least {@code seconds}. */
  private static double search(VectorIndex index, String engine, String dataset, float[][] queries,
      int[][] truth, int ef, double seconds) {
    final Searcher searcher = index.newSearcher();
    final SearchResults results = new SearchResults(Dataset.K);
    final int[] found = new int[Dataset.K];
    double sum = 0;
    for (int q = 0; q < queries.length; q++) {
      final int got = searcher.search(queries[q], Dataset.K, ef, results);
      for (int i = 0; i < got; i++) {
        found[i] = (int) results.id(i);
      }
      sum += Recall.atK(found, got, truth[q], Dataset.K);
    }
    final double recall = sum / queries.length;
    final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    final long wallStart = System.nanoTime();
    final long cpuStart = threads.getCurrentThreadCpuTime();
    long done = 0;
    do {
      for (float[] query : queries) {
        searcher.search(query, Dataset.K, ef, results);
      }
      done += queries.length;
    } while (System.nanoTime() - wallStart < seconds * 1e9);
    final double cpu = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e9;
    final double wall = (System.nanoTime() - wallStart) / 1e9;
    Records.write("scale-search", "engine", engine, "dataset", dataset, "ef", ef, "threads", 1,
        "recall", recall, "queries", queries.length, "qps", done / wall, "qpsPerCpuSecond", done / cpu);
    System.out.printf("%s on %s: ef=%d recall@10=%.4f %.0f q/CPU-s (%.0f q/s)%n",
        engine, dataset, ef, recall, done / cpu, done / wall);
    return recall;
  }

  /** Searches at ef 64 until this thread has spent {@code cpuSeconds} of CPU. */
  private static void warmUp(VectorIndex index, float[][] queries, double cpuSeconds) {
    final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    final long end = threads.getCurrentThreadCpuTime() + (long) (cpuSeconds * 1e9);
    final Searcher searcher = index.newSearcher();
    final SearchResults results = new SearchResults(Dataset.K);
    for (int q = 0; threads.getCurrentThreadCpuTime() < end; q = (q + 1) % queries.length) {
      searcher.search(queries[q], Dataset.K, 64, results);
    }
  }

  private static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static String required(Map<String, String> opts, String key) {
    final String v = opts.get(key);
    if (v == null) {
      throw new IllegalArgumentException("missing --" + key);
    }
    return v;
  }
}
