package dev.trawl.pipeline;

import java.util.Collections;
import java.util.List;

/**
 * A point-in-time copy of a pipeline's metrics: one {@link StageStats} per stage (declaration order,
 * execution phases as in {@link Pipeline}), plus the whole request. Immutable; allocated per
 * snapshot, never on the request path.
 */
public final class MetricsSnapshot {
  private final StageStats request;
  private final List<StageStats> stages;
  private final long degradedRequests;

  MetricsSnapshot(StageStats request, List<StageStats> stages, long degradedRequests) {
    this.request = request;
    this.stages = Collections.unmodifiableList(stages);
    this.degradedRequests = degradedRequests;
  }

  /**
   * {@return the whole request's statistics: calls = requests, failures = failed requests, latency
   * = end to end}
   */
  public StageStats request() {
    return request;
  }

  /** {@return the requests served with at least one optional stage failed, timed out or skipped} */
  public long degradedRequests() {
    return degradedRequests;
  }

  /** {@return every stage's statistics, in declaration order (an unmodifiable list)} */
  public List<StageStats> stages() {
    return stages;
  }

  /**
   * The stats of the stage called {@code name}.
   *
   * @param name a stage's name
   * @return its statistics
   * @throws IllegalArgumentException if there is no such stage
   */
  public StageStats stage(String name) {
    for (StageStats s : stages) {
      if (s.name().equals(name)) {
        return s;
      }
    }
    throw new IllegalArgumentException("no stage named '" + name + "'");
  }

  /**
   * The pipeline's own share of the request time: {@code 1 - sum(stage time) / request time}. Source
   * times are summed as if sequential, so with parallel sources this understates the overhead.
   *
   * @return the fraction, at most 1 (can be negative with parallel sources)
   */
  public double overheadFraction() {
    long stageNanos = 0;
    for (StageStats s : stages) {
      stageNanos += s.totalNanos();
    }
    final long total = request.totalNanos();
    return total == 0 ? 0 : 1.0 - (double) stageNanos / total;
  }

  @Override
  public String toString() {
    final StringBuilder b = new StringBuilder(request.toString()).append(" degraded=").append(degradedRequests);
    for (StageStats s : stages) {
      b.append('\n').append("  ").append(s);
    }
    return b.toString();
  }
}
