package dev.trawl.shadow;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Offline shadow testing: replays recorded requests through a baseline and a candidate configuration
 * (and, for the noise floor, through the baseline a second time with another seed) on the calling
 * thread, and returns the report. This is what {@code trawl shadow --requests FILE --baseline CONFIG
 * --candidate CONFIG} calls.
 *
 * <pre>{@code
 * ShadowReport report = ShadowReplay.builder(schema)
 *     .baseline(PipelineLane.replay(baselinePipeline, schema))
 *     .candidate(PipelineLane.replay(candidatePipeline, schema))
 *     .noiseFloor(PipelineLane.replay(baselinePipelineAgain, schema))
 *     .build()
 *     .run(Path.of("requests.trq"));
 * }</pre>
 *
 * <p>{@link PipelineLane}s report each run's stage latencies and rule funnel themselves. Custom
 * lanes whose system only keeps cumulative counters may implement {@link CumulativeStats} to
 * contribute per-window latencies and pooled funnels instead; give each such lane its own instance
 * so their counters do not mix.
 *
 * <p>Runs are sequential on the calling thread, and their order is drawn per request from a seeded
 * generator ({@link Builder#orderSeed}): each of the (up to) six orders of baseline, candidate and
 * A/A re-run is equally likely. A lane that runs first pays for cold caches and, early on, for JIT
 * compilation; with a fixed order that cost would land on one side every time and show up as a latency
 * difference that is not there. Randomised, it spreads evenly over the sides, so it widens the
 * confidence intervals instead of biasing them. {@link Builder#fixedOrder()} restores the fixed order
 * (baseline, candidate, re-run), e.g. to measure the order effect itself.
 *
 * <p><b>Not thread-safe</b>: one replay at a time per instance. <b>Allocation:</b> the comparison path
 * allocates nothing per request; reading the log and building the report allocate.
 */
public final class ShadowReplay {
  private final ShadowSchema schema;
  private final ComparisonConfig config;
  private final FlagPolicy policy;
  private final String title;
  private final BoundLane<RequestRecord, ?> baseline;
  private final BoundLane<RequestRecord, ?> candidate;
  private final BoundLane<RequestRecord, ?> noise;
  private final RunRecord baselineRun;
  private final RunRecord candidateRun;
  private final RunRecord noiseRun;
  private final PairComparison comparison;
  private final LaneStats laneStats;
  private final boolean randomOrder;
  private long orderState;

  private ShadowReplay(Builder b) {
    schema = b.schema;
    config = b.config;
    policy = b.policy;
    title = b.title;
    baseline = BoundLane.bind(b.baseline);
    candidate = BoundLane.bind(b.candidate);
    noise = b.noise == null ? null : BoundLane.bind(b.noise);
    baselineRun = new RunRecord(schema, config.expectedPageSize());
    candidateRun = new RunRecord(schema, config.expectedPageSize());
    noiseRun = new RunRecord(schema, config.expectedPageSize());
    comparison = new PairComparison(schema, config);
    laneStats = LaneStats.of(b.baseline, b.candidate, b.noise);
    randomOrder = b.randomOrder;
    orderState = b.orderSeed;
  }

  /** Adds lane counters since {@code m} (stage latencies, pooled funnels) and builds the report. */
  private ShadowReport finish(ComparisonWindow ab, ComparisonWindow aa, Object[] m) {
    laneStats.addSince(m, ab, aa);
    return ShadowReport.of(title, ab, aa, policy);
  }

  /**
   * Starts a replay.
   *
   * @param schema the names both pipelines are reported under
   * @return a new builder
   */
  public static Builder builder(ShadowSchema schema) {
    return new Builder(schema);
  }

  /**
   * Replays {@code requests} and reports.
   *
   * @param requests the recorded requests, read once in order
   * @return the report of the replay
   */
  public ShadowReport run(Iterable<RequestRecord> requests) {
    final ComparisonWindow ab = new ComparisonWindow(schema, config);
    final ComparisonWindow aa = noise == null ? null : new ComparisonWindow(schema, config);
    final Object[] m = laneStats.mark();
    for (RequestRecord r : requests) {
      replayOne(r, ab, aa);
    }
    return finish(ab, aa, m);
  }

  /**
   * Replays every request of a {@link RequestLog} file and reports.
   *
   * @param requestLog a file written by {@link RequestLog}
   * @return the report of the replay
   * @throws IOException if the file cannot be read or is corrupt
   */
  public ShadowReport run(Path requestLog) throws IOException {
    final ComparisonWindow ab = new ComparisonWindow(schema, config);
    final ComparisonWindow aa = noise == null ? null : new ComparisonWindow(schema, config);
    final RequestRecord r = new RequestRecord();
    final Object[] m = laneStats.mark();
    try (RequestLog.Reader reader = RequestLog.reader(requestLog)) {
      while (reader.next(r)) {
        replayOne(r, ab, aa);
      }
    }
    return finish(ab, aa, m);
  }

  /**
   * Replays one request into the given windows (for callers that manage windows themselves, e.g. a
   * benchmark). Allocation-free when the lanes are.
   *
   * @param request the recorded request
   * @param ab receives the baseline-versus-candidate comparison
   * @param aa receives the A/A comparison, or null without a noise floor
   */
  public void replayOne(RequestRecord request, ComparisonWindow ab, ComparisonWindow aa) {
    final boolean withNoise = noise != null && aa != null;
    baseline.capture(request);
    candidate.capture(request);
    if (withNoise) {
      noise.capture(request);
    }
    final int order = nextOrder(withNoise ? 6 : 2);
    for (int slot = 0; slot < 3; slot++) {
      switch (ORDERS[order][slot]) {
        case 0 -> baseline.run(0L, baselineRun);
        case 1 -> candidate.run(0L, candidateRun);
        default -> {
          if (withNoise) {
            noise.run(ShadowMode.NOISE_SEED_SALT, noiseRun);
          }
        }
      }
    }
    comparison.compare(baselineRun, candidateRun);
    ab.add(comparison);
    if (withNoise) {
      comparison.compare(baselineRun, noiseRun);
      aa.add(comparison);
    }
  }

  /**
   * Run orders of (0 = baseline, 1 = candidate, 2 = A/A re-run); the first two rows are the two
   * orders of a replay without a noise floor (the re-run slot is then skipped).
   */
  private static final int[][] ORDERS = {
    {0, 1, 2}, {1, 0, 2}, {0, 2, 1}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}
  };

  /** The next order index in {@code [0, n)}: SplitMix64, seeded and allocation-free. */
  private int nextOrder(int n) {
    if (!randomOrder) {
      return 0;
    }
    orderState += 0x9E3779B97F4A7C15L;
    long z = orderState;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    z ^= z >>> 31;
    return (int) ((z >>> 1) % n);
  }

  /** Options of a replay; baseline and candidate are required. */
  public static final class Builder {
    private final ShadowSchema schema;
    private ShadowLane<RequestRecord, ?> baseline;
    private ShadowLane<RequestRecord, ?> candidate;
    private ShadowLane<RequestRecord, ?> noise;
    private ComparisonConfig config = ComparisonConfig.defaults();
    private FlagPolicy policy = FlagPolicy.defaults();
    private String title = "replay";
    private boolean randomOrder = true;
    private long orderSeed = 0x5EEDL;

    private Builder(ShadowSchema schema) {
      if (schema == null) {
        throw new IllegalArgumentException("schema must not be null");
      }
      this.schema = schema;
    }

    /**
     * Sets the baseline lane (required).
     *
     * @param lane the baseline pipeline's lane
     * @return this builder, for chaining
     */
    public Builder baseline(ShadowLane<RequestRecord, ?> lane) {
      this.baseline = lane;
      return this;
    }

    /**
     * Sets the candidate lane (required).
     *
     * @param lane the candidate pipeline's lane
     * @return this builder, for chaining
     */
    public Builder candidate(ShadowLane<RequestRecord, ?> lane) {
      this.candidate = lane;
      return this;
    }

    /**
     * The A/A lane: the baseline configuration again (it may be the same lane object as the
     * baseline; it gets its own state and runs with {@link ShadowMode#NOISE_SEED_SALT}).
     *
     * @param lane the A/A lane
     * @return this builder, for chaining
     */
    public Builder noiseFloor(ShadowLane<RequestRecord, ?> lane) {
      this.noise = lane;
      return this;
    }

    /**
     * Sets how pages are compared (default {@link ComparisonConfig#defaults()}).
     *
     * @param config the metrics' parameters
     * @return this builder, for chaining
     */
    public Builder config(ComparisonConfig config) {
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
    public Builder policy(FlagPolicy policy) {
      if (policy == null) {
        throw new IllegalArgumentException("policy must not be null");
      }
      this.policy = policy;
      return this;
    }

    /**
     * Sets the report's title.
     *
     * @param title a non-empty title
     * @return this builder, for chaining
     */
    public Builder title(String title) {
      if (title == null || title.isEmpty()) {
        throw new IllegalArgumentException("title must be non-empty");
      }
      this.title = title;
      return this;
    }

    /**
     * Seed of the per-request run order (default {@code 0x5EED}); the same seed and requests give
     * the same orders. Turns randomised order back on after {@link #fixedOrder()}.
     *
     * @param seed the seed
     * @return this builder, for chaining
     */
    public Builder orderSeed(long seed) {
      this.orderSeed = seed;
      this.randomOrder = true;
      return this;
    }

    /**
     * Runs every request in the fixed order baseline, candidate, A/A re-run. The lane that runs
     * first then pays every order effect (cold caches, JIT) alone; use this only to measure that effect.
     * @return this builder, for chaining
     */
    public Builder fixedOrder() {
      this.randomOrder = false;
      return this;
    }

    /**
     * Builds the replay.
     *
     * @return a new replay
     * @throws IllegalArgumentException if the baseline or candidate lane is missing
     */
    public ShadowReplay build() {
      if (baseline == null || candidate == null) {
        throw new IllegalArgumentException("a replay needs a baseline and a candidate lane");
      }
      return new ShadowReplay(this);
    }
  }
}
