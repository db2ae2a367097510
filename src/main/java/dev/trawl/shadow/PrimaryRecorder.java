package dev.trawl.shadow;

/**
 * Copies the primary's answer to a request into a {@link RunRecord}, on the request thread, after
 * the host has used it. A constant: state comes in as arguments.
 *
 * @param <H> the host's request type
 * @param <R> the host's result type (e.g. a pipeline result)
 */
@FunctionalInterface
public interface PrimaryRecorder<H, R> {
  /**
   * Copies the page (and what else is known) of {@code result} into {@code out}; must not allocate.
   *
   * @param request the host's request
   * @param result the primary's answer
   * @param out receives the run, already cleared
   */
  void record(H request, R result, RunRecord out);
}
