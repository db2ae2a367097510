package dev.trawl.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code trawl query}: nearest neighbours of one vector. */
@Command(name = "query", mixinStandardHelpOptions = true, description = "Searches a snapshot for one vector.")
final class QueryCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "INDEX", description = "Snapshot file.")
  Path index;

  @Override
  public Integer call() {
    Snapshots.load(index);
    return 0;
  }
}
