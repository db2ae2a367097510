package dev.trawl.cli;

import dev.trawl.index.SearchResults;
import dev.trawl.index.Searcher;
import dev.trawl.index.VectorIndex;
import dev.trawl.vector.Metric;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code trawl demo}: needs no files. Generates seeded, clustered embeddings, builds an index, and
 * prints recall and speed at a few ef values. The same seed gives the same vectors; with
 * {@code --threads 1} the graph, and so the recall, is the same on every run too (with more building
 * threads it depends on scheduling). Timings vary with the machine.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Generates clustered embeddings (seeded), builds an index and prints recall@10, queries per second"
          + " and latency for a few ef values. Needs no files."
    })
final class DemoCommand implements Callable<Integer> {
  private static final int K = 10;
  private static final int[] EFS = {16, 32, 64, 128};

  @Spec CommandSpec spec;

  @Option(names = "--items", defaultValue = "20000", description = "Vectors to index. Default ${DEFAULT-VALUE}.")
  int items;

  @Option(names = "--queries", defaultValue = "500", description = "Queries. Default ${DEFAULT-VALUE}.")
  int queries;

  @Option(names = "--dimension", defaultValue = "64", description = "Dimension. Default ${DEFAULT-VALUE}.")
  int dimension;

  @Option(names = "--clusters", defaultValue = "100", description = "Communities. Default ${DEFAULT-VALUE}.")
  int clusters;

  @Option(names = "--seed", defaultValue = "7", description = "Seed. Default ${DEFAULT-VALUE}.")
  long seed;

  @Option(
      names = "--threads",
      description = "Threads building the index. Default: all processors; 1 makes the recall reproducible.")
  Integer threads;

  @Option(
      names = "--min-time-ms",
      defaultValue = "500",
      description = "Minimum length of a timed repetition. Default ${DEFAULT-VALUE}.")
  long minMillis;

  @Override
  public Integer call() {
    if (items < 1 || queries < 1 || dimension < 1 || clusters < 1) {
      throw new CliError("--items, --queries, --dimension and --clusters must be positive");
    }
    final PrintWriter out = spec.commandLine().getOut();
    final ClusteredVectors corpus = new ClusteredVectors(dimension, clusters, 0.6f, seed);
    final float[][] base = corpus.sample(items, seed + 1);
    final float[][] queryVectors = corpus.sample(queries, seed + 2);
    out.printf(
        Locale.ROOT, "demo: %,d posts as %d-dim embeddings in %d communities (seed %d), %,d queries%n",
        items, dimension, clusters, seed, queries);
    out.flush();

    final int t = threads != null ? threads : Runtime.getRuntime().availableProcessors();
    final long start = System.nanoTime();
    final VectorIndex index;
    try (Progress bar = Progress.start(spec.commandLine().getErr(), "building", items, null)) {
      index =
          Indexing.build(
              Indexing.of(base, "demo corpus"), null,
              new Indexing.Params(Metric.COSINE, 16, 100, seed, t), bar);
    }
    final double seconds = (System.nanoTime() - start) / 1e9;
    out.printf(
        Locale.ROOT, "built the index (cosine, M=16, efConstruction=100) on %d threads in %.2f s (%,.0f vectors/s)%n",
        t, seconds, items / seconds);

    final int[][] truth = exactTruth(index, queryVectors);
    final SearchBench bench =
        new SearchBench(index, queryVectors, K, new SearchBench.Settings(minMillis / 2, minMillis, 3, 1));
    out.printf(Locale.ROOT, "%6s %9s %12s %9s %9s %13s%n", "ef", "recall@10", "qps", "p50 us", "p99 us", "alloc B/query");
    out.flush();
    for (int ef : EFS) {
      final SearchBench.Result r = bench.measure(ef, bench.recall(truth, ef));
      out.printf(
          Locale.ROOT, "%6d %9.4f %12.0f %9.1f %9.1f %13.2f%n",
          r.ef(), r.recall(), r.qps(), r.p50Us(), r.p99Us(), r.allocBytesPerQuery());
      out.flush();
    }
    out.println("(recall is against exact brute-force neighbours; one searching thread)");
    out.flush();
    return 0;
  }

  /** Exact top-k ids per query by a full scan: the ground truth. */
  private static int[][] exactTruth(VectorIndex index, float[][] queries) {
    final Searcher searcher = index.newSearcher();
    final SearchResults results = new SearchResults(K);
    final int[][] truth = new int[queries.length][K];
    for (int q = 0; q < queries.length; q++) {
      final int n = searcher.searchExact(queries[q], K, results);
      for (int i = 0; i < n; i++) {
        truth[q][i] = (int) results.id(i);
      }
    }
    return truth;
  }
}
