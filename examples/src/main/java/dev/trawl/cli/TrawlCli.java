package dev.trawl.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code trawl} command line: build, inspect, query and evaluate indexes, or watch a demo.
 *
 * <p>Exit codes: 0 on success, {@value #EXIT_INPUT} when an input is wrong (a missing or malformed
 * file, a dimension mismatch, an impossible option value), {@value #EXIT_USAGE} when the command
 * line itself is wrong, {@value #EXIT_INTERNAL} for an unexpected failure. Errors are one line on
 * standard error; set {@code TRAWL_DEBUG=1} for stack traces.
 */
@Command(
    name = "trawl",
    mixinStandardHelpOptions = true,
    version = "trawl 0.1.0-SNAPSHOT",
    description = "Build, inspect, query and evaluate Trawl vector indexes; feed them from Kafka.",
    subcommands = {
      BuildCommand.class,
      InspectCommand.class,
      QueryCommand.class,
      EvalCommand.class,
      DemoCommand.class,
      ShadowCommand.class,
      IngestCommand.class,
      ProduceCommand.class,
      dev.trawl.examples.service.ServeCommand.class,
      dev.trawl.examples.load.LoadCommand.class,
      dev.trawl.examples.load.JfrSummaryCommand.class,
      CommandLine.HelpCommand.class
    })
public final class TrawlCli implements Runnable {
  /** Exit code for a wrong input: missing or malformed file, dimension mismatch, bad value. */
  public static final int EXIT_INPUT = 1;

  /** Exit code for a command line that does not parse. */
  public static final int EXIT_USAGE = 2;

  /** Exit code for an unexpected failure (a bug). */
  public static final int EXIT_INTERNAL = 3;

  /** Held so the level set in {@link #main} sticks (loggers are weakly referenced). */
  private static final java.util.logging.Logger TRAWL_LOG =
      java.util.logging.Logger.getLogger("dev.trawl");

  /** The Kafka client logs its configuration at INFO; ingest and produce show its warnings only. */
  private static final java.util.logging.Logger KAFKA_LOG =
      java.util.logging.Logger.getLogger("org.apache.kafka");

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(
        spec.commandLine(),
        "missing command: one of build, inspect, query, eval, demo, shadow, ingest, produce, serve, load, jfr-summary");
  }

  /**
   * A configured command line (one-line errors, exit codes); callers may redirect its out and err.
   */
  public static CommandLine commandLine() {
    final CommandLine cli = new CommandLine(new TrawlCli());
    cli.setParameterExceptionHandler(
        (e, args) -> {
          final CommandLine cmd = e.getCommandLine();
          final PrintWriter err = cmd.getErr();
          err.println(
              cmd.getCommandSpec().qualifiedName()
                  + ": "
                  + e.getMessage()
                  + " (see '"
                  + cmd.getCommandSpec().qualifiedName()
                  + " --help')");
          err.flush();
          return EXIT_USAGE;
        });
    cli.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          final PrintWriter err = cmd.getErr();
          final String name = cmd.getCommandSpec().qualifiedName();
          final boolean expected = e instanceof CliError || e instanceof IllegalArgumentException;
          err.println(
              name
                  + ": error: "
                  + (expected && e.getMessage() != null ? e.getMessage() : e.toString()));
          if (System.getenv("TRAWL_DEBUG") != null) {
            e.printStackTrace(err);
          }
          err.flush();
          return expected ? EXIT_INPUT : EXIT_INTERNAL;
        });
    return cli;
  }

  public static void main(String[] args) {
    if (System.getenv("TRAWL_DEBUG") == null) {
      // the library logs its kernel choice at INFO; eval and demo print it in their headers instead
      TRAWL_LOG.setLevel(java.util.logging.Level.WARNING);
      KAFKA_LOG.setLevel(java.util.logging.Level.WARNING);
    }
    System.exit(commandLine().execute(args));
  }
}
