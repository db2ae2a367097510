package dev.trawl.fetch;

/**
 * A fetch could not serve every key in time. Thrown by a {@link FetchHydrator} in
 * {@link FetchHydrator.OnFailure#FAIL_STAGE} mode, so that the stage's pipeline policy decides what
 * the request does; also the cause a fetch records when its breaker refuses a call
 * ({@link FeatureFetch#lastFailure()}).
 *
 * <p>Immutable and thread-safe. Only created on failure paths.
 */
public final class FetchException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * An exception with {@code message}.
   *
   * @param message what failed, naming the store
   */
  public FetchException(String message) {
    super(message);
  }

  private FetchException(String message, boolean stack) {
    super(message, null, false, stack);
  }

  /** A shared, stackless instance for an expected condition (no allocation when it recurs). */
  static FetchException stackless(String message) {
    return new FetchException(message, false);
  }
}
