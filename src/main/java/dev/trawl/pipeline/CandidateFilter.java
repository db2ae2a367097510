package dev.trawl.pipeline;

/**
 * Removes candidates by marking them with {@link CandidateBatch#remove(int)}; the pipeline compacts
 * the batch after the filter returns and counts kept and removed. A filter must not reorder.
 * Required by default (a failing safety filter fails the request); an optional filter that fails
 * removes nothing.
 *
 * <p>Runs on the request thread; implementations are shared by all threads and must be thread-safe.
 */
@FunctionalInterface
public interface CandidateFilter extends Stage {
  void filter(RequestContext ctx, CandidateBatch batch);
}
