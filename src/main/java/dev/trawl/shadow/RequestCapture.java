package dev.trawl.shadow;

/**
 * Copies a live request's inputs into a {@link RequestRecord} for recording. A constant: state comes
 * in as arguments. Runs on the request thread; must not allocate once the record's arrays have grown.
 *
 * @param <H> the host's request type
 */
@FunctionalInterface
public interface RequestCapture<H> {
  /**
   * Copies the inputs of {@code request} into {@code out}; must not allocate.
   *
   * @param request the host's request, read during the call only
   * @param out receives the inputs, already cleared
   */
  void capture(H request, RequestRecord out);
}
