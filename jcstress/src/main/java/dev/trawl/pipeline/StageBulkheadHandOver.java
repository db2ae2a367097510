package dev.trawl.pipeline;

import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * The stage bulkhead's hand-over (one blocking stage limited to one pool thread): a call queued while
 * the running call gives its permit back must be handed to the pool exactly once, whichever of the
 * two comes second; of two calls waiting for one returning permit, exactly one gets it.
 *
 * <p>The pool is an executor that only counts what it is given (a handed-over call keeps its permit,
 * as one running on the pool does), so the outcome is read without threads of its own.
 */
public final class StageBulkheadHandOver {
  private StageBulkheadHandOver() {}

  /** A stage bulkhead of limit 1 over a counting pool, its first call already running. */
  static class Limited {
    final AtomicInteger handedOver = new AtomicInteger();
    private final ConfiguredStage stage = new ConfiguredStage("stressed",
        StageKind.CANDIDATE_HYDRATOR, (CandidateHydrator) (ctx, batch) -> { }, StageOptions.defaults(), 0);
    final StageBulkhead bulkhead;

    Limited() {
      final Executor counting = task -> handedOver.incrementAndGet();
      bulkhead = new StageBulkhead(stage, counting, 1, 8);
      if (bulkhead.submit(newCall()) != null) {
        throw new IllegalStateException("the first call was refused");
      }
    }

    /** A call of the stage; only handed over and counted here, never run. */
    final HandOff newCall() {
      return new HandOff(stage.metrics, NanoClock.SYSTEM) {
        @Override
        void work() {}

        @Override
        Thread waiter() {
          return null;
        }
      };
    }
  }

  /**
   * A call arrives while the running one returns. Results: (calls handed to the pool, permits held,
   * whether the stage's queue is empty).
   */
  @JCStressTest
  @Description("StageBulkhead, limit 1: submit while the running call releases its permit")
  @Outcome(id = "2, 1, 1", expect = Expect.ACCEPTABLE, desc = "the new call was handed over once")
  @Outcome(expect = Expect.FORBIDDEN, desc = "a lost or doubled hand-over, or a leaked permit")
  @State
  public static class SubmitWhileReleasing extends Limited {
    private final HandOff next = newCall();

    @Actor
    public void submit() {
      bulkhead.submit(next);
    }

    @Actor
    public void release() {
      bulkhead.release();
    }

    @Arbiter
    public void end(III_Result r) {
      r.r1 = handedOver.get();
      r.r2 = bulkhead.running.get();
      r.r3 = bulkhead.queueIsEmpty() ? 1 : 0;
    }
  }

  /**
   * A call arrives while the running one returns and another one already waits in the queue (two
   * actors, so that the quick mode's two CPUs run it). Results: (calls handed to the pool, permits
   * held, whether the stage's queue is empty, calls refused).
   */
  @JCStressTest
  @Description("StageBulkhead, limit 1: submit behind a queued call while the running one releases")
  @Outcome(id = "2, 1, 0, 0", expect = Expect.ACCEPTABLE,
      desc = "one waiting call was handed over, the other still waits")
  @Outcome(expect = Expect.FORBIDDEN, desc = "both took the one permit, none did, or one was refused")
  @State
  public static class SubmitBehindAQueuedCallWhileReleasing extends Limited {
    private final HandOff next = newCall();
    private int refused;

    public SubmitBehindAQueuedCallWhileReleasing() {
      if (bulkhead.submit(newCall()) != null || bulkhead.queueIsEmpty()) {
        throw new IllegalStateException("the second call was not queued");
      }
    }

    @Actor
    public void submit() {
      if (bulkhead.submit(next) != null) {
        refused++;
      }
    }

    @Actor
    public void release() {
      bulkhead.release();
    }

    @Arbiter
    public void end(IIII_Result r) {
      r.r1 = handedOver.get();
      r.r2 = bulkhead.running.get();
      r.r3 = bulkhead.queueIsEmpty() ? 1 : 0;
      r.r4 = refused;
    }
  }
}
