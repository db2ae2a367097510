package dev.trawl.pipeline;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * One source's work for one context, pre-allocated and resubmitted for every request so handing a
 * source to a worker allocates nothing.
 *
 * <p>The hand-off is a single {@code long} state, {@code generation << 2 | phase}. The request thread
 * arms the task ({@code RUNNING}) for its generation; the worker moves it to {@code DONE} when the
 * source returns; the request thread, when it stops waiting, tries to move it to {@code ABANDONED}.
 * Exactly one CAS wins: either the result is consumed, or it never will be. A worker that finds its
 * task abandoned moves it to {@code IDLE}. A task still abandoned (its source still running) when
 * the context starts another request is replaced by a fresh task with its own sink and scratch, so a
 * late source only ever writes into a sink nobody reads.
 */
final class SourceTask implements Runnable {
  static final int IDLE = 0;
  static final int RUNNING = 1;
  static final int DONE = 2;
  static final int ABANDONED = 3;

  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(SourceTask.class, "state", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final RequestContext ctx;
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

  SourceTask(RequestContext ctx, int sourceIndex, CandidateSource source, Object scratch,
      int capacity, StageMetrics metrics, NanoClock clock) {
    this.ctx = ctx;
    this.sourceIndex = sourceIndex;
    this.source = source;
    this.sink = new CandidateSink(capacity, scratch);
    this.metrics = metrics;
    this.clock = clock;
  }

  static int phase(long state) {
    return (int) (state & 3);
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
    STATE.setVolatile(this, generation << 2 | RUNNING);
  }

  @Override
  public void run() {
    final long armed = state();
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
    final long generation = armed >>> 2;
    if (STATE.compareAndSet(this, generation << 2 | RUNNING, generation << 2 | DONE)) {
      final Thread w = ctx.waiter;
      if (w != null) {
        LockSupport.unpark(w);
      }
    } else {
      // abandoned by the request thread: nobody will read the sink; make the task reusable
      STATE.setVolatile(this, generation << 2 | IDLE);
    }
  }

  boolean isDone() {
    return phase(state()) == DONE;
  }

  /** Called by the request thread when it stops waiting: true if the result may be consumed. */
  boolean finishOrAbandon(long generation) {
    return !STATE.compareAndSet(this, generation << 2 | RUNNING, generation << 2 | ABANDONED)
        && phase(state()) == DONE;
  }

  /** For a source that was never started this request (gated off or past the deadline). */
  void disarm(long generation) {
    STATE.setVolatile(this, generation << 2 | IDLE);
  }
}
