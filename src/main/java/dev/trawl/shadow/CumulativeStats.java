package dev.trawl.shadow;

/**
 * Optional for a {@link ShadowLane} (or {@link PrimaryRecorder}) whose system keeps only cumulative
 * counters (per-stage latency histograms, per-rule kept/removed counts) instead of reporting them
 * per run. {@link PipelineLane} and {@link PipelineShadow#recorder} do not need it: they report each
 * request's figures from {@link dev.trawl.pipeline.RequestContext#lastRequest()}. The
 * driver marks the counters when a window starts and, when it reports, adds what happened since the
 * mark to one side of the window: pooled rule funnels and stage latency histograms.
 *
 * <p>Only meaningful when the lane's system is used by the shadow alone (a dedicated shadow
 * instance), otherwise other traffic is counted too.
 *
 * <p>Called on the reporting thread; implementations must be thread-safe with respect to the running
 * system. May allocate (reporting is off the request path).
 */
public interface CumulativeStats {
  /** {@return an opaque mark of the counters now} */
  Object mark();

  /**
   * Adds the counters' growth since {@code mark} to side {@code side} ({@link ComparisonWindow#SIDE_A}
   * or {@link ComparisonWindow#SIDE_B}) of {@code window}.
   *
   * @param mark a mark these stats returned earlier
   * @param window the window to add to
   * @param side the side to add to
   */
  void addSince(Object mark, ComparisonWindow window, int side);
}
