package dev.trawl.pipeline;

/**
 * Why a request failed, classified so the host can react (reject, retry, alert), and which stage
 * failed. Thrown by {@link Pipeline#execute}; also thrown by a stage, through
 * {@link #badRequest(String)}, to say the request itself is invalid.
 *
 * <p>Immutable and thread-safe. Only created on failure paths (it allocates, like any exception).
 */
public final class PipelineException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The classification. */
  public enum Kind {
    /** The request is invalid (missing or malformed input); retrying will not help. */
    BAD_REQUEST,
    /** A required stage threw or timed out; the stage is named. */
    STAGE_FAILURE,
    /** The pipeline's own code failed: a bug in Trawl, please report it. */
    LIBRARY_BUG
  }

  /** What kind of failure this is. */
  private final Kind kind;
  /** The name of the stage that failed, or null. */
  private final String stage;

  PipelineException(Kind kind, String stage, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
    this.stage = stage;
  }

  /**
   * For stages: the request is invalid. The pipeline adds the stage name and rethrows it.
   *
   * @param message what is wrong with the request
   * @return the exception, for the stage to throw
   */
  public static PipelineException badRequest(String message) {
    return new PipelineException(Kind.BAD_REQUEST, null, message, null);
  }

  /** {@return the classification of the failure} */
  public Kind kind() {
    return kind;
  }

  /** {@return the name of the stage that failed, or {@code null} when no stage is to blame} */
  public String stage() {
    return stage;
  }

  static PipelineException named(Kind kind, String stage, String message, Throwable cause) {
    return new PipelineException(kind, stage, message, cause);
  }
}
