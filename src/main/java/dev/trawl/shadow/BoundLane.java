package dev.trawl.shadow;

/** A lane paired with one job's state, so that the runner holds no raw types. Not thread-safe. */
final class BoundLane<H, S> {
  private final ShadowLane<H, S> lane;
  private final S state;

  private BoundLane(ShadowLane<H, S> lane) {
    this.lane = lane;
    this.state = lane.newState();
  }

  static <H, S> BoundLane<H, S> bind(ShadowLane<H, S> lane) {
    return new BoundLane<>(lane);
  }

  void capture(H request) {
    lane.capture(request, state);
  }

  /**
   * Runs the lane into {@code out}; a throwing lane yields a cleared, {@link RunRecord#FAILED} record.
   *
   * @return whether the lane threw
   */
  boolean run(long seedSalt, RunRecord out) {
    out.clear();
    final long start = System.nanoTime();
    boolean threw = false;
    try {
      lane.run(state, seedSalt, out);
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable t) {
      out.clear();
      out.outcome(RunRecord.FAILED);
      threw = true;
    }
    if (out.totalNanos() == 0) {
      out.totalNanos(System.nanoTime() - start);
    }
    return threw;
  }
}
