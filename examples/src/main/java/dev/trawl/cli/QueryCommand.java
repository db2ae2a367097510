package dev.trawl.cli;

import dev.trawl.index.SearchResults;
import dev.trawl.index.Searcher;
import dev.trawl.index.VectorIndex;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code trawl query}: the nearest neighbours of one vector. */
@Command(
    name = "query",
    mixinStandardHelpOptions = true,
    description = {
      "Searches a snapshot for the nearest neighbours of one vector: given inline (--vector), row N"
          + " of a vector file (--row N --from FILE), or the stored vector of item N (--row N"
          + " alone)."
    })
final class QueryCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "INDEX", description = "Snapshot file.")
  Path index;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Source source;

  static final class Source {
    @Option(names = "--vector", paramLabel = "X,Y,...", description = "The query, comma-separated.")
    String vector;

    @Option(
        names = "--row",
        paramLabel = "N",
        description = "Row N of --from, or the stored vector of id N.")
    Long row;
  }

  @Option(names = "--from", paramLabel = "FILE", description = "Vector file that --row indexes.")
  Path from;

  @Option(names = "--k", defaultValue = "10", description = "Neighbours. Default ${DEFAULT-VALUE}.")
  int k;

  @Option(names = "--ef", description = "Beam width. Default: max(64, k).")
  Integer ef;

  @Override
  public Integer call() {
    final PrintWriter out = spec.commandLine().getOut();
    if (k <= 0) {
      throw new CliError("--k must be positive, got " + k);
    }
    final int beam = ef != null ? ef : Math.max(64, k);
    if (beam < k) {
      throw new CliError("--ef " + beam + " is smaller than --k " + k);
    }
    if (from != null && source.row == null) {
      throw new CliError("--from needs --row N");
    }
    final Snapshots.Loaded loaded = Snapshots.load(index);
    final VectorIndex idx = loaded.index();
    final float[] query = query(idx);
    final Searcher searcher = idx.newSearcher();
    final SearchResults results = new SearchResults(k);
    final long start = System.nanoTime();
    final int n = searcher.search(query, k, beam, results);
    final double micros = (System.nanoTime() - start) / 1e3;
    out.printf(Locale.ROOT, "%4s %20s %14s%n", "rank", "id", "distance");
    for (int i = 0; i < n; i++) {
      out.printf(Locale.ROOT, "%4d %20d %14.6g%n", i + 1, results.id(i), results.distance(i));
    }
    out.printf(
        Locale.ROOT,
        "%d results, ef=%d, %d nodes visited, %.0f us (first, cold query); index loaded in %.1f"
            + " ms%n",
        n,
        beam,
        searcher.visitedCount(),
        micros,
        loaded.seconds() * 1e3);
    out.flush();
    return 0;
  }

  private float[] query(VectorIndex idx) {
    final float[] query = new float[idx.dimension()];
    if (source.vector != null) {
      final String[] parts = source.vector.split("\\s*,\\s*");
      if (parts.length != idx.dimension()) {
        throw new CliError(
            "--vector has " + parts.length + " values, the index has dimension " + idx.dimension());
      }
      for (int i = 0; i < parts.length; i++) {
        try {
          query[i] = Float.parseFloat(parts[i].strip());
        } catch (NumberFormatException e) {
          throw new CliError("--vector value " + (i + 1) + " '" + parts[i] + "' is not a number");
        }
      }
      return query;
    }
    final long row = source.row;
    if (from != null) {
      final VectorFile file = VectorFile.open(from);
      if (file.dimension() != idx.dimension()) {
        throw new CliError(
            from
                + ": vectors have dimension "
                + file.dimension()
                + ", the index has "
                + idx.dimension());
      }
      if (row < 0 || row >= file.count()) {
        throw new CliError(
            "--row " + row + " is out of range: " + from + " has " + file.count() + " rows");
      }
      file.read((int) row, query);
      return query;
    }
    try {
      idx.vector(row, query);
    } catch (NoSuchElementException e) {
      throw new CliError(
          "--row "
              + row
              + ": no item with id "
              + row
              + " in the index (use --from FILE for a row of a file)");
    }
    return query;
  }
}
