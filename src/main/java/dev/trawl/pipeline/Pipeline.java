package dev.trawl.pipeline;

import dev.trawl.collect.LongIntTable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongPredicate;

/**
 * A validated, immutable feed pipeline, shared by every request thread. One request runs in fixed
 * phases:
 *
 * <ol>
 *   <li>pipeline {@linkplain Builder#gate gates} (a gate that says no returns an empty page);
 *   <li>{@link QueryHydrator}s, in declaration order;
 *   <li>{@link CandidateSource}s, in parallel (or in order on the calling thread), each bounded by its
 *       soft timeout and the request deadline, then merged into the batch in declaration order
 *       (invalid ids and NaN scores dropped, duplicates keep the first source);
 *   <li>{@link CandidateHydrator}s, {@link CandidateFilter}s, {@link Scorer}s and {@link Selector}s, in
 *       declaration order (they may interleave, e.g. a filter on a score after the scorer);
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
 * dropped, a hydrator's columns go back to their defaults, a filter removes nothing, a scorer's
 * scores are restored, and the page is marked {@link PipelineResult#degraded()}. Failing closed,
 * {@link #execute} throws a {@link PipelineException} of kind {@code STAGE_FAILURE} naming the stage.
 * Once the request deadline has passed, optional candidate stages are skipped and required ones
 * still run. A request thread that is interrupted stops waiting for its sources (those still running
 * count as timed out) and keeps its interrupt flag. Errors are classified: {@code BAD_REQUEST} (the context belongs to another pipeline, or
 * a stage threw {@link PipelineException#badRequest}), {@code STAGE_FAILURE}, {@code LIBRARY_BUG}
 * (Trawl's own code failed).
 *
 * <h2>Source execution and its cost</h2>
 * By default sources run on {@link WorkerPool#shared()}, which hands tasks over without allocating.
 * {@link Builder#sourcesOnCallerThread()} runs them one after another on the request thread (no
 * hand-off at all; a slow source cannot be abandoned, only discarded after it returns late).
 * {@link Builder#sourcesOn(Executor)} uses a host executor: each source task is a pre-allocated
 * {@link Runnable} passed to {@code execute}, so the pipeline allocates nothing, but the executor may:
 * a {@code ThreadPoolExecutor} over a {@code LinkedBlockingQueue} allocates a queue node (~24-32
 * bytes) per source per request, and its idle workers allocate a condition node when they wait; an
 * {@code ArrayBlockingQueue} avoids the first. A rejected task runs on the calling thread.
 *
 * <h2>Thread-safety and allocation</h2>
 * Immutable and thread-safe; any number of threads may call {@link #execute}, each with its own
 * {@link RequestContext} and {@link PipelineResult}. A request allocates nothing in steady state
 * (proved by {@code PipelineAllocationTest}), except on failure paths (exceptions, a replacement task
 * when an abandoned source is still running when its context is reused) and when tracing. Metrics
 * take about 100 KB per stage (three HdrHistograms of 2 significant digits up to 60 s), allocated
 * when the pipeline is built.
 */
public final class Pipeline {
  private final String name;
  private final Schema schema;
  private final Slot[] all;
  private final Slot[] queryHydrators;
  private final Slot[] sources;
  private final Slot[] candidateStages;
  private final Slot[] sideEffects;
  private final String[] stageNames;
  private final StageKind[] stageKinds;
  private final Gate[] gates;
  private final NanoClock clock;
  private final Executor executor;
  private final LongPredicate validIds;
  private final int defaultPageSize;
  private final long defaultTimeoutNanos;
  private final int batchCapacity;
  private final StageMetrics requestMetrics;
  private final AtomicLong degradedRequests = new AtomicLong();
  private final AtomicLong replacedTasks = new AtomicLong();

  /** One configured stage. */
  static final class Slot {
    final String name;
    final StageKind kind;
    final Stage stage;
    final StageOptions options;
    final boolean required;
    final int index;
    final Feature[] reads;
    final Feature[] writes;
    final StageMetrics metrics;

    Slot(String name, StageKind kind, Stage stage, StageOptions options, int index) {
      this.name = name;
      this.kind = kind;
      this.stage = stage;
      this.options = options;
      this.index = index;
      this.required = options.policy() == StageOptions.Policy.FAIL_CLOSED
          || (options.policy() == StageOptions.Policy.DEFAULT && requiredByDefault(kind));
      this.reads = concat(stage.reads(), options.extraReads());
      this.writes = concat(stage.writes(), options.extraWrites());
      this.metrics = new StageMetrics(name, kind);
    }

    private static boolean requiredByDefault(StageKind kind) {
      return kind == StageKind.FILTER || kind == StageKind.SCORER || kind == StageKind.SELECTOR;
    }

    private static Feature[] concat(Feature[] a, Feature[] b) {
      final Feature[] x = a == null ? Stage.NONE : a;
      final Feature[] out = Arrays.copyOf(x, x.length + b.length);
      System.arraycopy(b, 0, out, x.length, b.length);
      return out;
    }
  }

  private Pipeline(Builder b, Schema schema) {
    this.name = b.name;
    this.schema = schema;
    this.all = b.slots.toArray(new Slot[0]);
    this.queryHydrators = ofKinds(all, StageKind.QUERY_HYDRATOR);
    this.sources = ofKinds(all, StageKind.SOURCE);
    this.candidateStages = ofKinds(all, StageKind.CANDIDATE_HYDRATOR, StageKind.FILTER,
        StageKind.SCORER, StageKind.SELECTOR);
    this.sideEffects = ofKinds(all, StageKind.SIDE_EFFECT);
    this.stageNames = new String[all.length];
    this.stageKinds = new StageKind[all.length];
    for (int i = 0; i < all.length; i++) {
      stageNames[i] = all[i].name;
      stageKinds[i] = all[i].kind;
    }
    this.gates = b.gates.toArray(new Gate[0]);
    this.clock = b.clock;
    this.executor = b.callerThread ? null : b.executor == null ? WorkerPool.shared() : b.executor;
    this.validIds = b.validIds;
    this.defaultPageSize = b.pageSize;
    this.defaultTimeoutNanos = b.timeoutNanos;
    int capacity = 0;
    for (Slot s : sources) {
      capacity += s.options.expectedCandidates();
    }
    this.batchCapacity = capacity;
    this.requestMetrics = new StageMetrics(name, null);
  }

  private static Slot[] ofKinds(Slot[] slots, StageKind... kinds) {
    final List<Slot> out = new ArrayList<>();
    for (Slot s : slots) {
      for (StageKind k : kinds) {
        if (s.kind == k) {
          out.add(s);
        }
      }
    }
    return out.toArray(new Slot[0]);
  }

  /** Starts a builder for a pipeline called {@code name} (used in metrics and errors). */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /**
   * A new request context for this pipeline: one per request thread, reused for every request.
   * Allocates the context's buffers, every stage's scratch and its {@link RequestStats}.
   */
  public RequestContext newContext() {
    final Object[] scratch = new Object[all.length];
    for (int i = 0; i < all.length; i++) {
      scratch[i] = all[i].stage.newScratch();
    }
    final SourceTask[] tasks = new SourceTask[sources.length];
    final RequestContext ctx = new RequestContext(this, scratch, tasks, batchCapacity,
        new RequestStats(stageNames, stageKinds));
    for (int i = 0; i < sources.length; i++) {
      tasks[i] = newTask(ctx, i, scratch[sources[i].index]);
    }
    return ctx;
  }

  private SourceTask newTask(RequestContext ctx, int i, Object scratch) {
    final Slot s = sources[i];
    return new SourceTask(ctx, i, (CandidateSource) s.stage, scratch,
        s.options.expectedCandidates(), s.metrics, clock);
  }

  /**
   * Runs one request: reads the inputs of {@code ctx}, writes the page into {@code result}. Allocates
   * nothing in steady state.
   *
   * @throws PipelineException {@code BAD_REQUEST} if {@code ctx} belongs to another pipeline or a
   *     stage rejected the request; {@code STAGE_FAILURE} naming the stage if a required stage failed;
   *     {@code LIBRARY_BUG} if the pipeline itself failed
   */
  public void execute(RequestContext ctx, PipelineResult result) {
    Objects.requireNonNull(ctx, "ctx");
    Objects.requireNonNull(result, "result");
    if (ctx.pipeline() != this) {
      throw PipelineException.named(PipelineException.Kind.BAD_REQUEST, null, "the request context "
          + "belongs to pipeline '" + ctx.pipeline().name + "', not '" + name
          + "'; create contexts with this pipeline's newContext()", null);
    }
    final long start = clock.nanoTime();
    ctx.beginRequest(start);
    result.begin(schema.sourceNames, ctx.tracing);
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
      throw PipelineException.named(PipelineException.Kind.LIBRARY_BUG, null, "pipeline '" + name
          + "' failed outside any stage (a Trawl bug, please report it): " + e, e);
    } finally {
      ctx.currentStage = -1;
      ctx.waiter = null;
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
            "a gate of pipeline '" + name + "' failed: " + e, e);
      }
      if (!open) {
        requestMetrics.skipped.increment();
        out.markGatedOff();
        return;
      }
    }
    for (Slot s : queryHydrators) {
      runStage(s, ctx, out);
    }
    runSources(ctx, out);
    for (Slot s : candidateStages) {
      runStage(s, ctx, out);
    }
    out.fill(ctx.batch, ctx.pageSize());
    final boolean shadow = ctx.shadow();
    for (Slot s : sideEffects) {
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
  private boolean gateOpen(Slot s, RequestContext ctx, PipelineResult out) {
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

  private void runStage(Slot s, RequestContext ctx, PipelineResult out) {
    if (!gateOpen(s, ctx, out)) {
      return;
    }
    final CandidateBatch b = ctx.batch;
    // side effects run after the page exists, so the deadline no longer protects anything
    if (!s.required && s.kind != StageKind.SIDE_EFFECT && clock.nanoTime() > ctx.deadlineNanos) {
      s.metrics.skipped.increment();
      out.skippedForDeadline();
      if (ctx.tracing) {
        trace(ctx, out, s, Trace.Outcome.SKIPPED, null, null, "deadline passed");
      }
      return;
    }
    final int in = b.size();
    final long[] idsIn = ctx.tracing ? ids(b) : null;
    if (s.kind == StageKind.SCORER && !s.required) {
      b.saveScores();
    }
    ctx.currentStage = s.index;
    Throwable failure = null;
    final long t0 = clock.nanoTime();
    try {
      switch (s.kind) {
        case QUERY_HYDRATOR:
          ((QueryHydrator) s.stage).hydrate(ctx);
          break;
        case CANDIDATE_HYDRATOR:
          ((CandidateHydrator) s.stage).hydrate(ctx, b);
          break;
        case FILTER:
          ((CandidateFilter) s.stage).filter(ctx, b);
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
    } catch (Throwable t) {
      if (t instanceof VirtualMachineError) {
        throw (VirtualMachineError) t;
      }
      failure = t;
    }
    final long elapsed = clock.nanoTime() - t0;
    s.metrics.recordLatency(elapsed);
    ctx.currentStage = -1;
    if (failure != null) {
      ctx.stats.failed(s.index, elapsed);
      fail(s, ctx, out, failure, in);
      return;
    }
    if (s.kind == StageKind.FILTER) {
      b.compact();
    }
    s.metrics.recordCounts(in, b.size());
    ctx.stats.ran(s.index, elapsed, in, b.size());
    if (ctx.tracing) {
      trace(ctx, out, s, Trace.Outcome.RAN, idsIn, ids(b), null);
    }
  }

  /** A stage threw: classify, then fail the request or undo the stage's effects. */
  private void fail(Slot s, RequestContext ctx, PipelineResult out, Throwable failure, long in) {
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
          + describe(s) + " failed: " + failure, failure);
    }
    final CandidateBatch b = ctx.batch;
    switch (s.kind) {
      case FILTER:
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
        return; // the page is unaffected: counted in the stage's failures, not a degraded page
      default:
        break;
    }
    out.failedOpen();
  }

  private static String describe(Slot s) {
    return s.kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + " '" + s.name + "'";
  }

  // ------------------------------------------------------------------ sources

  private void runSources(RequestContext ctx, PipelineResult out) {
    final SourceTask[] tasks = ctx.tasks;
    final long generation = ctx.generation;
    final long start = clock.nanoTime();
    final Executor exec = executor;
    if (exec != null) {
      ctx.waiter = Thread.currentThread();
    }
    for (int i = 0; i < sources.length; i++) {
      final Slot s = sources[i];
      SourceTask task = tasks[i];
      if (!task.reusable()) {
        // its source is still running for an abandoned request: give this request a fresh sink
        task = newTask(ctx, i, s.stage.newScratch());
        tasks[i] = task;
        replacedTasks.incrementAndGet();
      }
      if (!gateOpen(s, ctx, out)) {
        task.disarm(generation);
        continue;
      }
      if (start >= ctx.deadlineNanos) {
        // query hydrators used up the budget: a required source fails, an optional one is skipped
        task.disarm(generation);
        if (s.required) {
          sourceTimedOut(s, ctx, out, s.options.timeoutNanos());
        }
        s.metrics.skipped.increment();
        out.skippedForDeadline();
        continue;
      }
      task.arm(generation);
      if (exec == null) {
        task.run();
      } else {
        try {
          exec.execute(task);
        } catch (RejectedExecutionException e) {
          task.run();
        }
      }
    }
    try {
      awaitAndMerge(ctx, out, tasks, generation, start, exec);
    } finally {
      // a required source that failed ends the request early: abandon the ones still running
      for (SourceTask task : tasks) {
        task.finishOrAbandon(generation);
      }
      ctx.waiter = null;
    }
  }

  private void awaitAndMerge(RequestContext ctx, PipelineResult out, SourceTask[] tasks,
      long generation, long start, Executor exec) {
    for (int i = 0; i < sources.length; i++) {
      final SourceTask task = tasks[i];
      if (task.notStarted(generation)) {
        continue; // not started this request
      }
      final Slot s = sources[i];
      final long timeout = s.options.timeoutNanos();
      final long limit = Math.min(start + timeout < start ? Long.MAX_VALUE : start + timeout,
          ctx.deadlineNanos);
      if (exec != null) {
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
      }
      final boolean finished = task.finishOrAbandon(generation);
      if (!finished || task.elapsedNanos > timeout) {
        // an abandoned task's own time is not ours to read: report how long the request waited
        ctx.stats.failed(s.index, finished ? task.elapsedNanos : clock.nanoTime() - start);
        sourceTimedOut(s, ctx, out, timeout);
        continue;
      }
      if (task.failure != null) {
        ctx.stats.failed(s.index, task.elapsedNanos);
        fail(s, ctx, out, task.failure, 0);
        continue;
      }
      merge(task, ctx, s, out);
    }
  }

  private void sourceTimedOut(Slot s, RequestContext ctx, PipelineResult out, long timeout) {
    s.metrics.timeouts.increment();
    s.metrics.calls.increment();
    if (ctx.tracing) {
      trace(ctx, out, s, Trace.Outcome.TIMED_OUT, null, null, null);
    }
    if (s.required) {
      throw PipelineException.named(PipelineException.Kind.STAGE_FAILURE, s.name, "required "
          + describe(s) + " timed out (timeout " + (timeout == Long.MAX_VALUE ? "none"
              : TimeUnit.NANOSECONDS.toMillis(timeout) + " ms") + ", request deadline "
          + TimeUnit.NANOSECONDS.toMillis(ctx.timeoutNanos()) + " ms)", null);
    }
    out.timedOut();
  }

  private void merge(SourceTask task, RequestContext ctx, Slot s, PipelineResult out) {
    final CandidateSink sink = task.sink;
    final CandidateBatch batch = ctx.batch;
    final LongIntTable seen = ctx.dedup;
    final LongPredicate valid = validIds;
    final int produced = sink.size();
    final int before = batch.size();
    int invalid = 0;
    int duplicates = 0;
    for (int r = 0; r < produced; r++) {
      final long id = sink.id(r);
      if (!valid.test(id) || Float.isNaN(sink.score(r))) {
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
      trace(ctx, out, s, Trace.Outcome.RAN, new long[0], idsOut,
          invalid > 0 ? invalid + " invalid candidates dropped" : null);
    }
  }

  // ------------------------------------------------------------------ tracing

  private static long[] ids(CandidateBatch b) {
    return Arrays.copyOf(b.ids(), b.size());
  }

  private static void trace(RequestContext ctx, PipelineResult out, Slot s, Trace.Outcome outcome,
      long[] in, long[] idsOut, String error) {
    final long[] none = new long[0];
    out.trace().add(new Trace.Step(s.name, s.kind, outcome, in == null ? none : in,
        idsOut == null ? none : idsOut, error));
  }

  // ------------------------------------------------------------ introspection

  /** The pipeline's name, as given to {@link #builder}. */
  public String name() {
    return name;
  }

  /** Stage names in declaration order. */
  public List<String> stageNames() {
    final List<String> names = new ArrayList<>();
    for (Slot s : all) {
      names.add(s.name);
    }
    return names;
  }

  /** Source names; a candidate's {@link CandidateBatch#source(int)} indexes this list. */
  public List<String> sourceNames() {
    return List.of(schema.sourceNames);
  }

  /** A snapshot of the metrics (allocates; call from the host's metrics exporter). */
  public MetricsSnapshot metrics() {
    final List<StageStats> stats = new ArrayList<>();
    for (Slot s : all) {
      stats.add(s.metrics.snapshot());
    }
    return new MetricsSnapshot(requestMetrics.snapshot(), stats, degradedRequests.get());
  }

  /**
   * The stage object added under {@code name}, e.g. to read a built-in stage's own counters.
   *
   * @throws IllegalArgumentException if the pipeline has no stage of that name
   */
  public Stage stage(String name) {
    for (Slot s : all) {
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

  /** Kind of each stage, in declaration order (parallel to {@link #stageNames()}). */
  public List<StageKind> stageKinds() {
    return List.of(stageKinds);
  }

  /** Times a source was still running when its context was reused, so its task was replaced. */
  public long replacedSourceTasks() {
    return replacedTasks.get();
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

  // ------------------------------------------------------------------ builder

  /**
   * Assembles a {@link Pipeline}. Stages are added with a unique name; {@link #build()} checks the
   * whole pipeline and lists every problem it finds. Not thread-safe; each {@code build()} returns an
   * independent pipeline (stage objects are shared, which is fine: they are immutable).
   */
  public static final class Builder {
    private final String name;
    private final List<Slot> slots = new ArrayList<>();
    private final List<Gate> gates = new ArrayList<>();
    private final List<Feature> inputs = new ArrayList<>();
    private NanoClock clock = NanoClock.SYSTEM;
    private Executor executor;
    private boolean callerThread;
    private LongPredicate validIds = id -> id >= 0;
    private int pageSize = 50;
    private long timeoutNanos = TimeUnit.SECONDS.toNanos(1);

    private Builder(String name) {
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("pipeline name must be non-blank");
      }
      this.name = name;
    }

    /** Adds a pipeline gate: when it says no, the request returns an empty page at once. */
    public Builder gate(Gate gate) {
      gates.add(Objects.requireNonNull(gate, "gate"));
      return this;
    }

    /** Declares query features the host sets on the context before executing. */
    public Builder input(Feature... queryFeatures) {
      for (Feature f : queryFeatures) {
        if (f.kind() != Feature.Kind.QUERY) {
          throw new IllegalArgumentException(f + " is not a query feature (Feature.query)");
        }
        inputs.add(f);
      }
      return this;
    }

    /** Adds a query hydrator (runs before the sources), optional by default. */
    public Builder queryHydrator(String name, QueryHydrator stage) {
      return queryHydrator(name, stage, StageOptions.defaults());
    }

    /** Adds a query hydrator with explicit options. */
    public Builder queryHydrator(String name, QueryHydrator stage, StageOptions options) {
      return add(name, StageKind.QUERY_HYDRATOR, stage, options);
    }

    /** Adds a candidate source, optional by default, bounded by the request deadline. */
    public Builder source(String name, CandidateSource stage) {
      return source(name, stage, StageOptions.defaults());
    }

    /** Adds a candidate source with explicit options (timeout, policy, expected candidates, gate). */
    public Builder source(String name, CandidateSource stage, StageOptions options) {
      return add(name, StageKind.SOURCE, stage, options);
    }

    /** Adds a candidate hydrator, optional by default; runs in declaration order among candidate stages. */
    public Builder hydrator(String name, CandidateHydrator stage) {
      return hydrator(name, stage, StageOptions.defaults());
    }

    /** Adds a candidate hydrator with explicit options. */
    public Builder hydrator(String name, CandidateHydrator stage, StageOptions options) {
      return add(name, StageKind.CANDIDATE_HYDRATOR, stage, options);
    }

    /** Adds a filter, required by default; runs in declaration order among candidate stages. */
    public Builder filter(String name, CandidateFilter stage) {
      return filter(name, stage, StageOptions.defaults());
    }

    /** Adds a filter with explicit options. */
    public Builder filter(String name, CandidateFilter stage, StageOptions options) {
      return add(name, StageKind.FILTER, stage, options);
    }

    /** Adds a scorer, required by default; runs in declaration order among candidate stages. */
    public Builder scorer(String name, Scorer stage) {
      return scorer(name, stage, StageOptions.defaults());
    }

    /** Adds a scorer with explicit options. */
    public Builder scorer(String name, Scorer stage, StageOptions options) {
      return add(name, StageKind.SCORER, stage, options);
    }

    /** Adds a selector, required by default; runs in declaration order among candidate stages. */
    public Builder selector(String name, Selector stage) {
      return selector(name, stage, StageOptions.defaults());
    }

    /** Adds a selector with explicit options. */
    public Builder selector(String name, Selector stage, StageOptions options) {
      return add(name, StageKind.SELECTOR, stage, options);
    }

    /** Adds a side effect; runs after the page is built, always optional. */
    public Builder sideEffect(String name, SideEffect stage) {
      return sideEffect(name, stage, StageOptions.defaults());
    }

    /** Adds a side effect with options (its policy is always fail-open). */
    public Builder sideEffect(String name, SideEffect stage, StageOptions options) {
      return add(name, StageKind.SIDE_EFFECT, stage, options.policy(StageOptions.Policy.FAIL_OPEN));
    }

    private Builder add(String stageName, StageKind kind, Stage stage, StageOptions options) {
      Objects.requireNonNull(stage, () -> "stage '" + stageName + "' is null");
      Objects.requireNonNull(options, () -> "options of stage '" + stageName + "' are null");
      slots.add(new Slot(stageName, kind, stage, options, slots.size()));
      return this;
    }

    /**
     * Default request deadline (default 1 second; a context can override it per request).
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder timeout(long amount, TimeUnit unit) {
      if (amount <= 0) {
        throw new IllegalArgumentException("timeout must be positive, got " + amount + " " + unit);
      }
      timeoutNanos = unit.toNanos(amount);
      return this;
    }

    /** Default page size (default 50; a context can override it per request). */
    public Builder pageSize(int pageSize) {
      if (pageSize <= 0) {
        throw new IllegalArgumentException("pageSize must be positive, got " + pageSize);
      }
      this.pageSize = pageSize;
      return this;
    }

    /** The clock for budgets and latencies (default {@link NanoClock#SYSTEM}). */
    public Builder clock(NanoClock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Runs sources one after another on the request thread (no hand-off, no parallelism). */
    public Builder sourcesOnCallerThread() {
      callerThread = true;
      executor = null;
      return this;
    }

    /** Runs sources on {@code executor} (see the class Javadoc for what that costs). */
    public Builder sourcesOn(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      callerThread = false;
      return this;
    }

    /**
     * Which candidate ids are valid (others are dropped and counted as invalid for their source).
     * Default: non-negative ids. Must be thread-safe and allocation-free, e.g. {@code index::contains}.
     */
    public Builder validIds(LongPredicate validIds) {
      this.validIds = Objects.requireNonNull(validIds, "validIds");
      return this;
    }

    /**
     * Validates and builds the pipeline.
     *
     * @throws IllegalArgumentException listing every problem: no source, blank or duplicate stage
     *     names, two features with one name, a stage reading a feature no earlier stage writes, a
     *     stage writing what its kind may not write
     */
    public Pipeline build() {
      final List<String> problems = new ArrayList<>();
      final Set<String> names = new LinkedHashSet<>();
      final Map<String, Feature> featureNames = new HashMap<>();
      final List<String> sourceNames = new ArrayList<>();
      for (Slot s : slots) {
        if (s.name == null || s.name.isBlank()) {
          problems.add("a " + s.kind + " has a blank name");
        } else if (!names.add(s.name)) {
          problems.add("duplicate stage name '" + s.name + "'");
        }
        if (s.kind == StageKind.SOURCE) {
          sourceNames.add(s.name);
        }
        for (Feature f : s.reads) {
          checkFeatureName(f, featureNames, problems);
        }
        for (Feature f : s.writes) {
          checkFeatureName(f, featureNames, problems);
        }
      }
      for (Feature f : inputs) {
        checkFeatureName(f, featureNames, problems);
      }
      if (sourceNames.isEmpty()) {
        problems.add("a pipeline needs at least one candidate source");
      }
      final Set<Feature> available = new LinkedHashSet<>(inputs);
      available.add(Feature.SCORE);
      available.add(Feature.SOURCE_SCORE);
      available.add(Feature.ORDINAL);
      final List<Feature> candidateFeatures = new ArrayList<>();
      // phase order: query hydrators, sources, candidate stages, side effects
      for (Slot s : slots) {
        if (s.kind == StageKind.QUERY_HYDRATOR) {
          checkReads(s, available, problems, null);
          for (Feature f : s.writes) {
            if (f.kind() != Feature.Kind.QUERY) {
              problems.add(describe(s) + " writes " + f + ", but query hydrators write query features only");
            }
            available.add(f);
          }
        }
      }
      final Map<Feature, List<String>> missingFrom = new HashMap<>();
      for (Feature f : List.of(Feature.AUTHOR, Feature.COMMUNITY, Feature.CREATED_AT)) {
        missingFrom.put(f, new ArrayList<>());
      }
      for (Slot s : slots) {
        if (s.kind == StageKind.SOURCE) {
          checkReads(s, available, problems, null);
          final List<Feature> w = Arrays.asList(s.writes);
          for (Feature f : s.writes) {
            if (!missingFrom.containsKey(f) && f != Feature.ORDINAL) {
              problems.add(describe(s) + " declares it writes " + f
                  + ", but sources can only fill author, community, created_at and ordinal");
            }
          }
          for (Map.Entry<Feature, List<String>> e : missingFrom.entrySet()) {
            if (!w.contains(e.getKey())) {
              e.getValue().add(s.name);
            }
          }
        }
      }
      for (Map.Entry<Feature, List<String>> e : missingFrom.entrySet()) {
        if (e.getValue().isEmpty() && !sourceNames.isEmpty()) {
          available.add(e.getKey());
        }
      }
      for (Slot s : slots) {
        switch (s.kind) {
          case CANDIDATE_HYDRATOR:
          case FILTER:
          case SCORER:
          case SELECTOR:
            checkReads(s, available, problems, missingFrom);
            for (Feature f : s.writes) {
              final boolean ok = f.kind() == Feature.Kind.CANDIDATE
                  ? s.kind == StageKind.CANDIDATE_HYDRATOR || s.kind == StageKind.SCORER
                  : s.kind == StageKind.CANDIDATE_HYDRATOR && f != Feature.SCORE
                      && f != Feature.SOURCE_SCORE && f.kind() == Feature.Kind.BUILT_IN
                      || s.kind == StageKind.SCORER && f == Feature.SCORE;
              if (!ok) {
                problems.add(describe(s) + " may not write " + f);
              }
              available.add(f);
              if (f.kind() == Feature.Kind.CANDIDATE && !candidateFeatures.contains(f)) {
                candidateFeatures.add(f);
              }
            }
            break;
          default:
            break;
        }
      }
      for (Slot s : slots) {
        if (s.kind == StageKind.SIDE_EFFECT) {
          checkReads(s, available, problems, missingFrom);
          if (s.writes.length > 0) {
            problems.add(describe(s) + " may not write features");
          }
        }
      }
      if (!problems.isEmpty()) {
        throw new IllegalArgumentException("pipeline '" + name + "' is invalid: "
            + String.join("; ", problems));
      }
      final List<Feature> queryFeatures = new ArrayList<>();
      for (Feature f : available) {
        if (f.kind() == Feature.Kind.QUERY) {
          queryFeatures.add(f);
        }
      }
      final Schema schema = new Schema(candidateFeatures, queryFeatures,
          sourceNames.toArray(new String[0]));
      // slots keep their builder index, which is the context's scratch index
      return new Pipeline(this, schema);
    }

    private static void checkFeatureName(Feature f, Map<String, Feature> byName, List<String> problems) {
      final Feature other = byName.putIfAbsent(f.name(), f);
      if (other != null && other != f) {
        problems.add("two different features are named '" + f.name() + "'");
      }
    }

    private static void checkReads(Slot s, Set<Feature> available, List<String> problems,
        Map<Feature, List<String>> missingFrom) {
      for (Feature f : s.reads) {
        if (available.contains(f)) {
          continue;
        }
        if (missingFrom != null && missingFrom.containsKey(f)) {
          problems.add(describe(s) + " reads " + f + ", which not every source fills (missing from "
              + missingFrom.get(f) + "); add a hydrator that writes it earlier, or declare it in "
              + "those sources' writes()");
        } else if (f.kind() == Feature.Kind.QUERY) {
          problems.add(describe(s) + " reads " + f + ", which is neither a declared input nor "
              + "written by an earlier query hydrator");
        } else {
          problems.add(describe(s) + " reads " + f + ", but no earlier stage writes it; add a "
              + "hydrator that declares it in writes() before '" + s.name + "'");
        }
      }
    }
  }
}
