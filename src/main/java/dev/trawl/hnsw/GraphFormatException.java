package dev.trawl.hnsw;

/**
 * A graph section of a snapshot breaks a rule of the format: the message names the section (or the
 * header field) and the rule, in the words the snapshot loader reports after the file's name.
 * Thrown by {@link GraphSnapshotReader} before the graph is handed out; the partly read graph is
 * dropped.
 */
public final class GraphFormatException extends Exception {
  private static final long serialVersionUID = 1L;

  /**
   * A refusal.
   *
   * @param message the section or header field and the broken rule
   */
  public GraphFormatException(String message) {
    super(message);
  }
}
