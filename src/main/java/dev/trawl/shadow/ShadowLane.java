package dev.trawl.shadow;

/**
 * One configuration a shadow run sends a request through: the candidate pipeline, or a second
 * instance of the primary for the A/A noise floor. A lane is stateless and shared; everything a run
 * needs (a pipeline's request context and result, say) lives in per-job state from {@link #newState},
 * created once at set-up. Methods receive their state as arguments so a lane can be a constant and
 * nothing is captured per request.
 *
 * <p>Contract: {@link #capture} runs on the <em>request thread</em> right after the primary answered
 * and must copy (not reference) whatever of the host's request the run needs, without allocating;
 * {@link #run} runs later on a shadow worker and must suppress side effects (no impressions logged,
 * no writes to the host's stores). Exceptions from {@code run} are caught and counted as a failed run.
 *
 * @param <H> the host's request type (e.g. a pipeline request context, or a recorded request)
 * @param <S> the lane's per-job state
 */
public interface ShadowLane<H, S> {
  /** {@return new state for one in-flight job; called at set-up only} */
  S newState();

  /**
   * Copies the host's request into {@code state}. Request thread; must not allocate or block.
   *
   * @param request the host's request, read during the call only
   * @param state this job's state
   */
  void capture(H request, S state);

  /**
   * Runs the captured request and writes the answer into {@code out} (already cleared): the page, and
   * where known stage latencies, rule funnels and timeouts. The runner measures end-to-end latency
   * if the lane leaves {@link RunRecord#totalNanos()} at 0.
   *
   * @param seedSalt XOR-ed into the request's seed: {@code 0} for the candidate (same seed as the
   *     primary, so stochastic stages draw the same numbers), non-zero for the A/A re-run
   * @param state the captured request
   * @param out receives the run
   * @throws Exception whatever the pipeline throws; the run then counts as failed
   */
  void run(S state, long seedSalt, RunRecord out) throws Exception;
}
