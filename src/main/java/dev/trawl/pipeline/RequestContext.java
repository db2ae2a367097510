package dev.trawl.pipeline;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Everything one request needs and produces on its way through a {@link Pipeline}: the host's inputs
 * (user, time, page size, seed, query vector, id sets, query features), the candidate batch, every
 * stage's scratch and the source sinks. Created by {@link Pipeline#newContext()} for that pipeline,
 * then <b>reused for every request</b> on one thread:
 *
 * <pre>{@code
 * RequestContext ctx = pipeline.newContext();   // once per thread
 * PipelineResult page = new PipelineResult();
 * // per request:
 * ctx.reset().userId(user).nowMillis(now).seed(requestSeed).queryVector(userVector);
 * ctx.seenIds().add(alreadyShownId);
 * pipeline.execute(ctx, page);
 * }</pre>
 *
 * <p><b>Not thread-safe</b>: one thread at a time. Sources running on worker threads read its inputs
 * concurrently with the request thread, which does not change them during
 * {@link Pipeline#execute}; the host must not change inputs while a request runs.
 *
 * <p><b>Allocation:</b> none per request once the buffers (query vector, id sets, batch) have grown to
 * their working size. {@link #reset()} is O(query features).
 */
public final class RequestContext {
  final Pipeline pipeline;
  // batch and queryFeatures are replaced (never shared) when a blocking stage is abandoned with them
  CandidateBatch batch;
  final Object[] scratch;
  final SourceFanOut sources;
  float[] queryFeatures;
  final RequestStats stats;
  /** One task per blocking stage (by stage index, {@code null} for the others). */
  final StageTask[] stageTasks;

  private long userId;
  private long nowMillis;
  private int pageSize;
  private long seed;
  private long timeoutNanos;
  private float[] queryVector = new float[0];
  private int queryDimension = -1;
  private final IdSet seenIds = new IdSet(256);
  private final IdSet blockedAuthors = new IdSet(64);
  private final IdSet mutedCommunities = new IdSet(64);
  private final IdSet followedCommunities = new IdSet(64);
  private Object attachment;
  private boolean traceNext;
  private boolean shadow;

  // per request, set by the pipeline's RequestExecution
  long generation;
  long deadlineNanos;
  boolean tracing;
  int currentStage = -1;
  private long random;
  /** Degraded marks of the running request: stages on worker threads may mark concurrently. */
  private final AtomicInteger degradedMarks = new AtomicInteger();

  RequestContext(Pipeline pipeline, RequestExecution execution, Object[] scratch, int batchCapacity,
      RequestStats stats) {
    this.pipeline = pipeline;
    this.stats = stats;
    this.scratch = scratch;
    this.batch = new CandidateBatch(pipeline.schema(), batchCapacity);
    this.queryFeatures = new float[pipeline.schema().queryFeatures.length];
    this.sources = new SourceFanOut(execution, this, scratch, batchCapacity);
    this.stageTasks = new StageTask[scratch.length];
    for (ConfiguredStage s : execution.blockingStages) {
      stageTasks[s.index] = new StageTask(this, s, scratch[s.index], execution.clock,
          execution.bulkheads[s.index]);
    }
    reset();
  }

  /**
   * Clears every input back to its default (user 0, time 0, the pipeline's page size and timeout,
   * seed 0, no query vector, empty id sets, query features at their defaults, no attachment, no
   * trace, not a shadow request). Returns this context for chaining.
   *
   * @return this context, for chaining
   */
  public RequestContext reset() {
    userId = 0;
    nowMillis = 0;
    pageSize = pipeline.defaultPageSize();
    seed = 0;
    timeoutNanos = pipeline.defaultTimeoutNanos();
    queryDimension = -1;
    seenIds.clear();
    blockedAuthors.clear();
    mutedCommunities.clear();
    followedCommunities.clear();
    final Feature[] qf = pipeline.schema().queryFeatures;
    for (int i = 0; i < qf.length; i++) {
      queryFeatures[i] = qf[i].defaultValue();
    }
    attachment = null;
    traceNext = false;
    shadow = false;
    return this;
  }

  /**
   * Copies every input of {@code other} (which may belong to another pipeline) into this context,
   * e.g. to run the same request through a shadow pipeline. Query features are copied by feature
   * identity where both pipelines have them; the {@linkplain #shadow(boolean) shadow} flag is copied
   * too (a shadow runner sets it on its own context after copying).
   *
   * @param other the context whose inputs are copied; unchanged
   * @return this context, for chaining
   */
  public RequestContext copyInputsFrom(RequestContext other) {
    reset();
    userId = other.userId;
    nowMillis = other.nowMillis;
    pageSize = other.pageSize;
    seed = other.seed;
    timeoutNanos = other.timeoutNanos;
    if (other.queryDimension >= 0) {
      queryVector(other.queryVector, other.queryDimension);
    }
    seenIds.addAll(other.seenIds);
    blockedAuthors.addAll(other.blockedAuthors);
    mutedCommunities.addAll(other.mutedCommunities);
    followedCommunities.addAll(other.followedCommunities);
    final Feature[] mine = pipeline.schema().queryFeatures;
    final Feature[] theirs = other.pipeline.schema().queryFeatures;
    for (int i = 0; i < mine.length; i++) {
      for (int j = 0; j < theirs.length; j++) {
        if (mine[i] == theirs[j]) {
          queryFeatures[i] = other.queryFeatures[j];
        }
      }
    }
    attachment = other.attachment;
    shadow = other.shadow;
    return this;
  }

  // ------------------------------------------------------------------- inputs

  /**
   * The user the feed is for.
   *
   * @param userId the user's id
   * @return this context, for chaining
   */
  public RequestContext userId(long userId) {
    this.userId = userId;
    return this;
  }

  /** {@return the user the feed is for (0 after {@link #reset()})} */
  public long userId() {
    return userId;
  }

  /**
   * The request's "now", in epoch milliseconds (used by recency and freshness stages).
   *
   * @param nowMillis the request's time, epoch milliseconds
   * @return this context, for chaining
   */
  public RequestContext nowMillis(long nowMillis) {
    this.nowMillis = nowMillis;
    return this;
  }

  /** {@return the request's "now", epoch milliseconds} */
  public long nowMillis() {
    return nowMillis;
  }

  /**
   * How many candidates the page holds.
   *
   * @param pageSize the candidates on the page, positive
   * @return this context, for chaining
   * @throws IllegalArgumentException if not positive
   */
  public RequestContext pageSize(int pageSize) {
    if (pageSize <= 0) {
      throw new IllegalArgumentException("pageSize must be positive, got " + pageSize);
    }
    this.pageSize = pageSize;
    return this;
  }

  /** {@return the candidates on the page} */
  public int pageSize() {
    return pageSize;
  }

  /**
   * Seed of the request's random stream ({@link #randomLong()}): same seed, same page.
   *
   * @param seed any value
   * @return this context, for chaining
   */
  public RequestContext seed(long seed) {
    this.seed = seed;
    return this;
  }

  /** {@return the seed of the request's random stream} */
  public long seed() {
    return seed;
  }

  /**
   * This request's deadline, counted from the start of {@link Pipeline#execute}.
   *
   * @param amount the deadline in {@code unit}s, positive
   * @param unit the unit of {@code amount}
   * @return this context, for chaining
   * @throws IllegalArgumentException if {@code amount <= 0}
   */
  public RequestContext timeout(long amount, TimeUnit unit) {
    if (amount <= 0) {
      throw new IllegalArgumentException("timeout must be positive, got " + amount + " " + unit);
    }
    this.timeoutNanos = unit.toNanos(amount);
    return this;
  }

  /** {@return this request's deadline, in nanoseconds from the start of execute} */
  public long timeoutNanos() {
    return timeoutNanos;
  }

  /**
   * Copies {@code vector} into the context's own buffer (the caller keeps its array).
   *
   * @param vector the user's interest vector; copied
   * @return this context, for chaining
   */
  public RequestContext queryVector(float[] vector) {
    return queryVector(vector, vector.length);
  }

  private RequestContext queryVector(float[] vector, int dimension) {
    if (queryVector.length < dimension) {
      queryVector = new float[dimension];
    }
    System.arraycopy(vector, 0, queryVector, 0, dimension);
    queryDimension = dimension;
    return this;
  }

  /** {@return whether a query vector was set since the last {@link #reset()}} */
  public boolean hasQueryVector() {
    return queryDimension >= 0;
  }

  /** {@return the dimension of the query vector, or -1 when none is set} */
  public int queryDimension() {
    return queryDimension;
  }

  /**
   * The context's query vector buffer; only the first {@link #queryDimension()} entries are the
   * vector. Read-only by contract.
   *
   * @return the context's own buffer, read-only by contract
   */
  public float[] queryVectorBuffer() {
    return queryVector;
  }

  /**
   * {@return the ids the user has already seen (filled by the host, cleared by {@link #reset()})}
   */
  public IdSet seenIds() {
    return seenIds;
  }

  /** {@return the authors the user blocked: their posts must not be shown} */
  public IdSet blockedAuthors() {
    return blockedAuthors;
  }

  /** {@return the communities the user muted: their posts must not be shown} */
  public IdSet mutedCommunities() {
    return mutedCommunities;
  }

  /** {@return the communities the user follows (read by the recency source)} */
  public IdSet followedCommunities() {
    return followedCommunities;
  }

  /**
   * Sets a query feature (host inputs and query hydrators).
   *
   * @param feature a query feature of the pipeline
   * @param value its value for this request
   * @return this context, for chaining
   */
  public RequestContext setQueryFeature(Feature feature, float value) {
    queryFeatures[pipeline.schema().queryIndex(feature)] = value;
    return this;
  }

  /**
   * Value of a query feature.
   *
   * @param feature a query feature of the pipeline
   * @return its value, the default unless set for this request
   * @throws IllegalArgumentException if the pipeline has no such query feature
   */
  public float queryFeature(Feature feature) {
    return queryFeatures[pipeline.schema().queryIndex(feature)];
  }

  /**
   * Any host object the host's own stages need (kept until {@link #reset()}).
   *
   * @param attachment the object, kept until the next reset
   * @return this context, for chaining
   */
  public RequestContext attachment(Object attachment) {
    this.attachment = attachment;
    return this;
  }

  /**
   * The host object set with {@link #attachment(Object)}, or {@code null}.
   *
   * @param <T> the type the caller expects
   * @return the attachment
   */
  @SuppressWarnings("unchecked")
  public <T> T attachment() {
    return (T) attachment;
  }

  /**
   * Records a {@link Trace} of the next request into its result (allocates; for debugging).
   *
   * @return this context, for chaining
   */
  public RequestContext traceNextRequest() {
    traceNext = true;
    return this;
  }

  /**
   * Marks this request as a shadow run (until {@link #reset()}): every {@link SideEffect} stage is
   * skipped (counted in its {@link StageStats#skipped()}; traced as skipped), everything else runs as
   * usual. Side effects never change the page, so a shadow request returns the same page as the same
   * request with side effects on. Used by shadow testing to run a copy of the live pipeline without
   * logging impressions or writing to the host's stores twice.
   *
   * @param shadow true for a shadow run
   * @return this context, for chaining
   */
  public RequestContext shadow(boolean shadow) {
    this.shadow = shadow;
    return this;
  }

  /** {@return whether this request is a shadow run (its side effects are skipped)} */
  public boolean shadow() {
    return shadow;
  }

  // ---------------------------------------------------------- request-scoped

  /**
   * Per-stage latency and candidate counts of the last request run with this context (or of the
   * running one, while it runs). The same object every time; overwritten by the next request. Never
   * allocates.
   *
   * @return the context's statistics object, overwritten by each request
   */
  public RequestStats lastRequest() {
    return stats;
  }

  /**
   * The scratch of {@code stage} in this context, for a stage that composes something once per request
   * and exposes it to later stages (e.g. the request's filter, composed by a query hydrator and read by
   * every vector source). Later stages go through the composing stage's own accessor, which calls
   * this; reading another stage's scratch directly is for such accessors only. A linear scan over the
   * pipeline's stages by identity: no allocation.
   *
   * @param <T> the scratch's type, as the stage created it
   * @param stage a stage of this context's pipeline
   * @return its scratch in this context
   * @throws IllegalArgumentException if {@code stage} is not a stage of this context's pipeline
   */
  @SuppressWarnings("unchecked")
  public <T> T scratchOf(Stage stage) {
    final int i = pipeline.indexOf(stage);
    if (i < 0) {
      throw new IllegalArgumentException(stage + " is not a stage of pipeline '" + pipeline.name()
          + "'; add it to the pipeline before the stages that read it");
    }
    return (T) scratch[i];
  }

  /**
   * The number of the running (or last) request of this context: 1 for the first {@link
   * Pipeline#execute}, then one more per request. A stage that leaves per-request state in its
   * scratch stamps it with this number, so a reader can tell this request's state from an earlier
   * one's (e.g. when the stage was skipped or failed this time).
   *
   * @return the request number, 0 before the first request
   */
  public long requestNumber() {
    return generation;
  }

  /**
   * The scratch of the stage currently running ({@link Stage#newScratch()}), or {@code null}. A
   * blocking stage running on the stage pool gets its own scratch here too.
   *
   * @param <T> the scratch's type, as the stage created it
   * @return the running stage's scratch
   */
  @SuppressWarnings("unchecked")
  public <T> T scratch() {
    final Thread self = Thread.currentThread();
    if (self instanceof WorkerPool.WorkerThread) {
      return (T) ((WorkerPool.WorkerThread) self).stageScratch;
    }
    final int s = currentStage;
    return s < 0 ? null : (T) scratch[s];
  }

  /**
   * Marks the running request as served degraded: the stage answered, but from less than it should
   * have (a store that timed out or failed, defaults written in place of fetched values). The page is
   * then {@link PipelineResult#degraded()} and the request counts in {@link
   * MetricsSnapshot#degradedRequests()}. Any stage may call it, from any thread that runs a stage of
   * this request, any number of times; the marks are cleared when the next request starts (a stage
   * abandoned at its deadline that marks after its request ended marks the context's next request,
   * which errs on the side of reporting degradation). Never allocates.
   */
  public void markDegraded() {
    degradedMarks.incrementAndGet();
  }

  /**
   * How many times stages of the running (or last) request called {@link #markDegraded()}; 0 when
   * none did.
   *
   * @return the count of marks
   */
  public int markedDegraded() {
    return degradedMarks.get();
  }

  /** {@return the deadline of the running request, in {@link NanoClock} time} */
  public long deadlineNanos() {
    return deadlineNanos;
  }

  /** {@return the next value of the request's seeded random stream (SplitMix64)} */
  public long randomLong() {
    long z = (random += 0x9E3779B97F4A7C15L);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** {@return a value uniform in {@code [0, 1)} from the request's seeded random stream} */
  public double randomDouble() {
    return (randomLong() >>> 11) * 0x1.0p-53;
  }

  // ----------------------------------------------------------- pipeline side

  void beginRequest(long startNanos) {
    generation++;
    final long t = timeoutNanos;
    deadlineNanos = startNanos + t < startNanos ? Long.MAX_VALUE : startNanos + t;
    tracing = traceNext;
    traceNext = false;
    random = seed;
    degradedMarks.set(0);
    stats.begin();
    batch.clear();
    currentStage = -1;
  }

  Pipeline pipeline() {
    return pipeline;
  }

  /**
   * {@code task} was abandoned while its stage still runs and may still write into what it was
   * given: this context takes a copy of the batch and query features, a fresh scratch for the stage
   * and a fresh task, and leaves the old ones to the hung stage (allocates; a failure path).
   */
  void detachFrom(StageTask task) {
    batch = batch.copy();
    queryFeatures = queryFeatures.clone();
    final ConfiguredStage s = task.stage;
    final Object fresh = s.stage.newScratch();
    scratch[s.index] = fresh;
    stageTasks[s.index] = new StageTask(this, s, fresh, task.clock(), task.bulkhead);
  }

  @Override
  public String toString() {
    return "RequestContext[user=" + userId + ", page=" + pageSize + ", seen=" + seenIds.size()
        + ", queryFeatures=" + Arrays.toString(queryFeatures) + "]";
  }
}
