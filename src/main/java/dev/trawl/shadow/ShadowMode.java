package dev.trawl.shadow;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * In-process shadow testing: after the primary pipeline has answered a request, the host offers the
 * request and its answer here; a sampled fraction is copied into a pre-allocated job and run through
 * the candidate lane (and, for the noise floor, through a second instance of the primary with another
 * seed) on this object's own worker threads, and the two answers are compared into a window.
 *
 * <pre>{@code
 * ShadowMode<RequestContext, PipelineResult> shadow = ShadowMode
 *     .builder(schema, recorder, candidateLane)
 *     .noiseFloor(primaryCloneLane)   // optional A/A
 *     .sampleRate(0.05).queueCapacity(32).build();
 * // request thread, after answering:
 * shadow.offer(ctx, result, elapsedNanos);
 * // any thread, e.g. every minute:
 * ShadowReport report = shadow.rollWindow();
 * }</pre>
 *
 * <h2>The primary is never affected</h2>
 * {@link #offer} never blocks and never throws: when every job is in flight (the bounded queue is
 * full) the sampled request is dropped and counted; an exception while capturing is caught and
 * counted. The primary's request and result are only read, during {@code offer}. Candidate runs
 * happen on the shadow workers, so a slow candidate only delays other shadow runs (and so causes
 * drops), and a throwing one is recorded as a failed run.
 *
 * <h2>Seeds and side effects</h2>
 * The candidate runs with the primary's seed (salt 0), so stochastic stages draw the same numbers;
 * the A/A re-run uses {@link #NOISE_SEED_SALT}. Lanes must suppress side effects (see
 * {@link ShadowLane}).
 *
 * <p><b>Thread-safe</b>: any number of request threads may call {@link #offer}; the sample rate is
 * settable at run time. <b>Allocation:</b> {@code offer} allocates nothing (sampling uses
 * {@link ThreadLocalRandom}; jobs, queues and records are pre-allocated), provided the recorder and
 * the lanes' {@code capture} do not. A worker allocates nothing per job in steady state provided the
 * lanes' {@code run} does not. Reports allocate. {@link #close} stops the workers.
 */
public final class ShadowMode<H, R> implements AutoCloseable {
  /** XOR-ed into the request seed for the A/A re-run, so its stochastic stages draw other numbers. */
  public static final long NOISE_SEED_SALT = 0x9E3779B97F4A7C15L;

  private final ShadowSchema schema;
  private final ComparisonConfig config;
  private final FlagPolicy policy;
  private final String title;
  private final PrimaryRecorder<H, R> recorder;
  private final JobPool<Job<H>> jobs;
  private final AtomicLong sampled = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong completed = new AtomicLong();
  private final AtomicLong candidateFailures = new AtomicLong();
  private volatile double sampleRate;
  private volatile ComparisonWindow ab;
  private volatile ComparisonWindow aa;
  private final LaneStats laneStats;
  private volatile Object[] marks;
  /** {@link #fill}, kept so that an offer allocates nothing. */
  private final JobPool.Filler<Job<H>, H, R> filler = this::fill;

  /** One in-flight request: the primary's answer and each lane's state and answer. */
  private static final class Job<H> {
    final RunRecord primary;
    final BoundLane<H, ?> candidate;
    final RunRecord candidateRun;
    final BoundLane<H, ?> rerun;
    final RunRecord rerunRun;
    final PairComparison comparison;

    Job(ShadowSchema schema, ComparisonConfig config, BoundLane<H, ?> candidate, BoundLane<H, ?> rerun) {
      final int pageSize = config.expectedPageSize();
      this.primary = new RunRecord(schema, pageSize);
      this.candidate = candidate;
      this.candidateRun = new RunRecord(schema, pageSize);
      this.rerun = rerun;
      this.rerunRun = rerun == null ? null : new RunRecord(schema, pageSize);
      this.comparison = new PairComparison(schema, config);
    }
  }

  private ShadowMode(Builder<H, R> b) {
    schema = b.schema;
    config = b.config;
    policy = b.policy;
    title = b.title;
    recorder = b.recorder;
    sampleRate = b.sampleRate;
    ab = new ComparisonWindow(schema, config);
    aa = b.noiseLane == null ? null : new ComparisonWindow(schema, config);
    final List<Job<H>> all = new ArrayList<>(b.queueCapacity);
    for (int i = 0; i < b.queueCapacity; i++) {
      all.add(new Job<>(schema, config, BoundLane.bind(b.candidateLane),
          b.noiseLane == null ? null : BoundLane.bind(b.noiseLane)));
    }
    // the primary's own counters if its recorder keeps them, else the A/A instance's (same config)
    laneStats = LaneStats.of(b.recorder instanceof CumulativeStats ? b.recorder : b.noiseLane,
        b.candidateLane, b.noiseLane);
    marks = laneStats.mark();
    jobs = new JobPool<>(all, b.workers, "trawl-shadow-" + title, this::process);
  }

  /** Builds a report from copies of the windows plus what the lanes' own counters grew since {@code m}. */
  private ShadowReport build(ComparisonWindow abWindow, ComparisonWindow aaWindow, Object[] m) {
    final ComparisonWindow abCopy = abWindow.copy();
    final ComparisonWindow aaCopy = aaWindow == null ? null : aaWindow.copy();
    laneStats.addSince(m, abCopy, aaCopy);
    return ShadowReport.of(title, abCopy, aaCopy, policy);
  }

  /**
   * Starts a builder.
   *
   * @param schema the names both pipelines are reported under
   * @param recorder copies the primary's answer
   * @param candidate the candidate lane
   * @param <H> the host's request type
   * @param <R> the host's result type
   * @return a new builder
   */
  public static <H, R> Builder<H, R> builder(
      ShadowSchema schema, PrimaryRecorder<H, R> recorder, ShadowLane<H, ?> candidate) {
    return new Builder<>(schema, recorder, candidate);
  }

  /**
   * Offers a request the primary has answered in {@code primaryNanos}. Samples it with the current
   * rate; if sampled and a job is free, copies it and queues it for the shadow workers, else counts a
   * drop. Never blocks, never throws, allocates nothing.
   *
   * @param request the host's request, read during the call only
   * @param result the primary's answer, read during the call only
   * @param primaryNanos the primary's latency in nanoseconds
   * @return whether the request was queued for shadowing
   */
  public boolean offer(H request, R result, long primaryNanos) {
    final int outcome = jobs.offer(sampleRate, filler, request, result, primaryNanos);
    if (outcome == JobPool.NOT_SAMPLED) {
      return false;
    }
    sampled.incrementAndGet();
    if (outcome == JobPool.FULL) {
      dropped.incrementAndGet();
      ab.recordDropped();
    }
    return outcome == JobPool.QUEUED_JOB;
  }

  /** Copies an offered request and the primary's answer into a job, on the request thread. */
  private void fill(Job<H> job, H request, R result, long primaryNanos) {
    job.primary.clear();
    recorder.record(request, result, job.primary);
    job.primary.totalNanos(primaryNanos);
    job.candidate.capture(request);
    if (job.rerun != null) {
      job.rerun.capture(request);
    }
  }

  /**
   * The fraction of offered requests to shadow, in [0, 1]. Takes effect for the next offer.
   *
   * @param rate the fraction, in [0, 1]
   */
  public void sampleRate(double rate) {
    sampleRate = JobPool.checkRate(rate);
  }

  /**
   * {@return the fraction of offered requests shadowed now}
   */
  public double sampleRate() {
    return sampleRate;
  }

  /** {@return requests sampled (queued or dropped) since the start} */
  public long sampled() {
    return sampled.get();
  }

  /** {@return sampled requests dropped because every job was in flight, since the start} */
  public long dropped() {
    return dropped.get();
  }

  /** {@return sampled requests whose capture threw (and were not shadowed), since the start} */
  public long captureFailures() {
    return jobs.fillFailures();
  }

  /** {@return shadow jobs finished (compared) since the start} */
  public long completed() {
    return completed.get();
  }

  /** {@return candidate runs that threw, since the start} */
  public long candidateFailures() {
    return candidateFailures.get();
  }

  /**
   * {@return jobs whose comparison itself threw (a bug; they are in no window), since the start}
   */
  public long workerErrors() {
    return jobs.handlerErrors();
  }

  /** {@return a report of the current window (which keeps accumulating)} */
  public synchronized ShadowReport report() {
    return build(ab, aa, marks);
  }

  /**
   * Closes the current window: returns its report and starts an empty one. Jobs in flight at the
   * switch may still land in the old window; they are then in neither report.
   *
   * @return the report of the window just closed
   */
  public synchronized ShadowReport rollWindow() {
    // cumulative counters are marked at the switch; runs in flight then land on either side
    final ComparisonWindow oldAb = ab;
    final ComparisonWindow oldAa = aa;
    final Object[] oldMarks = marks;
    final Object[] newMarks = laneStats.mark();
    ab = new ComparisonWindow(schema, config);
    aa = oldAa == null ? null : new ComparisonWindow(schema, config);
    marks = newMarks;
    return build(oldAb, oldAa, oldMarks);
  }

  /**
   * Waits until no job is queued or running (for tests, tools and shutdown).
   *
   * @param timeout how long to wait at most
   * @param unit the unit of {@code timeout}
   * @return whether it became idle within the timeout
   * @throws InterruptedException if the thread is interrupted while waiting
   */
  public boolean awaitIdle(long timeout, TimeUnit unit) throws InterruptedException {
    return jobs.awaitIdle(timeout, unit);
  }

  /** {@return thread ids of the shadow workers (for allocation measurements)} */
  public long[] workerThreadIds() {
    return jobs.workerThreadIds();
  }

  /** Stops the workers; queued jobs are abandoned. Offers after close are counted as dropped. */
  @Override
  public void close() {
    jobs.close();
  }

  /** Runs on a shadow worker: both lanes, then the comparisons. */
  private void process(Job<H> job) {
    final ComparisonWindow abWindow = ab;
    final ComparisonWindow aaWindow = aa;
    final PairComparison comparison = job.comparison;
    if (job.candidate.run(0L, job.candidateRun)) {
      candidateFailures.incrementAndGet();
    }
    comparison.compare(job.primary, job.candidateRun);
    abWindow.add(comparison);
    if (job.rerun != null && aaWindow != null) {
      job.rerun.run(NOISE_SEED_SALT, job.rerunRun);
      comparison.compare(job.primary, job.rerunRun);
      aaWindow.add(comparison);
    }
    completed.incrementAndGet();
  }

  /** Options of a {@link ShadowMode}; each setter validates its argument. */
  public static final class Builder<H, R> {
    private final ShadowSchema schema;
    private final PrimaryRecorder<H, R> recorder;
    private final ShadowLane<H, ?> candidateLane;
    private ShadowLane<H, ?> noiseLane;
    private ComparisonConfig config = ComparisonConfig.defaults();
    private FlagPolicy policy = FlagPolicy.defaults();
    private String title = "shadow";
    private double sampleRate = 0.01;
    private int queueCapacity = 16;
    private int workers = 1;

    private Builder(ShadowSchema schema, PrimaryRecorder<H, R> recorder, ShadowLane<H, ?> candidate) {
      if (schema == null || recorder == null || candidate == null) {
        throw new IllegalArgumentException("schema, primary recorder and candidate lane are required");
      }
      this.schema = schema;
      this.recorder = recorder;
      this.candidateLane = candidate;
    }

    /**
     * Adds the A/A noise floor: a second instance of the primary, run with another seed.
     *
     * @param primaryAgain a lane running the primary's configuration
     * @return this builder, for chaining
     */
    public Builder<H, R> noiseFloor(ShadowLane<H, ?> primaryAgain) {
      this.noiseLane = primaryAgain;
      return this;
    }

    /**
     * Sets how pages are compared (default {@link ComparisonConfig#defaults()}).
     *
     * @param config the metrics' parameters
     * @return this builder, for chaining
     */
    public Builder<H, R> config(ComparisonConfig config) {
      if (config == null) {
        throw new IllegalArgumentException("config must not be null");
      }
      this.config = config;
      return this;
    }

    /**
     * Sets how verdicts are decided (default {@link FlagPolicy#defaults()}).
     *
     * @param policy the verdict policy
     * @return this builder, for chaining
     */
    public Builder<H, R> policy(FlagPolicy policy) {
      if (policy == null) {
        throw new IllegalArgumentException("policy must not be null");
      }
      this.policy = policy;
      return this;
    }

    /**
     * Sets the reports' title.
     *
     * @param title a non-empty title
     * @return this builder, for chaining
     */
    public Builder<H, R> title(String title) {
      if (title == null || title.isEmpty()) {
        throw new IllegalArgumentException("title must be non-empty");
      }
      this.title = title;
      return this;
    }

    /**
     * Initial sample rate in [0, 1] (default 0.01); change it later with {@link
     * ShadowMode#sampleRate(double)}.
     *
     * @param rate the fraction, in [0, 1]
     * @return this builder, for chaining
     */
    public Builder<H, R> sampleRate(double rate) {
      this.sampleRate = JobPool.checkRate(rate);
      return this;
    }

    /**
     * Jobs that may be queued or running at once (default 16); beyond it, samples are dropped.
     *
     * @param jobs the jobs, positive
     * @return this builder, for chaining
     */
    public Builder<H, R> queueCapacity(int jobs) {
      if (jobs < 1) {
        throw new IllegalArgumentException("queue capacity must be >= 1, got " + jobs);
      }
      this.queueCapacity = jobs;
      return this;
    }

    /**
     * Shadow worker threads (default 1: shadowing should use little of the host's CPU).
     *
     * @param threads the worker threads, positive
     * @return this builder, for chaining
     */
    public Builder<H, R> workers(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("workers must be >= 1, got " + threads);
      }
      this.workers = threads;
      return this;
    }

    /**
     * Builds and starts the workers.
     *
     * @return a new, running shadow mode; close it to stop the workers
     */
    public ShadowMode<H, R> build() {
      return new ShadowMode<>(this);
    }
  }
}
