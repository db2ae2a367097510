package dev.trawl.cli;

/**
 * A problem with the user's input (a missing or malformed file, a bad option value): the CLI prints
 * its message as one line and exits with {@link TrawlCli#EXIT_INPUT}, without a stack trace.
 */
final class CliError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  CliError(String message) {
    super(message);
  }

  CliError(String message, Throwable cause) {
    super(message, cause);
  }
}
