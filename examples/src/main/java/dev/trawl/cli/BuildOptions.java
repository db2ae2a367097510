package dev.trawl.cli;

import dev.trawl.vector.Metric;
import picocli.CommandLine.Option;

/**
 * The index-building options shared by {@code build} and {@code eval --base}. Thread counts are not
 * here: {@code eval} has its own {@code --threads} for searching.
 */
final class BuildOptions {
  @Option(
      names = "--metric",
      converter = MetricConverter.class,
      description = "Distance: l2, cosine or dot.")
  Metric metric;

  @Option(
      names = "--m",
      defaultValue = "16",
      description = "Links per node (2M on level 0). Default ${DEFAULT-VALUE}.")
  int m;

  @Option(
      names = "--ef-construction",
      defaultValue = "200",
      description = "Beam width while inserting. Default ${DEFAULT-VALUE}.")
  int efConstruction;

  @Option(
      names = "--seed",
      defaultValue = "42",
      description = "Seed of the level assignment. Default ${DEFAULT-VALUE}.")
  long seed;

  /** The build parameters, with {@code threads} inserting threads (null: all processors). */
  Indexing.Params params(String requiredBy, Integer threads) {
    if (metric == null) {
      throw new CliError(requiredBy + " needs --metric (l2, cosine or dot)");
    }
    final int t = threads != null ? threads : Runtime.getRuntime().availableProcessors();
    return new Indexing.Params(metric, m, efConstruction, seed, t);
  }
}
