package dev.trawl.pipeline;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * One stage's work for one context, pre-allocated and resubmitted for every request so handing it to
 * a worker allocates nothing; {@link SourceTask} (a source and its sink) and {@link StageTask} (a
 * blocking candidate, query or side-effect stage) say what the work is.
 *
 * <p>The hand-off is a single {@code long} state, {@code generation << 3 | phase}. The request thread
 * arms the task for its generation ({@code QUEUED}); whoever runs it first claims it
 * ({@code QUEUED -> RUNNING}), and moves it to {@code DONE} when the work returns. The request thread,
 * when it stops waiting, CASes a task still {@code RUNNING} to {@code ABANDONED} and one still
 * {@code QUEUED} straight back to {@code IDLE} (it never started, so it is reusable at once, and a
 * stale queue entry that reaches a worker later is skipped). Exactly one CAS wins, so a result is
 * either consumed by the request it belongs to or never read. A worker that finds its running task
 * abandoned moves it to {@code IDLE}; a task still abandoned (its work still running) when the
 * context starts another request is replaced by a fresh one, never shared.
 *
 * <p><b>Hung work.</b> A task abandoned while running is hung: its stage's
 * {@link StageMetrics#stillHung} is raised before the abandoning CAS and lowered by the worker when
 * the work finally returns, so the count never goes below zero and is exact once the work ends.
 *
 * <p><b>The stage's bound.</b> A stage task reaches the pool through its stage's
 * {@link StageBulkhead}, holding one of its permits; {@link #leftPool} gives it back exactly once per
 * hand-over to the pool, whichever way the run ends (work returned, stale entry skipped). A task the pool refuses as it
 * leaves the stage's queue is failed with {@link #refuse}, which claims it like a run, so the
 * request sees the refusal at once and the one-CAS-wins rule above still holds.
 *
 * <p><b>Interrupts.</b> When asked to, the abandoning thread goes through {@code ABANDONING}: it
 * interrupts the runner (published in {@link #runner} only while {@code RUNNING}) and then moves to
 * {@code ABANDONED}. The runner, once its work returns, waits while the state is
 * {@code ABANDONING} and then clears its interrupt flag, so the interrupt can never land on the
 * worker's next task.
 */
abstract class HandOff implements Runnable {
  static final int IDLE = 0;
  static final int QUEUED = 1;
  static final int RUNNING = 2;
  static final int DONE = 3;
  static final int ABANDONED = 4;
  static final int ABANDONING = 5;
  private static final int SHIFT = 3;

  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(HandOff.class, "state", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final StageMetrics metrics;
  private final NanoClock clock;
  @SuppressWarnings("unused") // accessed through STATE
  private volatile long state;
  /** The thread running the work, set only while {@code RUNNING}, for interrupts. */
  private volatile Thread runner;
  // Written by the runner before the DONE CAS, read by the request thread after seeing DONE.
  Throwable failure;
  long elapsedNanos;

  HandOff(StageMetrics metrics, NanoClock clock) {
    this.metrics = metrics;
    this.clock = clock;
  }

  /** The stage's work; exceptions are caught and reported as {@link #failure}. */
  abstract void work() throws Exception;

  NanoClock clock() {
    return clock;
  }

  /** The thread to wake when the work is done, or {@code null}. */
  abstract Thread waiter();

  static int phase(long state) {
    return (int) (state & ((1 << SHIFT) - 1));
  }

  private static long of(long generation, int phase) {
    return generation << SHIFT | phase;
  }

  long state() {
    return (long) STATE.getVolatile(this);
  }

  /** Whether the task can be armed now (not still running for an abandoned request). */
  boolean reusable() {
    final int p = phase(state());
    return p == IDLE || p == DONE;
  }

  /** Marks the task {@code QUEUED} for {@code generation}; subclasses clear their output first. */
  final void armFor(long generation) {
    failure = null;
    elapsedNanos = 0;
    STATE.setVolatile(this, of(generation, QUEUED));
  }

  /** Whether the task was not started for {@code generation} (gated off, or past the deadline). */
  boolean notStarted(long generation) {
    return state() == of(generation, IDLE);
  }

  /**
   * Called on the worker once per pool hand-over, when the task is finished with the pool: after
   * its work returned (before the result is published, so the request thread's next call of the
   * stage finds the permit free), or at once for a stale entry. {@link StageTask} gives back its
   * stage's permit ({@link StageBulkhead}); sources have none.
   */
  void leftPool() {}

  @Override
  public final void run() {
    final long armed = state();
    if (phase(armed) != QUEUED) {
      leftPool();
      return; // a stale queue entry: abandoned before it started, or already run
    }
    final long generation = armed >>> SHIFT;
    if (!STATE.compareAndSet(this, armed, of(generation, RUNNING))) {
      leftPool();
      return;
    }
    runner = Thread.currentThread();
    Throwable error = null;
    final long t0 = clock.nanoTime();
    try {
      work();
    } catch (Throwable t) {
      if (t instanceof VirtualMachineError) {
        runner = null;
        leftPool();
        throw (VirtualMachineError) t;
      }
      error = t;
    }
    final long elapsed = clock.nanoTime() - t0;
    leftPool();
    publish(generation, error, elapsed, true);
  }

  /**
   * Fails a task that is still {@code QUEUED} without running it (the pool refused it when it left
   * its stage's queue), so its request sees the refusal at once instead of at its deadline; counted
   * in {@link StageStats#rejected()}. A stale task (its request already stopped waiting) is left
   * alone. Called by whichever thread drains the stage's queue.
   */
  final void refuse(Throwable reason) {
    final long armed = state();
    if (phase(armed) != QUEUED) {
      return;
    }
    final long generation = armed >>> SHIFT;
    // Claimed like a run, so no other thread writes the output while this one does.
    if (!STATE.compareAndSet(this, armed, of(generation, RUNNING))) {
      return;
    }
    metrics.rejected.increment();
    publish(generation, reason, 0, false);
  }

  /**
   * Writes the output of a claimed task and moves it to {@code DONE}, waking its waiter; if the
   * request abandoned it meanwhile, makes it reusable instead. {@code ranHere}: the calling thread
   * was the published {@link #runner}, so an abandoning interrupt may have hit it.
   */
  private void publish(long generation, Throwable error, long elapsed, boolean ranHere) {
    failure = error;
    elapsedNanos = elapsed;
    metrics.recordLatency(elapsed);
    runner = null;
    if (STATE.compareAndSet(this, of(generation, RUNNING), of(generation, DONE))) {
      final Thread w = waiter();
      if (w != null) {
        LockSupport.unpark(w);
      }
      return;
    }
    // abandoned by the request thread: nobody will read the output; make the task reusable
    while (phase(state()) == ABANDONING) {
      Thread.onSpinWait();
    }
    if (ranHere) {
      Thread.interrupted(); // the abandoning interrupt was for this work, not the worker's next task
    }
    metrics.stillHung.decrementAndGet();
    STATE.setVolatile(this, of(generation, IDLE));
  }

  boolean isDone() {
    return phase(state()) == DONE;
  }

  /**
   * Called by the request thread when it stops waiting: true if the result of {@code generation}
   * may be consumed; otherwise the task is abandoned (or, if it never started, reset to idle).
   * With {@code interrupt}, a running task's thread is interrupted.
   */
  boolean finishOrAbandon(long generation, boolean interrupt) {
    while (true) {
      final long s = state();
      if (s >>> SHIFT != generation) {
        return false;
      }
      switch (phase(s)) {
        case DONE:
          return true;
        case QUEUED:
          if (STATE.compareAndSet(this, s, of(generation, IDLE))) {
            return false;
          }
          break;
        case RUNNING:
          metrics.stillHung.incrementAndGet();
          if (STATE.compareAndSet(this, s, of(generation, interrupt ? ABANDONING : ABANDONED))) {
            metrics.hung.increment();
            if (interrupt) {
              final Thread r = runner;
              if (r != null) {
                r.interrupt();
              }
              STATE.setVolatile(this, of(generation, ABANDONED));
            }
            return false;
          }
          metrics.stillHung.decrementAndGet();
          break;
        default:
          return false;
      }
    }
  }

  /** Whether the task is abandoned and its work still running (it owns its output until it ends). */
  boolean stillRunningAbandoned() {
    final int p = phase(state());
    return p == ABANDONED || p == ABANDONING;
  }

  /** For a task that is not started this request (gated off, rejected, or past the deadline). */
  void disarm(long generation) {
    STATE.setVolatile(this, of(generation, IDLE));
  }
}
