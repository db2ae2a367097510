package dev.trawl.pipeline;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bound on one blocking stage's calls on the stage pool
 * ({@link PipelineBuilder#threadsPerBlockingStage}): at most {@link #limit} of its tasks are handed
 * to the pool at once, so a stage that hangs holds at most that many pool threads however many
 * requests arrive before the first of them reaches its deadline. A call beyond the bound waits in
 * this stage's own bounded queue, not in the pool's, and is handed over when a call of the stage
 * leaves the pool.
 *
 * <p><b>Permits.</b> {@link #running} counts tasks handed to the pool and not yet finished with it.
 * A permit is taken before every {@link WorkerPool#execute} of this stage's tasks and given back
 * exactly once for each: by the worker when the task's work returns or when it finds the task stale
 * ({@link HandOff#run}), or by the submitter when the pool refuses the task. A stale queue entry (its
 * request stopped waiting, {@code QUEUED -> IDLE}) still takes a permit and gives it back at once
 * on the worker, where {@link HandOff#run} skips it: the entry never runs the abandoned call.
 *
 * <p><b>No lost hand-over.</b> A submitter offers to the queue and then {@linkplain #drain drains};
 * a worker gives its permit back and then drains. A drainer takes a permit before it polls and gives
 * it back if the poll finds nothing, and loops while the queue is not empty, so whichever of the two
 * comes second sees both the waiting task and the free permit (all of it is volatile, hence in one
 * synchronization order). Checked under jcstress ({@code jcstress/.../StageBulkheadHandOver}): a
 * call queued while the last permit comes back is handed over exactly once, and of two calls
 * waiting for one returning permit exactly one gets it.
 *
 * <p>One per blocking stage of a pipeline; thread-safe. Allocates nothing after construction
 * except on failure paths (the refusal's exception).
 */
final class StageBulkhead {
  final int limit;
  /** The stage pool (a {@link WorkerPool}); an {@code Executor} so that a stress test can count hand-overs. */
  private final Executor pool;
  private final StageMetrics metrics;
  private final String stageDescription;
  private final TaskQueue waiting;
  /** Tasks of this stage handed to the pool and not finished with it (permits taken). */
  final AtomicInteger running = new AtomicInteger();

  StageBulkhead(ConfiguredStage stage, Executor pool, int limit, int waitCapacity) {
    this.limit = limit;
    this.pool = pool;
    this.metrics = stage.metrics;
    this.stageDescription = stage.describe();
    this.waiting = new TaskQueue(waitCapacity);
  }

  /**
   * Hands the armed {@code task} to the pool, or queues it behind the stage's running calls;
   * returns why it was refused ({@code null} when accepted). A refused task is not armed any more
   * and counted in {@link StageStats#rejected()} by the caller.
   */
  RejectedExecutionException submit(HandOff task) {
    // Only when nothing waits: a newcomer must not overtake the calls already queued.
    if (waiting.isEmpty() && tryAcquire()) {
      try {
        pool.execute(task);
        return null;
      } catch (RejectedExecutionException e) {
        running.decrementAndGet();
        drain(); // the permit was briefly held: a call that queued meanwhile may need it
        return e;
      }
    }
    if (!waiting.offer(task)) {
      return new RejectedExecutionException(stageDescription + " has " + waiting.capacity()
          + " calls queued behind its " + limit + " running ones (queue full)");
    }
    metrics.deferred.increment();
    drain(); // a permit may have come back between the check above and the offer
    return null;
  }

  /** Called once per pool hand-over, by the worker, when the task is finished with the pool. */
  void release() {
    running.decrementAndGet();
    drain();
  }

  /**
   * Hands queued tasks to the pool while permits are free. A task the pool refuses fails at once:
   * its request sees the refusal as the stage's failure instead of waiting for its deadline.
   */
  void drain() {
    final TaskQueue q = waiting;
    while (!q.isEmpty()) {
      if (!tryAcquire()) {
        return; // every permit is held: the holders drain when they finish
      }
      final Runnable task = q.poll();
      if (task == null) {
        // taken by another drainer, or its offer is still being published (that offerer drains)
        running.decrementAndGet();
        continue;
      }
      try {
        pool.execute(task);
      } catch (RejectedExecutionException e) {
        running.decrementAndGet();
        ((HandOff) task).refuse(e);
      }
    }
  }

  /** {@return whether no call of the stage waits in its queue} */
  boolean queueIsEmpty() {
    return waiting.isEmpty();
  }

  private boolean tryAcquire() {
    final AtomicInteger r = running;
    while (true) {
      final int n = r.get();
      if (n >= limit) {
        return false;
      }
      if (r.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

}
