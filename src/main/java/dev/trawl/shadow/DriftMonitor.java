package dev.trawl.shadow;

/**
 * Watches a live pipeline for drift: the runs (and query vectors) it is fed go into a current
 * {@link DriftWindow}; {@link #rotate()} makes the current window the reference and starts a new one,
 * and {@link #report()} compares the two ({@link DriftReport}). Feed it the primary's runs that the
 * shadow sampler copied ({@link RunRecord}s), e.g. from a {@link PrimaryRecorder}'s output on the
 * sampled requests, so the request path pays nothing when a request is not sampled.
 *
 * <pre>{@code
 * DriftMonitor drift = new DriftMonitor(schema, ComparisonConfig.defaults(), 128, FlagPolicy.defaults());
 * // per sampled request (any thread):
 * drift.record(run);
 * drift.recordQuery(queryVector);
 * // on a timer (e.g. daily): compare with yesterday, then roll over
 * DriftReport report = drift.report();
 * drift.rotate();
 * }</pre>
 *
 * <p><b>Thread-safe.</b> <b>Allocation:</b> {@link #record} and {@link #recordQuery} allocate nothing
 * (they lock the current window, uncontended with one feeding thread); {@link #rotate} allocates one
 * window and {@link #report} copies both. A record racing with {@code rotate} may land in either
 * window.
 */
public final class DriftMonitor {
  private final ShadowSchema schema;
  private final ComparisonConfig config;
  private final int dimension;
  private final FlagPolicy policy;
  private volatile DriftWindow reference;
  private volatile DriftWindow current;

  /**
   * A monitor with empty windows; {@code dimension} query components are tracked ({@code 0}: none).
   *
   * @param schema the names the pipeline's runs are reported under
   * @param config the metrics' parameters
   * @param dimension the query components tracked, 0 or more
   * @param policy decides the verdicts
   * @throws IllegalArgumentException on a missing argument or a negative dimension
   */
  public DriftMonitor(ShadowSchema schema, ComparisonConfig config, int dimension, FlagPolicy policy) {
    if (policy == null) {
      throw new IllegalArgumentException("policy must not be null");
    }
    this.schema = schema;
    this.config = config;
    this.dimension = dimension;
    this.policy = policy;
    this.reference = new DriftWindow(schema, config, dimension);
    this.current = new DriftWindow(schema, config, dimension);
  }

  /**
   * Folds a run into the current window; allocation-free.
   *
   * @param run a run of the pipeline; read during the call only
   */
  public void record(RunRecord run) {
    current.add(run);
  }

  /**
   * Folds a query vector into the current window; allocation-free.
   *
   * @param vector the request's query vector; read during the call only
   */
  public void recordQuery(float[] vector) {
    current.addQuery(vector);
  }

  /** The current window becomes the reference; a new, empty current window starts. Allocates. */
  public synchronized void rotate() {
    reference = current;
    current = new DriftWindow(schema, config, dimension);
  }

  /**
   * Replaces the reference with a copy of {@code window} (e.g. the window the pipeline was tuned
   * on).
   *
   * @param window the reference population; copied
   */
  public synchronized void reference(DriftWindow window) {
    if (window.schema() != schema || window.config() != config || window.dimension() != dimension) {
      throw new IllegalArgumentException("the reference window must share schema, config and dimension");
    }
    reference = window.copy();
  }

  /** {@return a new report comparing the current window against the reference (allocates)} */
  public DriftReport report() {
    return DriftReport.of("drift", reference, current, policy);
  }
}
