package dev.trawl.pipeline;

/**
 * Fills candidate columns (features, or built-in columns such as {@link Feature#AUTHOR}) for every
 * candidate in the batch, e.g. from a feature store. Declare them in {@link #writes()}. Optional by
 * default: on failure the columns it declared are reset to their defaults and the request goes on.
 *
 * <p>Runs on the stage pool, abandoned at the request deadline, unless it declares
 * {@link Stage#mayBlock()} false (then on the request thread); implementations are shared by all
 * threads and must be thread-safe.
 */
@FunctionalInterface
public interface CandidateHydrator extends Stage {
  /**
   * Fills the declared columns of every candidate.
   *
   * @param ctx the running request: its inputs, query features and this stage's scratch ({@link
   *     RequestContext#scratch()})
   * @param batch the request's candidates; set the declared columns of every row
   */
  void hydrate(RequestContext ctx, CandidateBatch batch);
}
