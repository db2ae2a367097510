package dev.trawl.shadow;

import dev.trawl.shadow.metrics.RunningStat;
import java.util.Arrays;
import org.HdrHistogram.Histogram;

/**
 * What one pipeline saw and answered over a window of time, for drift monitoring
 * ({@link DriftReport}): the score histogram of its pages (on the {@link ComparisonConfig}'s fixed
 * bins), the source mix and page size per request, outcomes, end-to-end latency (HdrHistogram, 2
 * significant digits, plus mean), and the mean and variance of every query-vector component.
 *
 * <p><b>Thread-safe</b>: the {@code add} methods and {@link #copy} synchronise on the window
 * (uncontended when one thread feeds it; a lock costs no allocation). <b>Allocation:</b>
 * {@link #add(RunRecord)} and {@link #addQuery} allocate nothing; {@link #copy} allocates a full copy.
 */
public final class DriftWindow {
  private final ShadowSchema schema;
  private final ComparisonConfig config;
  private final int dimension;
  private long requests;
  private long queries;
  final RunningStat pageSize = new RunningStat();
  final RunningStat failed = new RunningStat();
  final RunningStat timedOut = new RunningStat();
  final RunningStat latencyMicros = new RunningStat();
  final RunningStat[] shares;
  final RunningStat[] features;
  final long[] scores;
  final Histogram latency;
  private final double[] shareScratch;

  /**
   * An empty window for runs under {@code schema}, scores binned by {@code config}, and query vectors
   * of {@code dimension} components ({@code 0}: queries are not tracked).
   *
   * @param schema the names runs are reported under
   * @param config the metrics' parameters
   * @param dimension the query components tracked, 0 or more
   * @throws IllegalArgumentException if {@code dimension < 0}
   */
  public DriftWindow(ShadowSchema schema, ComparisonConfig config, int dimension) {
    if (schema == null || config == null) {
      throw new IllegalArgumentException("schema and config are required");
    }
    if (dimension < 0) {
      throw new IllegalArgumentException("dimension must be >= 0, got " + dimension);
    }
    this.schema = schema;
    this.config = config;
    this.dimension = dimension;
    shares = stats(schema.sourceCount());
    features = stats(dimension);
    scores = new long[config.scoreBins().count()];
    latency = new Histogram(config.highestLatencyNanos(), 2);
    shareScratch = new double[schema.sourceCount()];
  }

  /**
   * {@return the schema runs are reported under}
   */
  public ShadowSchema schema() {
    return schema;
  }

  /**
   * {@return the metrics' parameters}
   */
  public ComparisonConfig config() {
    return config;
  }

  /** {@return components of the tracked query vectors, {@code 0} when queries are not tracked} */
  public int dimension() {
    return dimension;
  }

  /**
   * Folds in one run of the pipeline: outcome and latency always, page metrics when it answered.
   *
   * @param run a run; read during the call only
   * @throws IllegalArgumentException if the record belongs to another schema
   */
  public synchronized void add(RunRecord run) {
    if (run.schema() != schema) {
      throw new IllegalArgumentException("the record belongs to another schema than this window's " + schema);
    }
    requests++;
    failed.add(run.outcome() == RunRecord.FAILED ? 1 : 0);
    timedOut.add(run.timedOut() ? 1 : 0);
    final long nanos = Math.min(config.highestLatencyNanos(), Math.max(0, run.totalNanos()));
    latency.recordValue(nanos);
    latencyMicros.add(nanos / 1000.0);
    if (run.outcome() != RunRecord.OK) {
      return;
    }
    final int n = run.size();
    pageSize.add(n);
    if (n == 0) {
      return;
    }
    Arrays.fill(shareScratch, 0);
    for (int i = 0; i < n; i++) {
      shareScratch[run.source(i)]++;
      scores[config.scoreBins().index(run.score(i))]++;
    }
    for (int s = 0; s < shares.length; s++) {
      shares[s].add(shareScratch[s] / n);
    }
  }

  /**
   * Folds in one query vector (its first {@code dimension} components).
   *
   * @param vector a query vector; read during the call only
   * @throws IllegalArgumentException if {@code vector} is shorter than the window's dimension
   */
  public synchronized void addQuery(float[] vector) {
    if (vector.length < dimension) {
      throw new IllegalArgumentException("query has " + vector.length + " components, the window tracks "
          + dimension);
    }
    queries++;
    for (int d = 0; d < dimension; d++) {
      features[d].add(vector[d]);
    }
  }

  /**
   * Runs folded in.
   *
   * @return the number of runs folded in
   */
  public synchronized long requests() {
    return requests;
  }

  /** {@return query vectors folded in} */
  public synchronized long queries() {
    return queries;
  }

  /** {@return a consistent copy (allocates)} */
  public synchronized DriftWindow copy() {
    final DriftWindow c = new DriftWindow(schema, config, dimension);
    c.requests = requests;
    c.queries = queries;
    c.pageSize.copyFrom(pageSize);
    c.failed.copyFrom(failed);
    c.timedOut.copyFrom(timedOut);
    c.latencyMicros.copyFrom(latencyMicros);
    for (int s = 0; s < shares.length; s++) {
      c.shares[s].copyFrom(shares[s]);
    }
    for (int d = 0; d < dimension; d++) {
      c.features[d].copyFrom(features[d]);
    }
    System.arraycopy(scores, 0, c.scores, 0, scores.length);
    c.latency.add(latency);
    return c;
  }

  private static RunningStat[] stats(int n) {
    final RunningStat[] out = new RunningStat[n];
    for (int i = 0; i < n; i++) {
      out[i] = new RunningStat();
    }
    return out;
  }
}
