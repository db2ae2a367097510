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
 * <p>Runs are sequential (baseline, candidate, then the A/A re-run, per request), so latencies are
 * measured under the same conditions for all three.
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
  }

  /** Adds lane counters since {@code m} (stage latencies, pooled funnels) and builds the report. */
  private ShadowReport finish(ComparisonWindow ab, ComparisonWindow aa, Object[] m) {
    laneStats.addSince(m, ab, aa);
    return ShadowReport.of(title, ab, aa, policy);
  }

  public static Builder builder(ShadowSchema schema) {
    return new Builder(schema);
  }

  /** Replays {@code requests} and reports. */
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
   */
  public void replayOne(RequestRecord request, ComparisonWindow ab, ComparisonWindow aa) {
    baseline.capture(request);
    candidate.capture(request);
    baseline.run(0L, baselineRun);
    candidate.run(0L, candidateRun);
    comparison.compare(baselineRun, candidateRun);
    ab.add(comparison);
    if (noise != null && aa != null) {
      noise.capture(request);
      noise.run(ShadowMode.NOISE_SEED_SALT, noiseRun);
      comparison.compare(baselineRun, noiseRun);
      aa.add(comparison);
    }
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

    private Builder(ShadowSchema schema) {
      if (schema == null) {
        throw new IllegalArgumentException("schema must not be null");
      }
      this.schema = schema;
    }

    public Builder baseline(ShadowLane<RequestRecord, ?> lane) {
      this.baseline = lane;
      return this;
    }

    public Builder candidate(ShadowLane<RequestRecord, ?> lane) {
      this.candidate = lane;
      return this;
    }

    /**
     * The A/A lane: the baseline configuration again (it may be the same lane object as the
     * baseline; it gets its own state and runs with {@link ShadowMode#NOISE_SEED_SALT}).
     */
    public Builder noiseFloor(ShadowLane<RequestRecord, ?> lane) {
      this.noise = lane;
      return this;
    }

    public Builder config(ComparisonConfig config) {
      if (config == null) {
        throw new IllegalArgumentException("config must not be null");
      }
      this.config = config;
      return this;
    }

    public Builder policy(FlagPolicy policy) {
      if (policy == null) {
        throw new IllegalArgumentException("policy must not be null");
      }
      this.policy = policy;
      return this;
    }

    public Builder title(String title) {
      if (title == null || title.isEmpty()) {
        throw new IllegalArgumentException("title must be non-empty");
      }
      this.title = title;
      return this;
    }

    /** @throws IllegalArgumentException if the baseline or candidate lane is missing */
    public ShadowReplay build() {
      if (baseline == null || candidate == null) {
        throw new IllegalArgumentException("a replay needs a baseline and a candidate lane");
      }
      return new ShadowReplay(this);
    }
  }
}
