package dev.trawl.pipeline;

/**
 * Reorders and/or cuts the batch (sorting, caps, diversity, blending, truncation) by computing a
 * row order into {@link CandidateBatch#rowScratch()} and calling
 * {@link CandidateBatch#keepRows(int[], int)}. Required by default; an optional selector that fails
 * before calling {@code keepRows} leaves the order unchanged.
 *
 * <p>Runs on the stage pool, abandoned at the request deadline, unless it declares
 * {@link Stage#mayBlock()} false (then on the request thread); implementations are shared by all
 * threads and must be thread-safe.
 */
@FunctionalInterface
public interface Selector extends Stage {
  /**
   * Reorders or cuts the candidates.
   *
   * @param ctx the running request: its inputs, query features and this stage's scratch ({@link
   *     RequestContext#scratch()})
   * @param batch the request's candidates; reorder or cut them with {@link
   *     CandidateBatch#keepRows(int[], int)}
   */
  void select(RequestContext ctx, CandidateBatch batch);
}
