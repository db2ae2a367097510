package dev.trawl.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs the CLI in-process and captures what it prints. */
final class Cli {
  /** Exit code and the text printed on standard output and standard error. */
  record Run(int exit, String out, String err) {}

  private Cli() {}

  static Run run(String... args) {
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    final CommandLine cli = TrawlCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    final int exit = cli.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }
}
