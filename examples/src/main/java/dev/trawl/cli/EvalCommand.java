package dev.trawl.cli;

import dev.trawl.index.SearchResults;
import dev.trawl.index.Searcher;
import dev.trawl.index.VectorIndex;
import dev.trawl.vector.Kernels;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code trawl eval}: recall@k, queries per second, latency percentiles and allocation per query
 * for a list of ef values, timed as described in {@link SearchBench}.
 */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    description = {
      "Measures recall@k, queries per second, p50/p99 latency and bytes allocated per query for"
          + " each ef.",
      "Each ef is warmed up, then the query set is looped for at least --min-time-ms per"
          + " repetition; the median of --repetitions is reported.",
      "The index is a snapshot (--index) or built in memory from a vector file (--base, with"
          + " --metric)."
    })
final class EvalCommand implements Callable<Integer> {
  private static final List<Integer> DEFAULT_EFS = List.of(10, 20, 40, 80, 160, 320);

  @Spec CommandSpec spec;

  @Option(names = "--index", paramLabel = "INDEX", description = "Snapshot to evaluate.")
  Path index;

  @Option(
      names = "--base",
      paramLabel = "FILE",
      description = "Instead of --index: build an index from this vector file first (ids = rows).")
  Path base;

  @Mixin BuildOptions build;

  @Option(
      names = "--build-threads",
      paramLabel = "N",
      description = "Threads building --base. Default: all.")
  Integer buildThreads;

  @Option(names = "--queries", required = true, paramLabel = "FILE", description = "Query vectors.")
  Path queries;

  @Option(
      names = "--truth",
      required = true,
      paramLabel = "FILE.ivecs",
      description =
          "True nearest ids per query, nearest first (row numbers unless built with --ids).")
  Path truth;

  @Option(
      names = "--k",
      defaultValue = "10",
      description = "Neighbours per query. Default ${DEFAULT-VALUE}.")
  int k;

  @Option(
      names = "--ef",
      split = ",",
      paramLabel = "EF",
      description =
          "Beam widths to measure, comma-separated. Default 10,20,40,80,160,320 (those >= k).")
  List<Integer> efs;

  @Option(
      names = "--exclude-true-top",
      paramLabel = "N",
      description =
          "Exclude each query's true top-N through the seen filter; score against the next k.")
  Integer excludeTrueTop;

  @Option(
      names = "--threads",
      defaultValue = "1",
      description = "Searching threads. Default ${DEFAULT-VALUE}.")
  int threads;

  @Option(names = "--json", description = "Print one JSON object per ef instead of a table.")
  boolean json;

  @Option(
      names = "--warmup-ms",
      defaultValue = "1000",
      description = "Warm-up per ef, in milliseconds. Default ${DEFAULT-VALUE}.")
  long warmupMillis;

  @Option(
      names = "--min-time-ms",
      defaultValue = "1000",
      description = "Minimum length of one repetition, in milliseconds. Default ${DEFAULT-VALUE}.")
  long minMillis;

  @Option(
      names = "--repetitions",
      defaultValue = "5",
      description = "Timed repetitions per ef; the median is reported. Default ${DEFAULT-VALUE}.")
  int repetitions;

  @Override
  public Integer call() throws Exception {
    final PrintWriter out = spec.commandLine().getOut();
    if ((index == null) == (base == null)) {
      throw new CliError("give exactly one of --index INDEX or --base FILE");
    }
    if (k <= 0) {
      throw new CliError("--k must be positive, got " + k);
    }
    final int skip = excludeTrueTop == null ? 0 : excludeTrueTop;
    if (skip < 0) {
      throw new CliError("--exclude-true-top must not be negative, got " + skip);
    }
    final List<Integer> efList = efList();
    final SearchBench.Settings settings =
        new SearchBench.Settings(warmupMillis, minMillis, repetitions, threads);
    final VectorFile queryFile = VectorFile.open(queries);
    final int[][] truthRows = InputFiles.readIvecs(truth);
    if (truthRows.length < queryFile.count()) {
      throw new CliError(
          truth + ": " + truthRows.length + " rows of truth for " + queryFile.count() + " queries");
    }
    if (truthRows[0].length < k) {
      throw new CliError(
          truth + ": holds the top " + truthRows[0].length + " per query, fewer than --k " + k);
    }
    final VectorIndex idx = openIndex(out);
    if (queryFile.dimension() != idx.dimension()) {
      throw new CliError(
          queries
              + ": queries have dimension "
              + queryFile.dimension()
              + ", the index has "
              + idx.dimension());
    }
    final float[][] queryVectors = queryFile.readAll();
    final long[][] truthIds = truthIds(truthRows, idx, queryVectors, skip + k, out);
    long[][] excluded = null;
    if (skip > 0) {
      excluded = new long[queryVectors.length][];
      for (int q = 0; q < excluded.length; q++) {
        excluded[q] = java.util.Arrays.copyOf(truthIds[q], skip);
      }
    }
    final SearchBench bench = new SearchBench(idx, queryVectors, excluded, k, settings);
    if (!json) {
      out.printf(
          Locale.ROOT,
          "%,d items, %,d queries, k=%d, %d searching thread(s), %s distance kernels%s%n",
          idx.size(),
          queryFile.count(),
          k,
          threads,
          Kernels.BEST.name(),
          skip == 0
              ? ""
              : ", each query excluding its true top " + skip + " through a seen filter (recall"
                  + " against true neighbours " + (skip + 1) + ".." + (skip + k) + ")");
      out.printf(
          Locale.ROOT,
          "%6s %8s %12s %9s %9s %13s%n",
          "ef",
          "recall",
          "qps",
          "p50 us",
          "p99 us",
          "alloc B/query");
      out.flush();
    }
    for (int ef : efList) {
      final SearchBench.Result r = bench.measure(ef, bench.recall(truthIds, skip, ef));
      out.println(json ? toJson(r) : toRow(r));
      out.flush();
    }
    return 0;
  }

  /**
   * The true neighbour ids, at least {@code depth} per query: the truth file's rows when they are deep
   * enough, otherwise an exact scan of the index (reported unless --json).
   */
  private long[][] truthIds(
      int[][] rows, VectorIndex idx, float[][] queryVectors, int depth, PrintWriter out) {
    final long[][] ids = new long[queryVectors.length][];
    if (rows[0].length >= depth) {
      for (int q = 0; q < ids.length; q++) {
        ids[q] = new long[depth];
        for (int j = 0; j < depth; j++) {
          ids[q][j] = rows[q][j];
        }
      }
      return ids;
    }
    if (!json) {
      out.printf(
          Locale.ROOT,
          "%s holds the top %d per query, %d are needed: computing exact neighbours by brute force%n",
          truth,
          rows[0].length,
          depth);
      out.flush();
    }
    final Searcher searcher = idx.newSearcher();
    final SearchResults results = new SearchResults(depth);
    for (int q = 0; q < ids.length; q++) {
      final int n = searcher.searchExact(queryVectors[q], depth, results);
      if (n < depth) {
        throw new CliError(
            "--exclude-true-top " + (depth - k) + " with --k " + k + " needs " + depth
                + " neighbours per query, but the index has only " + n + " items");
      }
      ids[q] = results.idsCopy();
    }
    return ids;
  }

  private List<Integer> efList() {
    if (efs == null) {
      final List<Integer> list = new ArrayList<>();
      for (int ef : DEFAULT_EFS) {
        if (ef >= k) {
          list.add(ef);
        }
      }
      if (list.isEmpty()) {
        list.add(k);
      }
      return list;
    }
    for (int ef : efs) {
      if (ef < k) {
        throw new CliError(
            "--ef " + ef + " is smaller than --k " + k + "; every ef must be at least k");
      }
    }
    return efs;
  }

  private VectorIndex openIndex(PrintWriter out) {
    if (index != null) {
      final Snapshots.Loaded loaded = Snapshots.load(index);
      if (!json) {
        out.printf(Locale.ROOT, "loaded %s in %.1f ms%n", index, loaded.seconds() * 1e3);
      }
      return loaded.index();
    }
    final VectorFile file = VectorFile.open(base);
    final long start = System.nanoTime();
    final VectorIndex built;
    try (Progress bar =
        Progress.start(spec.commandLine().getErr(), "building", file.count(), null)) {
      built =
          Indexing.build(
              Indexing.of(file), null, build.params("trawl eval --base", buildThreads), bar);
    }
    if (!json) {
      out.printf(Locale.ROOT, "built %s in %.2f s%n", base, (System.nanoTime() - start) / 1e9);
    }
    return built;
  }

  static String toJson(SearchBench.Result r) {
    return String.format(
        Locale.ROOT,
        "{\"ef\":%d,\"recall\":%.4f,\"qps\":%.1f,\"p50_us\":%.2f,\"p99_us\":%.2f,\"alloc_bytes_per_query\":%s}",
        r.ef(),
        r.recall(),
        r.qps(),
        r.p50Us(),
        r.p99Us(),
        Double.isNaN(r.allocBytesPerQuery())
            ? "null"
            : String.format(Locale.ROOT, "%.2f", r.allocBytesPerQuery()));
  }

  static String toRow(SearchBench.Result r) {
    return String.format(
        Locale.ROOT,
        "%6d %8.4f %12.0f %9.1f %9.1f %13.2f",
        r.ef(),
        r.recall(),
        r.qps(),
        r.p50Us(),
        r.p99Us(),
        r.allocBytesPerQuery());
  }
}
