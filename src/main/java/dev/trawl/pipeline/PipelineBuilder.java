package dev.trawl.pipeline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;

/**
 * Assembles a {@link Pipeline}: stages are added under unique names in the order they run within
 * their phase, then {@link #build()} checks the whole pipeline and lists every problem it finds.
 *
 * <pre>{@code
 * Pipeline pipeline = Pipeline.builder("home-feed")
 *     .source("interest", vectorSource)
 *     .hydrator("affinity", affinity)
 *     .scorer("weighted", scorer)
 *     .build();
 * }</pre>
 *
 * <p><b>Not thread-safe</b>; a set-up object. Each {@code build()} returns an independent pipeline
 * (stage objects are shared, which is fine: they are immutable). Allocates; never on a request path.
 */
public final class PipelineBuilder {
  final String name;
  final List<ConfiguredStage> stages = new ArrayList<>();
  final List<Gate> gates = new ArrayList<>();
  final List<Feature> inputs = new ArrayList<>();
  NanoClock clock = NanoClock.SYSTEM;
  Executor executor;
  boolean callerThread;
  LongPredicate validIds = id -> id >= 0;
  int pageSize = 50;
  long timeoutNanos = TimeUnit.SECONDS.toNanos(1);
  WorkerPool stagePool;
  long deadlineSlackNanos = TimeUnit.MILLISECONDS.toNanos(10);
  int hungStageLimit = 2;
  /** 0: {@link #defaultThreadsPerBlockingStage} of the stage pool, fixed when the pipeline is built. */
  int threadsPerBlockingStage;
  /** Calls one blocking stage may queue behind its running ones; package-private for tests. */
  int stageWaitCapacity = 1024;

  PipelineBuilder(String name) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("pipeline name must be non-blank");
    }
    this.name = name;
  }

  /**
   * Adds a pipeline gate: when it says no, the request returns an empty page at once.
   *
   * @param gate decides per request whether the pipeline runs
   * @return this builder, for chaining
   */
  public PipelineBuilder gate(Gate gate) {
    gates.add(Objects.requireNonNull(gate, "gate"));
    return this;
  }

  /**
   * Declares query features the host sets on the context before executing.
   *
   * @param queryFeatures query features the host sets
   * @return this builder, for chaining
   */
  public PipelineBuilder input(Feature... queryFeatures) {
    for (Feature f : queryFeatures) {
      if (f.kind() != Feature.Kind.QUERY) {
        throw new IllegalArgumentException(f + " is not a query feature (Feature.query)");
      }
      inputs.add(f);
    }
    return this;
  }

  /**
   * Adds a query hydrator (runs before the sources), optional by default.
   *
   * @param name the stage's name, unique in the pipeline (used in metrics, traces and errors)
   * @param stage the stage; immutable and thread-safe, shared by every request
   * @return this builder, for chaining
   */
  public PipelineBuilder queryHydrator(String name, QueryHydrator stage) {
    return queryHydrator(name, stage, StageOptions.defaults());
  }

  /**
   * Adds a query hydrator with explicit options.
   *
   * @param name the stage's name, unique in the pipeline (used in metrics, traces and errors)
   * @param stage the stage; immutable and thread-safe, shared by every request
   * @param options its failure policy, timeout, gate, declared features and sizing
   * @return this builder, for chaining
   */
  public PipelineBuilder queryHydrator(String name, QueryHydrator stage, StageOptions options) {
    return add(name, StageKind.QUERY_HYDRATOR, stage, options);
  }

  /**
   * Adds a candidate source, optional by default, bounded by the request deadline.
   *
   * @param name the stage's name, unique in the pipeline (used in metrics, traces and errors)
   * @param stage the stage; immutable and thread-safe, shared by every request
   * @return this builder, for chaining
   */
  public PipelineBuilder source(String name, CandidateSource stage) {
    return source(name, stage, StageOptions.defaults());
  }

  /**
   * Adds a candidate source with explicit options (timeout, policy, expected candidates, gate).
   *
   * @param name the stage's name, unique in the pipeline (used in metrics, traces and errors)
   * @param stage the stage; immutable and thread-safe, shared by every request
   * @param options its failure policy, timeout, gate, declared features and sizing
   * @return this builder, for chaining
   */
  public PipelineBuilder source(String name, CandidateSource stage, StageOptions options) {
    return add(name, StageKind.SOURCE, stage, options);
  }

  /**
   * Adds a candidate hydrator, optional by default; runs in declaration order among candidate
   * stages.
   *
   * @param name the stage's name, unique in the pipeline (used in metrics, traces and errors)
   * @param stage the stage; immutable and thread-safe, shared by every request
   * @return this builder, for chaining
   */
  public PipelineBuilder hydrator(String name, CandidateHydrator stage) {
    return hydrator(name, stage, StageOptions.defaults());
  }

  /**
   * Adds a candidate hydrator with explicit options.
   *
   * @param name the stage's name, unique in the pipeline (used in metrics, traces and errors)
   * @param stage the stage; immutable and thread-safe, shared by every request
   * @param options its failure policy, timeout, gate, declared features and sizing
   * @return this builder, for chaining
   */
  public PipelineBuilder hydrator(String name, CandidateHydrator stage, StageOptions options) {
    return add(name, StageKind.CANDIDATE_HYDRATOR, stage, options);
  }

  /**
   * Adds a rule, required by default; runs in declaration order among candidate stages.
   *
   * @param name the stage's name, unique in the pipeline (used in metrics, traces and errors)
   * @param stage the stage; immutable and thread-safe, shared by every request
   * @return this builder, for chaining
   */
  public PipelineBuilder rule(String name, CandidateRule stage) {
    return rule(name, stage, StageOptions.defaults());
  }

  /**
   * Adds a rule with explicit options.
   *
   * @param name the stage's name, unique in the pipeline (used in metrics, traces and errors)
   * @param stage the stage; immutable and thread-safe, shared by every request
   * @param options its failure policy, timeout, gate, declared features and sizing
   * @return this builder, for chaining
   */
  public PipelineBuilder rule(String name, CandidateRule stage, StageOptions options) {
    return add(name, StageKind.RULE, stage, options);
  }

  /**
   * Adds a scorer, required by default; runs in declaration order among candidate stages.
   *
   * @param name the stage's name, unique in the pipeline (used in metrics, traces and errors)
   * @param stage the stage; immutable and thread-safe, shared by every request
   * @return this builder, for chaining
   */
  public PipelineBuilder scorer(String name, Scorer stage) {
    return scorer(name, stage, StageOptions.defaults());
  }

  /**
   * Adds a scorer with explicit options.
   *
   * @param name the stage's name, unique in the pipeline (used in metrics, traces and errors)
   * @param stage the stage; immutable and thread-safe, shared by every request
   * @param options its failure policy, timeout, gate, declared features and sizing
   * @return this builder, for chaining
   */
  public PipelineBuilder scorer(String name, Scorer stage, StageOptions options) {
    return add(name, StageKind.SCORER, stage, options);
  }

  /**
   * Adds a selector, required by default; runs in declaration order among candidate stages.
   *
   * @param name the stage's name, unique in the pipeline (used in metrics, traces and errors)
   * @param stage the stage; immutable and thread-safe, shared by every request
   * @return this builder, for chaining
   */
  public PipelineBuilder selector(String name, Selector stage) {
    return selector(name, stage, StageOptions.defaults());
  }

  /**
   * Adds a selector with explicit options.
   *
   * @param name the stage's name, unique in the pipeline (used in metrics, traces and errors)
   * @param stage the stage; immutable and thread-safe, shared by every request
   * @param options its failure policy, timeout, gate, declared features and sizing
   * @return this builder, for chaining
   */
  public PipelineBuilder selector(String name, Selector stage, StageOptions options) {
    return add(name, StageKind.SELECTOR, stage, options);
  }

  /**
   * Adds a side effect; runs after the page is built, always optional.
   *
   * @param name the stage's name, unique in the pipeline (used in metrics, traces and errors)
   * @param stage the stage; immutable and thread-safe, shared by every request
   * @return this builder, for chaining
   */
  public PipelineBuilder sideEffect(String name, SideEffect stage) {
    return sideEffect(name, stage, StageOptions.defaults());
  }

  /**
   * Adds a side effect with options (its policy is always fail-open).
   *
   * @param name the stage's name, unique in the pipeline (used in metrics, traces and errors)
   * @param stage the stage; immutable and thread-safe, shared by every request
   * @param options its failure policy, timeout, gate, declared features and sizing
   * @return this builder, for chaining
   */
  public PipelineBuilder sideEffect(String name, SideEffect stage, StageOptions options) {
    return add(name, StageKind.SIDE_EFFECT, stage, options.policy(StageOptions.Policy.FAIL_OPEN));
  }

  private PipelineBuilder add(String stageName, StageKind kind, Stage stage, StageOptions options) {
    Objects.requireNonNull(stage, () -> "stage '" + stageName + "' is null");
    Objects.requireNonNull(options, () -> "options of stage '" + stageName + "' are null");
    stages.add(new ConfiguredStage(stageName, kind, stage, options, stages.size()));
    return this;
  }

  /**
   * Default request deadline (default 1 second; a context can override it per request).
   *
   * @param amount the deadline in {@code unit}s, positive
   * @param unit the unit of {@code amount}
   * @return this builder, for chaining
   * @throws IllegalArgumentException if not positive
   */
  public PipelineBuilder timeout(long amount, TimeUnit unit) {
    if (amount <= 0) {
      throw new IllegalArgumentException("timeout must be positive, got " + amount + " " + unit);
    }
    timeoutNanos = unit.toNanos(amount);
    return this;
  }

  /**
   * Default page size (default 50; a context can override it per request).
   *
   * @param pageSize the candidates on a page, positive
   * @return this builder, for chaining
   */
  public PipelineBuilder pageSize(int pageSize) {
    if (pageSize <= 0) {
      throw new IllegalArgumentException("pageSize must be positive, got " + pageSize);
    }
    this.pageSize = pageSize;
    return this;
  }

  /**
   * The clock for budgets and latencies (default {@link NanoClock#SYSTEM}).
   *
   * @param clock the clock; kept
   * @return this builder, for chaining
   */
  public PipelineBuilder clock(NanoClock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    return this;
  }

  /**
   * Runs sources one after another on the request thread (no hand-off, no parallelism).
   *
   * @return this builder, for chaining
   */
  public PipelineBuilder sourcesOnCallerThread() {
    callerThread = true;
    executor = null;
    return this;
  }

  /**
   * Runs sources on {@code executor} (see the class Javadoc for what that costs).
   *
   * @param executor where source tasks run; kept, not shut down by the pipeline
   * @return this builder, for chaining
   */
  public PipelineBuilder sourcesOn(Executor executor) {
    this.executor = Objects.requireNonNull(executor, "executor");
    callerThread = false;
    return this;
  }

  /**
   * Runs the stages that {@linkplain Stage#mayBlock() may block} on {@code pool} (default
   * {@link WorkerPool#sharedForBlockingStages()}). The host owns the pool and closes it after the
   * pipeline's last request; a closed pool refuses every blocking stage (each counted as a failure).
   * @param pool the pool, owned by the host
   * @return this builder, for chaining
   */
  public PipelineBuilder blockingStagesOn(WorkerPool pool) {
    this.stagePool = Objects.requireNonNull(pool, "pool");
    return this;
  }

  /**
   * How long past the request deadline the pipeline still waits for a blocking stage before it
   * abandons it (default 10 ms): the bound a host can rely on is that no request waits for a
   * blocking stage, or a source, past its deadline plus this slack; what runs after that is the
   * non-blocking stages.
   *
   * @param slack the extra wait after the deadline, 0 or more
   * @return this builder, for chaining
   * @throws IllegalArgumentException if negative
   */
  public PipelineBuilder deadlineSlack(Duration slack) {
    if (slack.isNegative()) {
      throw new IllegalArgumentException("deadlineSlack must not be negative, got " + slack);
    }
    deadlineSlackNanos = slack.compareTo(Duration.ofDays(1)) > 0 ? TimeUnit.DAYS.toNanos(1)
        : slack.toNanos();
    return this;
  }

  /**
   * How many abandoned calls of one stage may still be running before new calls to that stage are
   * refused (default 2): a refused call fails at once, open or closed by the stage's policy, and is
   * counted in {@link StageStats#rejected()}, so once a stage is known to hang its requests stop
   * waiting for it until the deadline. Calls are accepted again as soon as the hung ones return.
   * This limit does not bound the threads a hung stage holds: a call counts as hung only once its
   * request has stopped waiting for it, and calls started before that may all hang too;
   * {@link #threadsPerBlockingStage(int)} bounds those.
   *
   * @param limit the hung calls per stage tolerated, positive
   * @return this builder, for chaining
   * @throws IllegalArgumentException if not positive
   */
  public PipelineBuilder hungStageLimit(int limit) {
    if (limit <= 0) {
      throw new IllegalArgumentException("hungStageLimit must be positive, got " + limit);
    }
    hungStageLimit = limit;
    return this;
  }

  /**
   * How many calls of one stage that {@linkplain Stage#mayBlock() may block} may run on the stage
   * pool at once. A call beyond it does not fail: it is queued behind that stage's running calls
   * (in the stage's own queue, not the pool's, so other stages never wait behind it) and handed to
   * the pool when one of them returns; it is counted in {@link StageStats#deferred()}, and if it is
   * still queued at its request's deadline it is abandoned without ever running, like any call not
   * done by then. If the stage's queue (1,024 calls) is full, or the pool refuses the call when it
   * is handed over, the call fails at once (open or closed by the stage's policy, counted in
   * {@link StageStats#rejected()}); it never runs on the request thread.
   *
   * <p>This is what bounds the threads a hung stage can hold, whatever the concurrency: before the
   * first hung call reaches its deadline a hung call looks like a slow one, so without this bound
   * every request arriving in that window would start one more, until every pool thread was blocked
   * in the hung stage and every other blocking stage sharing the pool waited behind it.
   *
   * <p>Default: half the stage pool's threads, at least 1 ({@code max(1, threads / 2)}; 4 of the
   * shared pool's 8 on a machine of up to 4 cores), decided when {@link #build()} runs. Half, so that
   * one hung stage leaves the other half of the pool to every other blocking stage of this and the
   * other pipelines sharing the pool, while a healthy stage can still use most of an idle pool; a
   * pipeline with several slow stages on one pool may want a smaller share. A value at or above the
   * pool's thread count leaves a stage unbounded by anything but the pool.
   *
   * @param threads the calls of one blocking stage on the pool at once, positive
   * @return this builder, for chaining
   * @throws IllegalArgumentException if not positive
   */
  public PipelineBuilder threadsPerBlockingStage(int threads) {
    if (threads <= 0) {
      throw new IllegalArgumentException("threadsPerBlockingStage must be positive (the calls of one "
          + "blocking stage that may run on the stage pool at once), got " + threads);
    }
    threadsPerBlockingStage = threads;
    return this;
  }

  /** {@code max(1, threads / 2)}: see {@link #threadsPerBlockingStage(int)} for why. */
  static int defaultThreadsPerBlockingStage(WorkerPool pool) {
    return Math.max(1, pool.threads() / 2);
  }

  /**
   * Which candidate ids are valid (others are dropped and counted as invalid for their source).
   * Default: non-negative ids. Must be thread-safe and allocation-free, e.g. {@code index::contains}.
   * @param validIds true for an id a candidate may have
   * @return this builder, for chaining
   */
  public PipelineBuilder validIds(LongPredicate validIds) {
    this.validIds = Objects.requireNonNull(validIds, "validIds");
    return this;
  }

  /**
   * Validates and builds the pipeline.
   *
   * @return a new, immutable pipeline, shared by every request thread
   * @throws IllegalArgumentException listing every problem: no source, blank or duplicate stage
   *     names, two features with one name, a stage reading a feature no earlier stage writes, a
   *     stage writing what its kind may not write
   */
  public Pipeline build() {
    // stages keep their builder index, which is the context's scratch index
    return new Pipeline(this, PipelineValidation.validate(name, stages, inputs));
  }
}
