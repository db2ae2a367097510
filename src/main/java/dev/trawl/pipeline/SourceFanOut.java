package dev.trawl.pipeline;

import dev.trawl.collect.LongIntTable;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.LongPredicate;

/**
 * The source phase of one context's requests, in one place: hands each source's pre-allocated
 * {@link SourceTask} to the pipeline's executor (or runs it on the request thread), waits for each
 * until its soft timeout or the request deadline, abandons the late ones, and merges the finished
 * sinks into the batch in declaration order (invalid ids and NaN or infinite scores dropped,
 * duplicates of an earlier source dropped, each counted).
 *
 * <p>Everything a request needs comes in as arguments ({@link #run}: the context, the result, the
 * request's generation and deadline); what outlives a request is here: the tasks (one per source,
 * replaced when an abandoned one is still running, which is then kept as the source's spare and
 * taken back by a later replacement once it has returned), the de-duplication set and the thread to
 * wake. The hand-off protocol itself is {@link SourceTask}'s.
 *
 * <p>One per context, used by its request thread; workers only touch their task and {@link #waiter}.
 * Allocates nothing per request, except a replacement task (and its scratch) when an abandoned source
 * is still running and so is the spare: a source that times out on every request allocates only
 * while its abandoned calls pile up, not once per timeout.
 */
final class SourceFanOut {
  private final RequestExecution execution;
  private final SourceTask[] tasks;
  /** Per source, the last task abandoned while running: taken back once its source returned. */
  private final SourceTask[] spares;
  private final LongIntTable dedup;
  /** The request thread while it waits for workers (they unpark it), else {@code null}. */
  volatile Thread waiter;

  SourceFanOut(RequestExecution execution, RequestContext ctx, Object[] scratch, int batchCapacity) {
    this.execution = execution;
    this.dedup = new LongIntTable(batchCapacity);
    final ConfiguredStage[] sources = execution.sources;
    this.tasks = new SourceTask[sources.length];
    this.spares = new SourceTask[sources.length];
    for (int i = 0; i < sources.length; i++) {
      tasks[i] = newTask(ctx, i, scratch[sources[i].index]);
    }
  }

  private SourceTask newTask(RequestContext ctx, int source, Object scratch) {
    final ConfiguredStage s = execution.sources[source];
    return new SourceTask(ctx, this, source, (CandidateSource) s.stage, scratch,
        s.options.expectedCandidates(), s.metrics, execution.clock);
  }

  /**
   * Runs every source of request {@code generation} of {@code ctx} and merges their candidates into
   * its batch. Returns when every started source finished, timed out or was abandoned.
   *
   * @throws PipelineException if a required source failed or timed out
   */
  void run(RequestContext ctx, PipelineResult out, long generation, long deadlineNanos) {
    final ConfiguredStage[] sources = execution.sources;
    final long start = execution.clock.nanoTime();
    final Executor exec = execution.executor;
    dedup.clear();
    if (exec != null) {
      waiter = Thread.currentThread();
    }
    try {
      for (int i = 0; i < sources.length; i++) {
        final ConfiguredStage s = sources[i];
        SourceTask task = tasks[i];
        if (!task.reusable()) {
          // its source is still running for an abandoned request: this request takes the task
          // abandoned before it if that one has returned since, else a fresh task and scratch (a
          // vector source's searcher holds a visited set the size of the index: 4 MB at a million
          // items, which a timeout per request would otherwise allocate each time)
          final SourceTask spare = spares[i];
          spares[i] = task;
          if (spare != null && spare.reusable()) {
            task = spare;
          } else {
            task = newTask(ctx, i, s.stage.newScratch());
            execution.replacedTasks.incrementAndGet();
          }
          tasks[i] = task;
        }
        if (!execution.gateOpen(s, ctx, out)) {
          task.disarm(generation);
          continue;
        }
        if (start >= deadlineNanos) {
          // query hydrators used up the budget: a required source fails, an optional one is skipped
          task.disarm(generation);
          if (s.required) {
            execution.sourceTimedOut(s, ctx, out, s.options.timeoutNanos());
          }
          s.metrics.skipped.increment();
          out.skippedForDeadline();
          continue;
        }
        final Throwable refused = execution.refusal(s);
        if (refused != null) {
          task.disarm(generation);
          execution.fail(s, ctx, out, refused, 0);
          continue;
        }
        task.arm(generation);
        if (exec == null) {
          task.run();
        } else {
          try {
            exec.execute(task);
          } catch (RejectedExecutionException e) {
            // never run it here instead: a source on the request thread cannot be abandoned
            task.disarm(generation);
            s.metrics.rejected.increment();
            execution.fail(s, ctx, out, e, 0);
          }
        }
      }
      awaitAndMerge(ctx, out, generation, start, deadlineNanos, exec != null);
    } finally {
      // a required source that failed ends the request early: abandon the ones still running
      for (SourceTask task : tasks) {
        task.finishOrAbandon(generation, false);
      }
      waiter = null;
    }
  }

  private void awaitAndMerge(RequestContext ctx, PipelineResult out, long generation, long start,
      long deadlineNanos, boolean parked) {
    final ConfiguredStage[] sources = execution.sources;
    final NanoClock clock = execution.clock;
    for (int i = 0; i < sources.length; i++) {
      final SourceTask task = tasks[i];
      if (task.notStarted(generation)) {
        continue; // not started this request
      }
      final ConfiguredStage s = sources[i];
      final long timeout = s.options.timeoutNanos();
      final long limit = Math.min(start + timeout < start ? Long.MAX_VALUE : start + timeout,
          deadlineNanos);
      final boolean finished = parked ? execution.await(task, generation, limit, false)
          : task.finishOrAbandon(generation, false);
      if (!finished || task.elapsedNanos > timeout) {
        // an abandoned task's own time is not ours to read: report how long the request waited
        ctx.stats.failed(s.index, finished ? task.elapsedNanos : clock.nanoTime() - start);
        execution.sourceTimedOut(s, ctx, out, timeout);
        continue;
      }
      if (task.failure != null) {
        ctx.stats.failed(s.index, task.elapsedNanos);
        execution.fail(s, ctx, out, task.failure, 0);
        continue;
      }
      merge(task, ctx, s, out);
    }
  }

  private void merge(SourceTask task, RequestContext ctx, ConfiguredStage s, PipelineResult out) {
    final CandidateSink sink = task.sink;
    final CandidateBatch batch = ctx.batch;
    final LongIntTable seen = dedup;
    final LongPredicate valid = execution.validIds;
    final int produced = sink.size();
    final int before = batch.size();
    int invalid = 0;
    int duplicates = 0;
    for (int r = 0; r < produced; r++) {
      final long id = sink.id(r);
      if (!valid.test(id) || !Float.isFinite(sink.score(r))) {
        invalid++;
      } else if (!seen.add(id)) {
        duplicates++;
      } else {
        batch.append(sink, r, task.sourceIndex);
      }
    }
    s.metrics.recordCounts(produced, batch.size() - before);
    ctx.stats.ran(s.index, task.elapsedNanos, produced, batch.size() - before);
    if (invalid > 0) {
      s.metrics.invalid.add(invalid);
    }
    if (duplicates > 0) {
      s.metrics.duplicates.add(duplicates);
    }
    if (ctx.tracing) {
      final long[] idsOut = new long[produced];
      for (int r = 0; r < produced; r++) {
        idsOut[r] = sink.id(r);
      }
      RequestExecution.trace(ctx, out, s, Trace.Outcome.RAN, new long[0], idsOut,
          invalid > 0 ? invalid + " invalid candidates dropped" : null);
    }
  }
}
