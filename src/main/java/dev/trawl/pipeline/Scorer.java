package dev.trawl.pipeline;

/**
 * Writes (or adjusts) {@link Feature#SCORE} for every candidate with
 * {@link CandidateBatch#setScore(int, float)}. Required by default; an optional scorer that fails
 * leaves the scores as they were before it ran.
 *
 * <p>Runs on the stage pool, abandoned at the request deadline, unless it declares
 * {@link Stage#mayBlock()} false (then on the request thread); implementations are shared by all
 * threads and must be thread-safe.
 */
@FunctionalInterface
public interface Scorer extends Stage {
  /**
   * Scores every candidate.
   *
   * @param ctx the running request: its inputs, query features and this stage's scratch ({@link
   *     RequestContext#scratch()})
   * @param batch the request's candidates; set every row's score
   */
  void score(RequestContext ctx, CandidateBatch batch);
}
