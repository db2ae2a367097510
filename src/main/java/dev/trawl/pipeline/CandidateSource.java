package dev.trawl.pipeline;

/**
 * Produces candidates: nearest items to the user's vector, fresh items from followed communities,
 * trending items. Sources run in parallel (see {@link PipelineBuilder#sourcesOn}); each writes
 * only into its own {@link CandidateSink}, and the pipeline merges the sinks, in declaration order,
 * into the {@link CandidateBatch} (first source wins on duplicate ids).
 *
 * <p>A source must be thread-safe and must only <em>read</em> the {@link RequestContext} (its inputs:
 * user id, query vector, id sets, query features). {@link #writes()} declares which built-in columns
 * ({@link Feature#AUTHOR}, {@link Feature#COMMUNITY}, {@link Feature#CREATED_AT}) it fills for every
 * candidate. A source is optional by default: if it throws, times out or returns invalid ids, it
 * contributes nothing (or only its valid ids) and the rest of the feed is served.
 *
 * <p>A source that is still running when its timeout passes is abandoned: its sink is never read
 * again, and if it is still running when the context is reused, the context gets a fresh sink, so a
 * late source can never write into a later request. It may, however, observe the later request's
 * inputs while it finishes, and its result is discarded.
 */
@FunctionalInterface
public interface CandidateSource extends Stage {
  /**
   * Writes candidates into {@code out} (already empty). Must not allocate in steady state.
   *
   * @param ctx the running request (read-only for a source: its inputs and query features)
   * @param out this source's own sink for this request, with its scratch ({@link
   *     CandidateSink#scratch()})
   */
  void fetch(RequestContext ctx, CandidateSink out);
}
