package dev.trawl.pipeline;

/**
 * Decides whether the whole pipeline ({@link PipelineBuilder#gate}) or one stage
 * ({@link StageOptions#when}) runs for this request, e.g. an experiment bucket or a feature flag.
 *
 * <p>Runs on the request thread; must be non-capturing or capture only immutable state, must not
 * allocate and must be thread-safe. A gate that throws counts as a failure of the stage it guards
 * (or as a stage failure named {@code "gate"} for a pipeline gate).
 */
@FunctionalInterface
public interface Gate {
  /** Runs always. */
  Gate ALWAYS = ctx -> true;

  /**
   * Whether to run.
   *
   * @param ctx the running request
   * @return true to run the pipeline or stage for this request, false to skip it
   */
  boolean test(RequestContext ctx);
}
