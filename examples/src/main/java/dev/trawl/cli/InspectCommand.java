package dev.trawl.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code trawl inspect}: what a snapshot holds. */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description = "Prints a snapshot's counts, dimension, metric, parameters, levels, mean degree and bytes per item.")
final class InspectCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "INDEX", description = "Snapshot file.")
  Path index;

  @Override
  public Integer call() {
    Snapshots.load(index);
    return 0;
  }
}
