package dev.trawl.cli;

import dev.trawl.index.VectorIndex;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code trawl build}: builds an index from a vector file and writes a snapshot of it. */
@Command(
    name = "build",
    mixinStandardHelpOptions = true,
    description = {
      "Builds an HNSW index from a vector file (.fvecs, .bvecs, .npy float32 or .csv) and writes it"
          + " as a snapshot.",
      "Items get the row numbers as ids unless --ids gives them."
    })
final class BuildCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--vectors",
      required = true,
      paramLabel = "FILE",
      description = "Vectors to index.")
  Path vectors;

  @Mixin BuildOptions build;

  @Option(
      names = "--threads",
      paramLabel = "N",
      description = "Inserting threads. Default: all processors (1 gives a reproducible graph).")
  Integer threads;

  @Option(
      names = "--ids",
      paramLabel = "FILE",
      description = "External ids, one integer per line, one per row.")
  Path ids;

  @Option(
      names = "--out",
      paramLabel = "INDEX",
      description = "Snapshot to write. Without it the index is built, timed and dropped.")
  Path out;

  @Option(
      names = "--progress",
      negatable = true,
      description = "Draw a progress bar (default: only on a terminal).")
  Boolean progress;

  @Override
  public Integer call() throws Exception {
    final PrintWriter stdout = spec.commandLine().getOut();
    final Indexing.Params params = build.params("trawl build", threads);
    final VectorFile file = VectorFile.open(vectors);
    final long[] idList = ids == null ? null : InputFiles.readIds(ids, file.count());
    final long start = System.nanoTime();
    final VectorIndex index;
    try (Progress bar =
        Progress.start(spec.commandLine().getErr(), "building", file.count(), progress)) {
      index = Indexing.build(Indexing.of(file), idList, params, bar);
    }
    final double seconds = (System.nanoTime() - start) / 1e9;
    stdout.printf(
        Locale.ROOT,
        "built %,d vectors (%d dims, %s, M=%d, efConstruction=%d) on %d threads in %.2f s (%,.0f"
            + " vectors/s)%n",
        index.size(),
        index.dimension(),
        index.metric().name().toLowerCase(Locale.ROOT),
        params.m(),
        params.efConstruction(),
        params.threads(),
        seconds,
        index.size() / seconds);
    if (out != null) {
      Snapshots.write(index, out, stdout);
    }
    stdout.flush();
    return 0;
  }
}
