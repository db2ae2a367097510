package dev.trawl.shadow;

import dev.trawl.shadow.metrics.BinnedDistance;
import dev.trawl.shadow.metrics.RunningStat;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Drift over time: a reference {@link DriftWindow} (what the pipeline saw when it was tuned, or last
 * week) against a current one, with a {@link Verdict} per metric under a {@link FlagPolicy}: score
 * distribution (PSI, KS), source mix, page size, latency (mean, p50, p99), error rates and the mean of
 * every query-vector component (standardised by the reference's standard deviation).
 *
 * <p>The two windows are independent samples, so every interval is a two-sample one ({@code
 * hypot(se_ref, se_cur)}; bootstrap for latency quantiles); Bonferroni runs over all metrics tested,
 * query components included, so a 256-dimensional query adds 256 tests and the bar rises
 * accordingly. Query components whose verdict is {@link Verdict#SAME} are left out of {@link #rows()}
 * (their count is {@link #featuresTested()}).
 *
 * <p><b>Immutable and thread-safe</b> (it copies the windows). <b>Allocation:</b> building and rendering
 * allocate; they are off the request path.
 */
public final class DriftReport {
  private final String title;
  private final DriftWindow reference;
  private final DriftWindow current;
  private final FlagPolicy policy;
  private final List<MetricRow> rows;
  private int metricsTested;
  private int featuresTested;

  private DriftReport(String title, DriftWindow reference, DriftWindow current, FlagPolicy policy) {
    this.title = title;
    this.reference = reference;
    this.current = current;
    this.policy = policy;
    this.rows = Collections.unmodifiableList(buildRows());
  }

  /**
   * The drift of {@code current} from {@code reference}.
   *
   * @param title the report's title
   * @param reference the window of the reference population
   * @param current the window of the current population
   * @param policy decides the verdicts
   * @return a new, immutable report
   * @throws IllegalArgumentException if an argument is missing or the windows differ in schema,
   *     score bins or query dimension
   */
  public static DriftReport of(String title, DriftWindow reference, DriftWindow current, FlagPolicy policy) {
    if (title == null || reference == null || current == null || policy == null) {
      throw new IllegalArgumentException("title, both windows and the policy are required");
    }
    if (reference.schema() != current.schema() || reference.config() != current.config()
        || reference.dimension() != current.dimension()) {
      throw new IllegalArgumentException("reference and current windows must share schema, config and dimension");
    }
    return new DriftReport(title, reference.copy(), current.copy(), policy);
  }

  /**
   * {@return the report's title}
   */
  public String title() {
    return title;
  }

  /** {@return every metric, except query components without drift} */
  public List<MetricRow> rows() {
    return rows;
  }

  /** {@return the metrics that drifted (verdict a change)} */
  public List<MetricRow> drifted() {
    return VerdictRows.changed(rows);
  }

  /**
   * {@return whether any metric drifted (its verdict is a change)}
   */
  public boolean hasDrift() {
    return !drifted().isEmpty();
  }

  /**
   * The row named {@code name}.
   *
   * @param name a metric's name
   * @return its row
   * @throws IllegalArgumentException if there is none (a query component without drift has none)
   */
  public MetricRow row(String name) {
    final MetricRow r = VerdictRows.find(rows, name);
    if (r == null) {
      throw new IllegalArgumentException("no metric named '" + name + "' in this drift report");
    }
    return r;
  }

  /**
   * {@return the requests in the reference window}
   */
  public long referenceRequests() {
    return reference.requests();
  }

  /**
   * {@return the requests in the current window}
   */
  public long currentRequests() {
    return current.requests();
  }

  /** {@return metrics tested (Bonferroni's m), query components included} */
  public int metricsTested() {
    return metricsTested;
  }

  /** {@return query components tested} */
  public int featuresTested() {
    return featuresTested;
  }

  /**
   * {@return the policy the verdicts were decided under}
   */
  public FlagPolicy policy() {
    return policy;
  }

  /**
   * {@return the report as a plain-text table}
   */
  public String toText() {
    final StringBuilder sb = new StringBuilder(2048);
    sb.append("Drift report: ").append(title).append('\n');
    sb.append("reference ").append(reference.requests()).append(" requests, current ")
        .append(current.requests()).append(" requests; ").append(featuresTested)
        .append(" query components tested\n");
    ReportText.summary(sb, rows, metricsTested, policy, "Drifted");
    ReportText.table(sb, rows, "reference", "current");
    return sb.toString();
  }

  /**
   * {@return the report as JSON}
   */
  public String toJson() {
    final StringBuilder sb = new StringBuilder(2048);
    sb.append("{\n  \"schema_version\": ").append(ReportJson.SCHEMA_VERSION);
    sb.append(",\n  \"kind\": \"drift\"");
    sb.append(",\n  \"title\": ").append(ReportJson.str(title));
    sb.append(",\n  \"reference_requests\": ").append(reference.requests());
    sb.append(",\n  \"current_requests\": ").append(current.requests());
    sb.append(",\n  \"family_wise_error\": ").append(ReportJson.num(policy.familyWiseErrorRate()));
    sb.append(",\n  \"metrics_tested\": ").append(metricsTested);
    sb.append(",\n  \"features_tested\": ").append(featuresTested);
    sb.append(",\n  \"flags\": ");
    ReportJson.names(sb, drifted());
    sb.append(",\n  \"metrics\": ");
    ReportJson.metrics(sb, rows);
    sb.append("\n}\n");
    return sb.toString();
  }

  @Override
  public String toString() {
    return toText();
  }

  private List<MetricRow> buildRows() {
    final VerdictRows out = new VerdictRows();
    final ShadowSchema schema = reference.schema();
    for (int s = 0; s < schema.sourceCount(); s++) {
      twoSample(out, "source_share", MetricKind.PROPORTION, "share[" + schema.sourceName(s) + "]",
          reference.shares[s], current.shares[s]);
    }
    twoSample(out, "page", MetricKind.COUNT, "page_size", reference.pageSize, current.pageSize);
    scores(out, "score_psi", true);
    scores(out, "score_ks", false);
    twoSample(out, "latency", MetricKind.LATENCY, "latency_mean_us", reference.latencyMicros,
        current.latencyMicros);
    latency(out, "latency_p50_us", 50);
    latency(out, "latency_p99_us", 99);
    twoSample(out, "errors", MetricKind.ERROR_RATE, "failure_rate", reference.failed, current.failed);
    twoSample(out, "errors", MetricKind.ERROR_RATE, "timeout_rate", reference.timedOut, current.timedOut);
    int features = 0;
    for (int d = 0; d < reference.dimension(); d++) {
      final RunningStat r = reference.features[d];
      final RunningStat c = current.features[d];
      if (r.count() < 2 || c.count() < 2) {
        continue;
      }
      features++;
      final VerdictRows.Pending p = out.add("query", MetricKind.FEATURE, "query_mean[" + d + "]");
      final double sd = Math.sqrt(r.variance());
      p.primary = r.mean();
      p.candidate = c.mean();
      p.delta = c.mean() - r.mean();
      if (sd > 0) {
        p.effect = p.delta / sd;
        p.se = Math.hypot(r.standardError(), c.standardError()) / sd;
      } else {
        // a constant component in the reference: any movement is drift, measured in its own unit
        p.effect = p.delta;
        p.se = c.standardError();
      }
    }
    featuresTested = features;
    final List<MetricRow> decided = out.decide(policy);
    metricsTested = out.tested();
    final List<MetricRow> shown = new ArrayList<>(decided.size());
    for (MetricRow row : decided) {
      if (!row.group().equals("query") || row.verdict() != Verdict.SAME) {
        shown.add(row);
      }
    }
    return shown;
  }

  private static void twoSample(
      VerdictRows out, String group, MetricKind kind, String name, RunningStat ref, RunningStat cur) {
    final VerdictRows.Pending p = out.add(group, kind, name);
    p.primary = ref.mean();
    p.candidate = cur.mean();
    p.delta = ref.count() > 0 && cur.count() > 0 ? cur.mean() - ref.mean() : Double.NaN;
    p.effect = p.delta;
    p.se = Math.hypot(ref.standardError(), cur.standardError());
  }

  private void scores(VerdictRows out, String name, boolean psi) {
    final VerdictRows.Pending p = out.add("scores", MetricKind.DISTRIBUTION, name);
    p.primary = Double.NaN;
    p.candidate = Double.NaN;
    p.delta = psi ? BinnedDistance.psi(reference.scores, current.scores)
        : BinnedDistance.ks(reference.scores, current.scores);
    p.effect = p.delta;
    final long nR = VerdictRows.sum(reference.scores);
    final long nC = VerdictRows.sum(current.scores);
    if (psi) {
      p.fixedHalfWidth = policy.psiNoiseMultiplier() * BinnedDistance.psiExpectedNoise(nR, nC, reference.scores.length);
    } else {
      p.ksA = nR;
      p.ksB = nC;
    }
  }

  private void latency(VerdictRows out, String name, double percentile) {
    final VerdictRows.Pending p = out.add("latency", MetricKind.LATENCY, name);
    p.primary = VerdictRows.quantileMicros(reference.latency, percentile);
    p.candidate = VerdictRows.quantileMicros(current.latency, percentile);
    p.delta = p.candidate - p.primary;
    p.effect = p.delta;
    if (!Double.isNaN(p.effect)) {
      p.se = VerdictRows.bootstrapSe(policy, reference.latency, current.latency, percentile / 100.0);
    }
  }

}
