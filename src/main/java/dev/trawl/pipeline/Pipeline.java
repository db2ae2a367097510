package dev.trawl.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * A validated, immutable feed pipeline, shared by every request thread. One request runs in fixed
 * phases:
 *
 * <ol>
 *   <li>pipeline {@linkplain PipelineBuilder#gate gates} (a gate that says no returns an empty page);
 *   <li>{@link QueryHydrator}s, in declaration order;
 *   <li>{@link CandidateSource}s, in parallel (or in order on the calling thread), each bounded by its
 *       soft timeout and the request deadline, then merged into the batch in declaration order
 *       (invalid ids and NaN or infinite scores dropped, duplicates keep the first source);
 *   <li>{@link CandidateHydrator}s, {@link CandidateRule}s, {@link Scorer}s and {@link Selector}s, in
 *       declaration order (they may interleave, e.g. a rule on a score after the scorer); after
 *       each scorer, candidates whose score is NaN or infinite are dropped and counted in the
 *       scorer's {@link StageStats#invalid()}, so no such score is ever ranked;
 *   <li>the first {@link RequestContext#pageSize()} candidates are copied into the
 *       {@link PipelineResult};
 *   <li>{@link SideEffect}s, unless the request is a {@linkplain RequestContext#shadow(boolean)
 *       shadow} request, which skips them (counted as skipped).
 * </ol>
 *
 * <p>Each request also leaves per-stage latencies and candidate counts in the context's
 * {@link RequestContext#lastRequest()} (pre-sized arrays, written without allocating): the
 * per-request view of what {@link #metrics()} accumulates.
 *
 * <h2>Failures</h2>
 * A stage that throws (or a source that misses its timeout) fails open or closed according to its
 * {@link StageOptions.Policy}. Failing open, it contributes nothing: a source's candidates are
 * dropped, a hydrator's columns go back to their defaults, a rule removes nothing, a scorer's
 * scores are restored, and the page is marked {@link PipelineResult#degraded()}. Failing closed,
 * {@link #execute} throws a {@link PipelineException} of kind {@code STAGE_FAILURE} naming the stage.
 * Once the request deadline has passed, optional candidate stages are skipped and required ones
 * still run: a non-blocking one to its end, a blocking one until the deadline plus the slack (then
 * the request fails naming it). A request thread that is interrupted stops waiting for its sources (those still running
 * count as timed out) and keeps its interrupt flag. Errors are classified: {@code BAD_REQUEST} (the context belongs to another pipeline, or
 * a stage threw {@link PipelineException#badRequest}), {@code STAGE_FAILURE}, {@code LIBRARY_BUG}
 * (Trawl's own code failed).
 *
 * <h2>Source execution and its cost</h2>
 * By default sources run on {@link WorkerPool#shared()}, which hands tasks over without allocating.
 * {@link PipelineBuilder#sourcesOnCallerThread()} runs them one after another on the request thread (no
 * hand-off at all; a slow source cannot be abandoned, only discarded after it returns late).
 * {@link PipelineBuilder#sourcesOn(Executor)} uses a host executor: each source task is a pre-allocated
 * {@link Runnable} passed to {@code execute}, so the pipeline allocates nothing, but the executor may:
 * a {@code ThreadPoolExecutor} over a {@code LinkedBlockingQueue} allocates a queue node (~24-32
 * bytes) per source per request, and its idle workers allocate a condition node when they wait; an
 * {@code ArrayBlockingQueue} avoids the first. A rejected task is a failure of its source (open or
 * closed by its policy, counted in {@link StageStats#rejected()}); it never runs on the request
 * thread, where it could not be abandoned.
 *
 * <h2>Stages that may block, and the deadline</h2>
 * Every other stage whose {@link Stage#mayBlock()} is true (the default; the built-in stages say
 * false) runs on a stage pool ({@link WorkerPool#sharedForBlockingStages()}, or
 * {@link PipelineBuilder#blockingStagesOn}) while the request thread parks. The guarantee: a request
 * never waits for a blocking stage or a source past its deadline plus the
 * {@linkplain PipelineBuilder#deadlineSlack slack} (default 10 ms). A stage still running then is
 * abandoned: its thread is interrupted, its result is never read, the context continues with copies
 * of the batch and query features and a fresh scratch (the hung stage keeps the old ones), and the
 * stage fails open (the page degraded, counted in {@link StageStats#timeouts()} and
 * {@link StageStats#hung()}) or, if required, fails the request. At most
 * {@linkplain PipelineBuilder#threadsPerBlockingStage a stage's share} of the pool (default half
 * its threads) runs calls of one stage at once; further calls are queued behind them in the stage's
 * own queue ({@link StageStats#deferred()}) and handed to the pool as they return, so a stage that
 * hangs holds at most its share of threads however many requests arrive before the first hung call
 * reaches its deadline, and the rest of the pool stays with the other stages. Once
 * {@linkplain PipelineBuilder#hungStageLimit a stage's limit} of abandoned calls (default 2) is still
 * running, new calls to it are refused at once ({@link StageStats#rejected()}), so its requests stop
 * waiting for a dependency known to hang; it is called again as soon as they return. A stage that
 * declares {@code mayBlock() == false} runs on the request thread with no hand-off and cannot be
 * abandoned; what runs after the deadline (required stages, non-blocking ones) is on the host.
 *
 * <h2>Structure</h2>
 * This class is the definition: the configured stages grouped by phase, the defaults and the
 * metrics. {@link PipelineBuilder} assembles it and {@code PipelineValidation} checks it; each request
 * is run by the pipeline's {@code RequestExecution} (phases, failure rules, metrics, tracing), whose
 * source phase is the context's {@code SourceFanOut} (hand-off to workers, timeouts, merge).
 *
 * <h2>Thread-safety and allocation</h2>
 * Immutable and thread-safe; any number of threads may call {@link #execute}, each with its own
 * {@link RequestContext} and {@link PipelineResult}. A request allocates nothing in steady state
 * (proved by {@code PipelineAllocationTest}), except on failure paths (exceptions, a replacement task
 * when an abandoned source is still running when its context is reused, the copies a context takes
 * when it abandons a blocking stage) and when tracing. Metrics
 * take about 100 KB per stage (three HdrHistograms of 2 significant digits up to 60 s), and each
 * stage that may block a queue of 1,024 slots (about 12 KB) for its calls beyond its share of the
 * stage pool, allocated when the pipeline is built.
 */
public final class Pipeline {
  private final String name;
  private final Schema schema;
  private final ConfiguredStage[] all;
  private final String[] stageNames;
  private final StageKind[] stageKinds;
  private final int defaultPageSize;
  private final long defaultTimeoutNanos;
  private final int batchCapacity;
  private final RequestExecution execution;

  Pipeline(PipelineBuilder b, Schema schema) {
    this.name = b.name;
    this.schema = schema;
    this.all = b.stages.toArray(new ConfiguredStage[0]);
    this.stageNames = new String[all.length];
    this.stageKinds = new StageKind[all.length];
    for (int i = 0; i < all.length; i++) {
      stageNames[i] = all[i].name;
      stageKinds[i] = all[i].kind;
    }
    this.defaultPageSize = b.pageSize;
    this.defaultTimeoutNanos = b.timeoutNanos;
    final ConfiguredStage[] sources = ofKinds(all, StageKind.SOURCE);
    int capacity = 0;
    for (ConfiguredStage s : sources) {
      capacity += s.options.expectedCandidates();
    }
    this.batchCapacity = capacity;
    final ConfiguredStage[] blocking = blocking(all);
    final WorkerPool stagePool = blocking.length == 0 ? null
        : b.stagePool == null ? WorkerPool.sharedForBlockingStages() : b.stagePool;
    final int threadsPerStage = b.threadsPerBlockingStage > 0 ? b.threadsPerBlockingStage
        : stagePool == null ? 1 : PipelineBuilder.defaultThreadsPerBlockingStage(stagePool);
    this.execution = new RequestExecution(name, b.gates.toArray(new Gate[0]),
        ofKinds(all, StageKind.QUERY_HYDRATOR), sources,
        ofKinds(all, StageKind.CANDIDATE_HYDRATOR, StageKind.RULE, StageKind.SCORER,
            StageKind.SELECTOR),
        ofKinds(all, StageKind.SIDE_EFFECT), schema.sourceNames, b.clock,
        b.callerThread ? null : b.executor == null ? WorkerPool.shared() : b.executor, b.validIds,
        blocking, stagePool, b.deadlineSlackNanos, b.hungStageLimit, all.length, threadsPerStage,
        b.stageWaitCapacity);
  }

  private static ConfiguredStage[] blocking(ConfiguredStage[] stages) {
    final List<ConfiguredStage> out = new ArrayList<>();
    for (ConfiguredStage s : stages) {
      if (s.blocking) {
        out.add(s);
      }
    }
    return out.toArray(new ConfiguredStage[0]);
  }

  private static ConfiguredStage[] ofKinds(ConfiguredStage[] stages, StageKind... kinds) {
    final List<ConfiguredStage> out = new ArrayList<>();
    for (ConfiguredStage s : stages) {
      for (StageKind k : kinds) {
        if (s.kind == k) {
          out.add(s);
        }
      }
    }
    return out.toArray(new ConfiguredStage[0]);
  }

  /**
   * {@return a new builder for a pipeline called {@code name} (used in metrics and errors)}
   *
   * @param name the pipeline's name
   */
  public static PipelineBuilder builder(String name) {
    return new PipelineBuilder(name);
  }

  /**
   * A new request context for this pipeline: one per request thread, reused for every request.
   * Allocates the context's buffers, every stage's scratch, one task per source and its
   * {@link RequestStats}.
   *
   * @return a new context for this pipeline: keep one per request thread and reuse it
   */
  public RequestContext newContext() {
    final Object[] scratch = new Object[all.length];
    for (int i = 0; i < all.length; i++) {
      scratch[i] = all[i].stage.newScratch();
    }
    return new RequestContext(this, execution, scratch, batchCapacity,
        new RequestStats(stageNames, stageKinds));
  }

  /**
   * Runs one request: reads the inputs of {@code ctx}, writes the page into {@code result}. Allocates
   * nothing in steady state.
   *
   * @param ctx a context of this pipeline, with the request's inputs set
   * @param result receives the page; reused across requests
   * @throws PipelineException {@code BAD_REQUEST} if {@code ctx} belongs to another pipeline or a
   *     stage rejected the request; {@code STAGE_FAILURE} naming the stage if a required stage
   *     failed; {@code LIBRARY_BUG} if the pipeline itself failed
   */
  public void execute(RequestContext ctx, PipelineResult result) {
    Objects.requireNonNull(ctx, "ctx");
    Objects.requireNonNull(result, "result");
    if (ctx.pipeline() != this) {
      throw PipelineException.named(PipelineException.Kind.BAD_REQUEST, null, "the request context "
          + "belongs to pipeline '" + ctx.pipeline().name + "', not '" + name
          + "'; create contexts with this pipeline's newContext()", null);
    }
    execution.execute(ctx, result);
  }

  // ------------------------------------------------------------ introspection

  /** {@return the pipeline's name, as given to {@link #builder}} */
  public String name() {
    return name;
  }

  /** {@return the stage names in declaration order (an unmodifiable list)} */
  public List<String> stageNames() {
    final List<String> names = new ArrayList<>();
    for (ConfiguredStage s : all) {
      names.add(s.name);
    }
    return names;
  }

  /**
   * {@return the source names, an unmodifiable list that a candidate's {@link
   * CandidateBatch#source(int)} indexes}
   */
  public List<String> sourceNames() {
    return List.of(schema.sourceNames);
  }

  /** {@return a new snapshot of the metrics (allocates; call from the host's metrics exporter)} */
  public MetricsSnapshot metrics() {
    final List<StageStats> stats = new ArrayList<>();
    for (ConfiguredStage s : all) {
      stats.add(s.metrics.snapshot());
    }
    return new MetricsSnapshot(execution.requestMetrics.snapshot(), stats,
        execution.degradedRequests.get());
  }

  /**
   * The stage object added under {@code name}, e.g. to read a built-in stage's own counters.
   *
   * @param name a stage's name
   * @return the stage object as it was added
   * @throws IllegalArgumentException if the pipeline has no stage of that name
   */
  public Stage stage(String name) {
    for (ConfiguredStage s : all) {
      if (s.name.equals(name)) {
        return s.stage;
      }
    }
    throw new IllegalArgumentException("pipeline '" + this.name + "' has no stage named '" + name
        + "'; its stages are " + stageNames());
  }

  /** Index of {@code stage} (by identity) among the stages, or -1. */
  int indexOf(Stage stage) {
    for (int i = 0; i < all.length; i++) {
      if (all[i].stage == stage) {
        return i;
      }
    }
    return -1;
  }

  /** {@return the kind of each stage, in declaration order (parallel to {@link #stageNames()})} */
  public List<StageKind> stageKinds() {
    return List.of(stageKinds);
  }

  /**
   * {@return the times a source was still running when its context was reused and a new task (with
   * new scratch) was made for it: the source's spare, the task abandoned before, was still running
   * too or there was none}
   */
  public long replacedSourceTasks() {
    return execution.replacedTasks.get();
  }

  Schema schema() {
    return schema;
  }

  int defaultPageSize() {
    return defaultPageSize;
  }

  long defaultTimeoutNanos() {
    return defaultTimeoutNanos;
  }

  @Override
  public String toString() {
    return "Pipeline[" + name + ": " + stageNames() + "]";
  }
}
