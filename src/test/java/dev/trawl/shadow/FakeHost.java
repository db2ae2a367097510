package dev.trawl.shadow;

import java.util.concurrent.CountDownLatch;

/**
 * A host without a pipeline for shadow-mode tests: a request is a number and a seed, the "pipeline"
 * is {@link SyntheticRuns}, the host's answer is a {@link RunRecord} it owns.
 */
final class FakeHost {
  static final int POOL = 120;
  static final int PAGE = 20;

  /** The host's reusable request. */
  static final class Request {
    long number;
    long seed;
  }

  /** What a lane does besides answering. */
  enum Behaviour { NORMAL, THROW, BLOCK }

  /** A lane's per-job state: its own copy of the request and its own candidate pool. */
  static final class LaneState {
    final SyntheticRuns runs = new SyntheticRuns(POOL);
    long number;
    long seed;
  }

  /** A pipeline configuration: rule on/off, how much the seed reorders the page, a behaviour. */
  static final class Lane implements ShadowLane<Request, LaneState> {
    final boolean dropTrending;
    final int swaps;
    final Behaviour behaviour;
    final CountDownLatch release = new CountDownLatch(1);

    Lane(boolean dropTrending, int swaps, Behaviour behaviour) {
      this.dropTrending = dropTrending;
      this.swaps = swaps;
      this.behaviour = behaviour;
    }

    @Override
    public LaneState newState() {
      return new LaneState();
    }

    @Override
    public void capture(Request request, LaneState state) {
      state.number = request.number;
      state.seed = request.seed;
    }

    @Override
    public void run(LaneState state, long seedSalt, RunRecord out) throws Exception {
      if (behaviour == Behaviour.THROW) {
        throw new IllegalStateException("candidate bug");
      }
      if (behaviour == Behaviour.BLOCK) {
        release.await();
      }
      state.runs.drawPool(state.number);
      state.runs.run(out, PAGE, dropTrending, swaps, state.seed ^ seedSalt, 1000 + state.number % 7);
    }
  }

  /** The primary's answer is already a RunRecord; the recorder copies it. */
  static final PrimaryRecorder<Request, RunRecord> RECORDER = (request, result, out) -> out.copyFrom(result);

  /** The host's own primary: answers {@code request} into {@code result}. */
  static void answer(SyntheticRuns runs, Request request, RunRecord result, int swaps) {
    runs.drawPool(request.number);
    runs.run(result, PAGE, true, swaps, request.seed, 1000 + request.number % 7);
  }

  private FakeHost() {}
}
