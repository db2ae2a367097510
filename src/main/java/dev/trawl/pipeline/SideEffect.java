package dev.trawl.pipeline;

/**
 * Runs after the page is built, e.g. to record impressions into the host's buffers. Always optional:
 * a side effect that fails is counted and never fails the request. It sees the final page and must
 * not keep references to it.
 *
 * <p>Runs on the stage pool, abandoned at the request deadline, unless it declares
 * {@link Stage#mayBlock()} false (then on the request thread); implementations are shared by all
 * threads and must be thread-safe.
 */
@FunctionalInterface
public interface SideEffect extends Stage {
  /**
   * Acts on the page served.
   *
   * @param ctx the request that was served
   * @param page the final page; read during the call only
   */
  void apply(RequestContext ctx, PipelineResult page);
}
