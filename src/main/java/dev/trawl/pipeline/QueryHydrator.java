package dev.trawl.pipeline;

/**
 * Computes per-request scalars ({@link Feature.Kind#QUERY} features) before the sources run, e.g. the
 * user's activity level, with {@link RequestContext#setQueryFeature}. Declare them in
 * {@link #writes()}. Optional by default: on failure the features keep their defaults.
 *
 * <p>Runs on the stage pool, abandoned at the request deadline, unless it declares
 * {@link Stage#mayBlock()} false (then on the request thread); implementations are shared by all
 * threads and must be thread-safe.
 */
@FunctionalInterface
public interface QueryHydrator extends Stage {
  /**
   * Computes the declared query features of the request.
   *
   * @param ctx the running request; set the declared query features with {@link
   *     RequestContext#setQueryFeature}
   */
  void hydrate(RequestContext ctx);
}
