package dev.trawl.pipeline;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * One source's work for one context, pre-allocated and resubmitted for every request so handing a
 * source to a worker allocates nothing. Owned by the context's {@link SourceFanOut}, which arms,
 * submits, awaits and merges it.
 *
 * <p>The hand-off is a single {@code long} state, {@code generation << 3 | phase}. The request thread
 * arms the task for its generation ({@code QUEUED}); whoever runs it (a worker, or the request thread
 * itself) first claims it ({@code QUEUED -> RUNNING}), and moves it to {@code DONE} when the source
 * returns. The request thread, when it stops waiting, CASes a task still {@code RUNNING} to
 * {@code ABANDONED} and one still {@code QUEUED} straight back to {@code IDLE} (it never started, so
 * it is reusable at once, and a stale queue entry that reaches a worker later is skipped). Exactly one
 * CAS wins, so a result is either consumed by the request it belongs to or never read. A worker that
 * finds its running task abandoned moves it to {@code IDLE}; a task still abandoned (its source still
 * running) when the context starts another request is replaced by a fresh task with its own sink and
 * scratch, so a late source only ever writes into a sink nobody reads.
 */
final class SourceTask implements Runnable {
  static final int IDLE = 0;
  static final int QUEUED = 1;
  static final int RUNNING = 2;
  static final int DONE = 3;
  static final int ABANDONED = 4;
  private static final int SHIFT = 3;

  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(SourceTask.class, "state", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final RequestContext ctx;
  private final SourceFanOut fanOut;
  final int sourceIndex;
  final CandidateSource source;
  final CandidateSink sink;
  final StageMetrics metrics;
  private final NanoClock clock;
  @SuppressWarnings("unused") // accessed through STATE
  private volatile long state;
  // Written by the worker before the DONE CAS, read by the request thread after seeing DONE.
  Throwable failure;
  long elapsedNanos;

  SourceTask(RequestContext ctx, SourceFanOut fanOut, int sourceIndex, CandidateSource source,
      Object scratch, int capacity, StageMetrics metrics, NanoClock clock) {
    this.ctx = ctx;
    this.fanOut = fanOut;
    this.sourceIndex = sourceIndex;
    this.source = source;
    this.sink = new CandidateSink(capacity, scratch);
    this.metrics = metrics;
    this.clock = clock;
  }

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

  /** Prepares the task for {@code generation}; the caller then runs or submits it. */
  void arm(long generation) {
    sink.clear();
    failure = null;
    elapsedNanos = 0;
    STATE.setVolatile(this, of(generation, QUEUED));
  }

  /** Whether the task was not started for {@code generation} (gated off, or past the deadline). */
  boolean notStarted(long generation) {
    return state() == of(generation, IDLE);
  }

  @Override
  public void run() {
    final long armed = state();
    if (phase(armed) != QUEUED) {
      return; // a stale queue entry: abandoned before it started, or already run
    }
    final long generation = armed >>> SHIFT;
    if (!STATE.compareAndSet(this, armed, of(generation, RUNNING))) {
      return;
    }
    Throwable error = null;
    final long t0 = clock.nanoTime();
    try {
      source.fetch(ctx, sink);
    } catch (Throwable t) {
      if (t instanceof VirtualMachineError) {
        throw (VirtualMachineError) t;
      }
      error = t;
    }
    final long elapsed = clock.nanoTime() - t0;
    failure = error;
    elapsedNanos = elapsed;
    metrics.recordLatency(elapsed);
    if (STATE.compareAndSet(this, of(generation, RUNNING), of(generation, DONE))) {
      final Thread w = fanOut.waiter;
      if (w != null) {
        LockSupport.unpark(w);
      }
    } else {
      // abandoned by the request thread: nobody will read the sink; make the task reusable
      STATE.setVolatile(this, of(generation, IDLE));
    }
  }

  boolean isDone() {
    return phase(state()) == DONE;
  }

  /**
   * Called by the request thread when it stops waiting: true if the result of {@code generation}
   * may be consumed; otherwise the task is abandoned (or, if it never started, reset to idle).
   */
  boolean finishOrAbandon(long generation) {
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
          if (STATE.compareAndSet(this, s, of(generation, ABANDONED))) {
            return false;
          }
          break;
        default:
          return false;
      }
    }
  }

  /** For a source that is not started this request (gated off or past the deadline). */
  void disarm(long generation) {
    STATE.setVolatile(this, of(generation, IDLE));
  }
}
