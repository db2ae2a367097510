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
  void score(RequestContext ctx, CandidateBatch batch);
}
