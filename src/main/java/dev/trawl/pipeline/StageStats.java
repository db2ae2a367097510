package dev.trawl.pipeline;

import org.HdrHistogram.Histogram;

/**
 * A point-in-time copy of one stage's counters and latency distribution (cumulative since the pipeline
 * was built), for the host to export to its metrics system. Latencies are read through primitive
 * accessors ({@link #latencyAtPercentile}, {@link #latencyCountAtOrBelow} for histogram buckets,
 * {@link #latencyMax}, {@link #latencyCount}); the histogram behind them (HdrHistogram, 2 significant
 * digits, up to 60 s) is not part of the API. For the whole-request entry
 * ({@link MetricsSnapshot#request()}), {@code calls} counts requests, {@code failures} failed
 * requests and {@code skipped} requests a pipeline gate turned off. Immutable; allocated per snapshot.
 */
public final class StageStats {
  private final String name;
  private final StageKind kind;
  private final long calls;
  private final long skipped;
  private final long failures;
  private final long timeouts;
  private final long candidatesIn;
  private final long candidatesOut;
  private final long invalid;
  private final long duplicates;
  private final long totalNanos;
  private final long hung;
  private final long rejected;
  private final int stillHung;
  private final long deferred;
  private final Histogram latency;

  StageStats(String name, StageKind kind, long calls, long skipped, long failures, long timeouts,
      long candidatesIn, long candidatesOut, long invalid, long duplicates, long totalNanos,
      long hung, long rejected, int stillHung, long deferred, Histogram latency) {
    this.name = name;
    this.kind = kind;
    this.calls = calls;
    this.skipped = skipped;
    this.failures = failures;
    this.timeouts = timeouts;
    this.candidatesIn = candidatesIn;
    this.candidatesOut = candidatesOut;
    this.invalid = invalid;
    this.duplicates = duplicates;
    this.totalNanos = totalNanos;
    this.hung = hung;
    this.rejected = rejected;
    this.stillHung = stillHung;
    this.deferred = deferred;
    this.latency = latency;
  }

  /** {@return the stage's name (the pipeline's for the whole-request entry)} */
  public String name() {
    return name;
  }

  /** {@return the stage's kind, or {@code null} for the whole-request entry} */
  public StageKind kind() {
    return kind;
  }

  /** {@return the times the stage ran (including runs that failed or timed out)} */
  public long calls() {
    return calls;
  }

  /** {@return the times a gate, or the request deadline, skipped the stage} */
  public long skipped() {
    return skipped;
  }

  /** {@return the times the stage threw} */
  public long failures() {
    return failures;
  }

  /**
   * Times a source missed its timeout (or the deadline), or a blocking stage the deadline, and the
   * request stopped waiting for it.
   *
   * @return the count of such calls, cumulative
   */
  public long timeouts() {
    return timeouts;
  }

  /** {@return the candidates the stage received (for sources: the candidates it produced)} */
  public long candidatesIn() {
    return candidatesIn;
  }

  /**
   * {@return the candidates the stage passed on (for sources: the candidates merged into the
   * batch)}
   */
  public long candidatesOut() {
    return candidatesOut;
  }

  /** {@return the candidates removed ({@code in - out}): for rules, what they removed} */
  public long removed() {
    return candidatesIn - candidatesOut;
  }

  /**
   * Calls abandoned at their timeout or the request deadline while still running (a source, or a
   * stage that {@linkplain Stage#mayBlock() may block}); cumulative.
   *
   * @return the count of abandoned calls
   */
  public long hung() {
    return hung;
  }

  /**
   * Calls refused without running: the stage already had
   * {@linkplain PipelineBuilder#hungStageLimit(int) the limit} of hung calls still running, its
   * queue behind its {@linkplain PipelineBuilder#threadsPerBlockingStage(int) running calls} was
   * full, or the worker pool refused the task (closed or full, also when a queued call is handed
   * over). Each counts as a failure of the stage too.
   *
   * @return the count of refused calls
   */
  public long rejected() {
    return rejected;
  }

  /**
   * {@return the hung calls whose work had not returned yet when the snapshot was taken (a gauge)}
   */
  public int stillHung() {
    return stillHung;
  }

  /**
   * Calls of a stage that {@linkplain Stage#mayBlock() may block} that found it already running on
   * {@linkplain PipelineBuilder#threadsPerBlockingStage(int) its share of the stage pool} and were
   * queued behind its running calls until one returned (cumulative; 0 for other stages). A call that
   * is still queued at its request's deadline is abandoned without running and also counted in
   * {@link #timeouts()}.
   *
   * @return the count of queued calls
   */
  public long deferred() {
    return deferred;
  }

  /**
   * Candidates dropped for an invalid value: from a source, an invalid id or a NaN or infinite score; after a
   * scorer, a NaN or infinite score.
   *
   * @return the count of dropped candidates
   */
  public long invalid() {
    return invalid;
  }

  /**
   * {@return the candidates a source returned that an earlier source (or itself) had already
   * returned}
   */
  public long duplicates() {
    return duplicates;
  }

  /** {@return the sum of the stage's latencies in nanoseconds} */
  public long totalNanos() {
    return totalNanos;
  }

  /**
   * The latency, in nanoseconds, at or below which {@code percentile} percent of the recorded calls
   * fall (0 when nothing was recorded).
   *
   * @param percentile the percentile, 0 to 100
   * @return the latency in nanoseconds
   * @throws IllegalArgumentException unless {@code 0 <= percentile <= 100}
   */
  public long latencyAtPercentile(double percentile) {
    if (!(percentile >= 0 && percentile <= 100)) {
      throw new IllegalArgumentException("percentile must be in [0, 100], got " + percentile);
    }
    return latency.getValueAtPercentile(percentile);
  }

  /**
   * Recorded calls whose latency was at most {@code nanos} (within the histogram's 2 significant
   * digits): the cumulative count of a histogram bucket with that upper bound, for exporters.
   *
   * @param nanos the bucket's upper bound in nanoseconds
   * @return the cumulative count
   */
  public long latencyCountAtOrBelow(long nanos) {
    return nanos < 0 ? 0 : latency.getCountBetweenValues(0, nanos);
  }

  /** {@return the calls whose latency was recorded} */
  public long latencyCount() {
    return latency.getTotalCount();
  }

  /** {@return the largest recorded latency in nanoseconds (0 when nothing was recorded)} */
  public long latencyMax() {
    return latency.getTotalCount() == 0 ? 0 : latency.getMaxValue();
  }

  @Override
  public String toString() {
    return name + (kind == null ? "" : " (" + kind + ")") + ": calls=" + calls + " skipped=" + skipped
        + " failures=" + failures + " timeouts=" + timeouts + " in=" + candidatesIn + " out="
        + candidatesOut + " invalid=" + invalid + " duplicates=" + duplicates + " hung=" + hung
        + " rejected=" + rejected + " deferred=" + deferred + " p50="
        + latencyAtPercentile(50) + "ns p99=" + latencyAtPercentile(99) + "ns";
  }
}
