package dev.trawl.cli;

import dev.trawl.index.VectorIndex;
import java.io.PrintWriter;
import java.nio.file.Path;

/** The CLI's door to index snapshots. */
final class Snapshots {
  private Snapshots() {}

  static void write(VectorIndex index, Path path, PrintWriter out) {
    throw new CliError("writing snapshots is not yet available in this build");
  }

  static VectorIndex load(Path path) {
    throw new CliError("loading snapshots is not yet available in this build");
  }
}
