package dev.trawl.pipeline;

import java.util.Arrays;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongPredicate;

/**
 * Runs one request of a {@link Pipeline} on the calling thread, phase by phase: pipeline gates, query
 * hydrators, the sources (handed to the context's {@link SourceFanOut}), the candidate stages in
 * declaration order, the page, then side effects. Owns the failure rules: a stage that throws (or a
 * source that misses its timeout) fails the request if it is required and is undone otherwise (its
 * candidates dropped, its columns reset, its marks forgotten, its scores restored), and the page is
 * marked degraded. Records every stage's latency and counts into the pipeline's metrics and the
 * context's {@link RequestStats}, and the trace when one was asked for.
 *
 * <p>One per pipeline, immutable; any number of request threads use it at once, each with its own
 * context. Allocates nothing per request except on failure paths and when tracing.
 */
final class RequestExecution {
  final String pipelineName;
  final NanoClock clock;
  /** Where sources run; {@code null}: one after another on the request thread. */
  final Executor executor;
  final LongPredicate validIds;
  final ConfiguredStage[] sources;
  /** Query hydrators, candidate stages and side effects that may block: run on {@link #stagePool}. */
  final ConfiguredStage[] blockingStages;
  final WorkerPool stagePool;
  /** Each blocking stage's bound on the stage pool (by stage index, {@code null} for the others). */
  final StageBulkhead[] bulkheads;
  final long deadlineSlackNanos;
  final int hungStageLimit;
  private final Gate[] gates;
  private final ConfiguredStage[] queryHydrators;
  private final ConfiguredStage[] candidateStages;
  private final ConfiguredStage[] sideEffects;
  private final String[] sourceNames;
  final StageMetrics requestMetrics;
  final AtomicLong degradedRequests = new AtomicLong();
  final AtomicLong replacedTasks = new AtomicLong();

  RequestExecution(String pipelineName, Gate[] gates, ConfiguredStage[] queryHydrators,
      ConfiguredStage[] sources, ConfiguredStage[] candidateStages, ConfiguredStage[] sideEffects,
      String[] sourceNames, NanoClock clock, Executor executor, LongPredicate validIds,
      ConfiguredStage[] blockingStages, WorkerPool stagePool, long deadlineSlackNanos,
      int hungStageLimit, int stageCount, int threadsPerBlockingStage, int stageWaitCapacity) {
    this.pipelineName = pipelineName;
    this.gates = gates;
    this.queryHydrators = queryHydrators;
    this.sources = sources;
    this.candidateStages = candidateStages;
    this.sideEffects = sideEffects;
    this.sourceNames = sourceNames;
    this.clock = clock;
    this.executor = executor;
    this.validIds = validIds;
    this.blockingStages = blockingStages;
    this.stagePool = stagePool;
    this.deadlineSlackNanos = deadlineSlackNanos;
    this.hungStageLimit = hungStageLimit;
    this.bulkheads = new StageBulkhead[stageCount];
    for (ConfiguredStage s : blockingStages) {
      bulkheads[s.index] = new StageBulkhead(s, stagePool, threadsPerBlockingStage,
          stageWaitCapacity);
    }
    this.requestMetrics = new StageMetrics(pipelineName, null);
  }

  /** Runs the request of {@code ctx} (a context of this pipeline) into {@code result}. */
  void execute(RequestContext ctx, PipelineResult result) {
    final long start = clock.nanoTime();
    ctx.beginRequest(start);
    result.begin(sourceNames, ctx.tracing);
    boolean ok = false;
    try {
      run(ctx, result);
      ok = true;
    } catch (PipelineException e) {
      throw e;
    } catch (RuntimeException | Error e) {
      if (e instanceof VirtualMachineError) {
        throw e;
      }
      throw PipelineException.named(PipelineException.Kind.LIBRARY_BUG, null, "pipeline '"
          + pipelineName + "' failed outside any stage (a Trawl bug, please report it): " + e, e);
    } finally {
      ctx.currentStage = -1;
      result.degradedMarks(ctx.markedDegraded());
      final long elapsed = clock.nanoTime() - start;
      ctx.stats.total(elapsed);
      requestMetrics.recordLatency(elapsed);
      requestMetrics.calls.increment();
      if (!ok) {
        requestMetrics.failures.increment();
      } else if (result.degraded()) {
        degradedRequests.incrementAndGet();
      }
    }
  }

  private void run(RequestContext ctx, PipelineResult out) {
    for (Gate g : gates) {
      final boolean open;
      try {
        open = g.test(ctx);
      } catch (RuntimeException e) {
        throw PipelineException.named(PipelineException.Kind.STAGE_FAILURE, "gate",
            "a gate of pipeline '" + pipelineName + "' failed: " + e, e);
      }
      if (!open) {
        requestMetrics.skipped.increment();
        out.markGatedOff();
        return;
      }
    }
    for (ConfiguredStage s : queryHydrators) {
      runStage(s, ctx, out);
    }
    ctx.sources.run(ctx, out, ctx.generation, ctx.deadlineNanos);
    for (ConfiguredStage s : candidateStages) {
      runStage(s, ctx, out);
    }
    out.fill(ctx.batch, ctx.pageSize());
    final boolean shadow = ctx.shadow();
    for (ConfiguredStage s : sideEffects) {
      if (shadow) {
        // a shadow run answers like the live one but must not act on the world a second time
        s.metrics.skipped.increment();
        if (ctx.tracing) {
          trace(ctx, out, s, Trace.Outcome.SKIPPED, null, null, "shadow request");
        }
        continue;
      }
      runStage(s, ctx, out);
    }
  }

  /** Evaluates a stage's gate; a gate failure counts as a failure of its stage. */
  boolean gateOpen(ConfiguredStage s, RequestContext ctx, PipelineResult out) {
    final Gate g = s.options.gate();
    if (g == null) {
      return true;
    }
    boolean open;
    try {
      open = g.test(ctx);
    } catch (RuntimeException e) {
      fail(s, ctx, out, e, CandidateBatch.UNKNOWN);
      return false;
    }
    if (!open) {
      s.metrics.skipped.increment();
      if (ctx.tracing) {
        trace(ctx, out, s, Trace.Outcome.SKIPPED, null, null, null);
      }
    }
    return open;
  }

  private void runStage(ConfiguredStage s, RequestContext ctx, PipelineResult out) {
    if (!gateOpen(s, ctx, out)) {
      return;
    }
    // side effects run after the page exists, so the deadline no longer protects anything
    if (!s.required && s.kind != StageKind.SIDE_EFFECT && clock.nanoTime() > ctx.deadlineNanos) {
      s.metrics.skipped.increment();
      out.skippedForDeadline();
      if (ctx.tracing) {
        trace(ctx, out, s, Trace.Outcome.SKIPPED, null, null, "deadline passed");
      }
      return;
    }
    final CandidateBatch b = ctx.batch;
    final int in = b.size();
    final long[] idsIn = ctx.tracing ? ids(b) : null;
    if (s.kind == StageKind.SCORER && !s.required) {
      b.saveScores();
    }
    ctx.currentStage = s.index;
    Throwable failure = null;
    final long t0 = clock.nanoTime();
    final long elapsed;
    if (s.blocking) {
      final StageTask task = ctx.stageTasks[s.index];
      failure = submit(s, task, ctx, b, out);
      if (failure != null) {
        elapsed = clock.nanoTime() - t0;
        s.metrics.recordLatency(elapsed);
      } else if (await(task, ctx.generation, deadlinePlusSlack(ctx.deadlineNanos), true)) {
        failure = task.failure;
        elapsed = task.elapsedNanos; // recorded by the task
      } else {
        // its latency is recorded by the task when (if) its work returns
        ctx.currentStage = -1;
        abandoned(s, task, ctx, out, clock.nanoTime() - t0);
        return;
      }
    } else {
      try {
        invoke(s, ctx, b, out);
      } catch (Throwable t) {
        if (t instanceof VirtualMachineError) {
          throw (VirtualMachineError) t;
        }
        failure = t;
      }
      elapsed = clock.nanoTime() - t0;
      s.metrics.recordLatency(elapsed);
    }
    ctx.currentStage = -1;
    if (failure != null) {
      ctx.stats.failed(s.index, elapsed);
      fail(s, ctx, out, failure, in);
      return;
    }
    if (s.kind == StageKind.RULE) {
      b.compact();
    } else if (s.kind == StageKind.SCORER) {
      dropInvalidScores(s, b);
    }
    s.metrics.recordCounts(in, b.size());
    ctx.stats.ran(s.index, elapsed, in, b.size());
    if (ctx.tracing) {
      trace(ctx, out, s, Trace.Outcome.RAN, idsIn, ids(b), null);
    }
  }

  /**
   * After a scorer: a candidate whose score is NaN or infinite cannot be ranked (NaN compares as
   * equal to everything in a diversity trade-off, infinity outranks every real score), so it is
   * dropped and counted in the scorer's {@link StageStats#invalid()}. No allocation.
   */
  private static void dropInvalidScores(ConfiguredStage s, CandidateBatch b) {
    final float[] scores = b.scores();
    int invalid = 0;
    for (int r = 0, n = b.size(); r < n; r++) {
      if (!Float.isFinite(scores[r])) {
        b.remove(r);
        invalid++;
      }
    }
    if (invalid > 0) {
      b.compact();
      s.metrics.invalid.add(invalid);
    }
  }

  /** Runs stage {@code s}'s work method on the calling thread (request thread or stage worker). */
  static void invoke(ConfiguredStage s, RequestContext ctx, CandidateBatch b, PipelineResult out) {
    switch (s.kind) {
      case QUERY_HYDRATOR:
        ((QueryHydrator) s.stage).hydrate(ctx);
        break;
      case CANDIDATE_HYDRATOR:
        ((CandidateHydrator) s.stage).hydrate(ctx, b);
        break;
      case RULE:
        ((CandidateRule) s.stage).apply(ctx, b);
        break;
      case SCORER:
        ((Scorer) s.stage).score(ctx, b);
        break;
      case SELECTOR:
        ((Selector) s.stage).select(ctx, b);
        break;
      case SIDE_EFFECT:
        ((SideEffect) s.stage).apply(ctx, out);
        break;
      default:
        throw new IllegalStateException("unexpected stage kind " + s.kind);
    }
  }

  long deadlinePlusSlack(long deadline) {
    final long limit = deadline + deadlineSlackNanos;
    return limit < deadline ? Long.MAX_VALUE : limit;
  }

  /**
   * Hands a blocking stage to the stage pool through its {@link StageBulkhead}; returns the reason
   * when it is refused (too many of its calls still hung, its queue behind the running calls full,
   * or the pool full or closed), {@code null} when it was handed over or queued. A refused stage
   * never runs on the request thread: waiting on it there could not be abandoned.
   */
  private Throwable submit(ConfiguredStage s, StageTask task, RequestContext ctx, CandidateBatch b,
      PipelineResult out) {
    final Throwable refused = refusal(s);
    if (refused != null) {
      return refused;
    }
    task.arm(ctx.generation, b, out, Thread.currentThread());
    final RejectedExecutionException e = task.bulkhead.submit(task);
    if (e != null) {
      task.disarm(ctx.generation);
      s.metrics.rejected.increment();
    }
    return e;
  }

  /** Why {@code s} may not start now (its hung calls reached the limit), or {@code null}. */
  Throwable refusal(ConfiguredStage s) {
    final int hung = s.metrics.stillHung.get();
    if (hung < hungStageLimit) {
      return null;
    }
    s.metrics.rejected.increment();
    return new RejectedExecutionException(s.describe() + " has " + hung + " calls still running "
        + "past their deadline (limit " + hungStageLimit + "); not started until they return");
  }

  /**
   * Parks until {@code task} is done, {@code limit} passes or the request thread is interrupted;
   * true if its result may be read, false if it was abandoned (with {@code interrupt}, its thread
   * interrupted).
   */
  boolean await(HandOff task, long generation, long limit, boolean interrupt) {
    // An interrupted request thread stops waiting (its flag is left set for the host): park
    // would return at once and the loop would spin until the deadline.
    final Thread self = Thread.currentThread();
    while (!task.isDone() && !self.isInterrupted()) {
      final long now = clock.nanoTime();
      if (now >= limit) {
        break;
      }
      LockSupport.parkNanos(this, limit - now);
    }
    return task.finishOrAbandon(generation, interrupt);
  }

  /**
   * A blocking stage was abandoned at the deadline: the context leaves what the stage holds to it,
   * then the stage fails the request if it is required, and is undone like a failure otherwise.
   */
  private void abandoned(ConfiguredStage s, StageTask task, RequestContext ctx, PipelineResult out,
      long elapsed) {
    if (task.stillRunningAbandoned()) {
      ctx.detachFrom(task);
    }
    ctx.stats.failed(s.index, elapsed);
    s.metrics.timeouts.increment();
    s.metrics.calls.increment();
    if (ctx.tracing) {
      trace(ctx, out, s, Trace.Outcome.TIMED_OUT, null, null, "abandoned at the deadline");
    }
    if (s.required) {
      throw PipelineException.named(PipelineException.Kind.STAGE_FAILURE, s.name, "required "
          + s.describe() + " did not return by the request deadline ("
          + TimeUnit.NANOSECONDS.toMillis(ctx.timeoutNanos()) + " ms + "
          + TimeUnit.NANOSECONDS.toMicros(deadlineSlackNanos) + " us slack)", null);
    }
    if (undo(s, ctx)) {
      out.timedOut();
    }
  }

  /** A stage threw: classify, then fail the request or undo the stage's effects. */
  void fail(ConfiguredStage s, RequestContext ctx, PipelineResult out, Throwable failure, long in) {
    s.metrics.failures.increment();
    if (in != CandidateBatch.UNKNOWN) {
      s.metrics.calls.increment();
    }
    if (ctx.tracing) {
      trace(ctx, out, s, s.required ? Trace.Outcome.FAILED : Trace.Outcome.FAILED_OPEN, null, null,
          String.valueOf(failure));
    }
    if (failure instanceof PipelineException
        && ((PipelineException) failure).kind() == PipelineException.Kind.BAD_REQUEST) {
      throw PipelineException.named(PipelineException.Kind.BAD_REQUEST, s.name, "stage '" + s.name
          + "' rejected the request: " + failure.getMessage(), failure);
    }
    if (s.required) {
      throw PipelineException.named(PipelineException.Kind.STAGE_FAILURE, s.name, "required "
          + s.describe() + " failed: " + failure, failure);
    }
    if (undo(s, ctx)) {
      out.failedOpen();
    }
  }

  /**
   * Undoes the effects of optional stage {@code s} that failed or was abandoned; false for a side
   * effect (the page is unaffected, so it is not degraded).
   */
  private static boolean undo(ConfiguredStage s, RequestContext ctx) {
    final CandidateBatch b = ctx.batch;
    switch (s.kind) {
      case RULE:
        b.unmarkAll();
        break;
      case SCORER:
        b.restoreScores();
        break;
      case CANDIDATE_HYDRATOR:
        b.resetColumns(s.writes);
        break;
      case QUERY_HYDRATOR:
        for (Feature f : s.writes) {
          if (f.kind() == Feature.Kind.QUERY) {
            ctx.setQueryFeature(f, f.defaultValue());
          }
        }
        break;
      case SIDE_EFFECT:
        return false; // counted in the stage's failures, not a degraded page
      default:
        break;
    }
    return true;
  }

  /** A source missed its timeout or the deadline: fail the request if it is required. */
  void sourceTimedOut(ConfiguredStage s, RequestContext ctx, PipelineResult out, long timeout) {
    s.metrics.timeouts.increment();
    s.metrics.calls.increment();
    if (ctx.tracing) {
      trace(ctx, out, s, Trace.Outcome.TIMED_OUT, null, null, null);
    }
    if (s.required) {
      throw PipelineException.named(PipelineException.Kind.STAGE_FAILURE, s.name, "required "
          + s.describe() + " timed out (timeout " + (timeout == Long.MAX_VALUE ? "none"
              : TimeUnit.NANOSECONDS.toMillis(timeout) + " ms") + ", request deadline "
          + TimeUnit.NANOSECONDS.toMillis(ctx.timeoutNanos()) + " ms)", null);
    }
    out.timedOut();
  }

  private static long[] ids(CandidateBatch b) {
    return Arrays.copyOf(b.ids(), b.size());
  }

  /** Appends a step to the request's trace (allocates: tracing only). */
  static void trace(RequestContext ctx, PipelineResult out, ConfiguredStage s, Trace.Outcome outcome,
      long[] in, long[] idsOut, String error) {
    final long[] none = new long[0];
    out.trace().add(new Trace.Step(s.name, s.kind, outcome, in == null ? none : in,
        idsOut == null ? none : idsOut, error));
  }
}
