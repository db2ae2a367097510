package dev.trawl.pipeline;

/**
 * A rule: removes candidates after retrieval by marking them with {@link CandidateBatch#remove(int)};
 * the pipeline compacts the batch after the rule returns and counts kept and removed. A rule must not
 * reorder. Required by default (a failing safety rule fails the request); an optional rule that fails
 * removes nothing.
 *
 * <p>Not to be confused with the request's filter ({@code dev.trawl.filter.RequestFilter}), the set
 * of items a search may return, which acts inside the search: a rule acts on candidates, whatever
 * source produced them.
 *
 * <p>Runs on the stage pool, abandoned at the request deadline, unless it declares
 * {@link Stage#mayBlock()} false (then on the request thread); implementations are shared by all
 * threads and must be thread-safe.
 */
@FunctionalInterface
public interface CandidateRule extends Stage {
  /**
   * Marks the candidates of {@code batch} to remove for the request {@code ctx}.
   *
   * @param ctx the running request: its inputs, query features and this stage's scratch ({@link
   *     RequestContext#scratch()})
   * @param batch the request's candidates; mark rows with {@link CandidateBatch#remove(int)}, the
   *     pipeline compacts afterwards
   */
  void apply(RequestContext ctx, CandidateBatch batch);
}
