package dev.trawl.examples.load;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code trawl jfr-summary FILE}: prints an {@link AllocationProfile} of a JFR recording as Markdown
 * (allocation by layer and by thread, GC pauses, heap after GC). Not thread-safe (a command runs once).
 */
@Command(
    name = "jfr-summary",
    mixinStandardHelpOptions = true,
    description = "Summarises a JFR recording of the feed service: allocation by layer (the Trawl"
        + " library, Jetty, GraphQL, Jackson, the stores' clients, the service) and by thread, GC"
        + " pauses and heap after GC, as Markdown tables.")
public final class JfrSummaryCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = "A .jfr recording.")
  Path file;

  @Override
  public Integer call() throws Exception {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("no recording at " + file);
    }
    spec.commandLine().getOut().print(AllocationProfile.read(file).toMarkdown());
    spec.commandLine().getOut().flush();
    return 0;
  }
}
