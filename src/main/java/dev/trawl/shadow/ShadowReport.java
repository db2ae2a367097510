package dev.trawl.shadow;

import dev.trawl.shadow.metrics.BinnedDistance;
import dev.trawl.shadow.metrics.FixedBins;
import dev.trawl.shadow.metrics.PairedStat;
import dev.trawl.shadow.metrics.RunningStat;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * The result of a shadow run: every metric of the A/B window beside the same metric of the A/A
 * (noise floor) window, each with a confidence interval and a {@link Verdict} under a
 * {@link FlagPolicy} (a release can gate on them: {@link #trips(Gate)}), plus the distributions
 * behind them (score histograms, rank-shift histogram, latency CDFs). Render it with
 * {@link #toJson()}, {@link #toText()} or {@link #toHtml()}.
 *
 * <p><b>Immutable and thread-safe</b> (it copies the windows it is built from). <b>Allocation:</b>
 * building and rendering allocate freely; they are off the request path.
 */
public final class ShadowReport {
  private static final double[] CDF_PERCENTILES = {
    0, 1, 5, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 95, 97.5, 99, 99.5, 99.9, 100
  };

  private final String title;
  private final ComparisonWindow ab;
  private final ComparisonWindow aa;
  private final FlagPolicy policy;
  private final List<MetricRow> rows;
  private int metricsTested;

  private ShadowReport(String title, ComparisonWindow ab, ComparisonWindow aa, FlagPolicy policy) {
    this.title = title;
    this.ab = ab;
    this.aa = aa;
    this.policy = policy;
    this.rows = Collections.unmodifiableList(buildRows());
  }

  /**
   * A report of window {@code ab} (primary vs candidate) against the noise floor {@code aa} (primary
   * vs itself; may be {@code null}, then only sampling noise is allowed for).
   *
   * @param title the report's title
   * @param ab the primary-versus-candidate window
   * @param aa the A/A window, or null
   * @param policy decides the verdicts
   * @return a new, immutable report
   * @throws IllegalArgumentException if the windows have different schemas or configs
   */
  public static ShadowReport of(
      String title, ComparisonWindow ab, ComparisonWindow aa, FlagPolicy policy) {
    if (ab == null || policy == null) {
      throw new IllegalArgumentException("the A/B window and the flag policy are required");
    }
    if (aa != null && (aa.schema() != ab.schema() || aa.config() != ab.config())) {
      throw new IllegalArgumentException("A/A and A/B windows must share one schema and config");
    }
    return new ShadowReport(title, ab.copy(), aa == null ? null : aa.copy(), policy);
  }

  /**
   * {@return the report's title}
   */
  public String title() {
    return title;
  }

  /** {@return every metric, in report order} */
  public List<MetricRow> rows() {
    return rows;
  }

  /** {@return the flagged metrics} */
  public List<MetricRow> flagged() {
    return VerdictRows.changed(rows);
  }

  /**
   * {@return whether any metric is flagged}
   */
  public boolean hasFlags() {
    return !flagged().isEmpty();
  }

  /** What a release gate trips on. */
  public enum Gate {
    /** Any metric {@link Verdict#WORSE}. */
    REGRESSION,
    /** Any change ({@link Verdict#isChange()}), better or worse or undirected. */
    CHANGE
  }

  /**
   * The metrics that trip {@code gate}.
   *
   * @param gate what counts as tripping
   * @return a new list of those rows, in report order
   */
  public List<MetricRow> tripping(Gate gate) {
    final List<MetricRow> out = new ArrayList<>();
    for (MetricRow r : rows) {
      if (gate == Gate.CHANGE ? r.flagged() : r.verdict() == Verdict.WORSE) {
        out.add(r);
      }
    }
    return out;
  }

  /**
   * Whether any metric trips {@code gate}.
   *
   * @param gate what counts as tripping
   * @return true when at least one metric trips it
   */
  public boolean trips(Gate gate) {
    return !tripping(gate).isEmpty();
  }

  /**
   * {@return metrics that were tested (Bonferroni's m): those with an effect, not decided
   * structurally}
   */
  public int metricsTested() {
    return metricsTested;
  }

  /** {@return the policy the verdicts were decided under} */
  public FlagPolicy policy() {
    return policy;
  }

  /**
   * The row named {@code name}.
   *
   * @param name a metric's name
   * @return its row
   * @throws IllegalArgumentException if there is none
   */
  public MetricRow row(String name) {
    final MetricRow r = VerdictRows.find(rows, name);
    if (r == null) {
      throw new IllegalArgumentException("no metric named '" + name + "' in this report");
    }
    return r;
  }

  /** {@return requests compared in the A/B window} */
  public long requests() {
    return ab.requests();
  }

  /** {@return requests where both sides answered} */
  public long pagesCompared() {
    return ab.pagesCompared();
  }

  /** {@return sampled requests dropped because the shadow queue was full} */
  public long dropped() {
    return ab.dropped();
  }

  /** {@return requests in the A/A window, {@code 0} without one} */
  public long noiseRequests() {
    return aa == null ? 0 : aa.requests();
  }

  /**
   * {@return whether the report had an A/A window}
   */
  public boolean hasNoiseFloor() {
    return aa != null;
  }

  /**
   * {@return the bins of the score histograms}
   */
  public FixedBins scoreBins() {
    return ab.config().scoreBins();
  }

  /** {@return score histogram of the primary's pages (copy)} */
  public long[] primaryScoreHistogram() {
    return ab.scoresA.clone();
  }

  /** {@return score histogram of the candidate's pages (copy)} */
  public long[] candidateScoreHistogram() {
    return ab.scoresB.clone();
  }

  /**
   * {@return counts of signed rank shifts {@code rank in candidate - rank in primary}, index 0 =
   * -max (copy)}
   */
  public long[] rankShiftHistogram() {
    return ab.rankShiftCounts.clone();
  }

  /**
   * {@return the rank shift beyond which the histogram's outermost bins count}
   */
  public int maxRankShift() {
    return ab.config().maxRankShift();
  }

  /** {@return the percentiles at which {@link #latencyCdf} is sampled} */
  public static double[] cdfPercentiles() {
    return CDF_PERCENTILES.clone();
  }

  /**
   * End-to-end latency in microseconds at each of {@link #cdfPercentiles()}: {@code side} 0 =
   * primary, 1 = candidate, 2 = the primary's A/A re-run (empty without a noise floor).
   *
   * @param side 0, 1 or 2
   * @return a new array of latencies in microseconds
   */
  public double[] latencyCdf(int side) {
    final Histogram h = side == 0 ? ab.totalA : side == 1 ? ab.totalB : aa == null ? null : aa.totalB;
    if (h == null || h.getTotalCount() == 0) {
      return new double[0];
    }
    final double[] out = new double[CDF_PERCENTILES.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = h.getValueAtPercentile(CDF_PERCENTILES[i]) / 1000.0;
    }
    return out;
  }

  /**
   * {@return the report as JSON (schema {@code dev/trawl/shadow/report.schema.json})}
   */
  public String toJson() {
    return ReportJson.render(this);
  }

  /**
   * {@return the report as a plain-text table}
   */
  public String toText() {
    return ReportText.render(this);
  }

  /**
   * {@return the report as a self-contained HTML page}
   */
  public String toHtml() {
    return ReportHtml.render(this);
  }

  @Override
  public String toString() {
    return toText();
  }

  // ---- row construction -------------------------------------------------------------------

  private List<MetricRow> buildRows() {
    final VerdictRows out = new VerdictRows();
    final ShadowSchema schema = ab.schema();
    final ComparisonConfig config = ab.config();
    agreement(out, "overlap@" + config.overlapDepth(), ab.overlap, aa == null ? null : aa.overlap, true);
    agreement(out, "jaccard", ab.jaccard, aa == null ? null : aa.jaccard, true);
    agreement(out, "rbo_ext(p=" + config.rboP() + ")", ab.rbo, aa == null ? null : aa.rbo, true);
    agreement(out, "kendall_tau", ab.tau, aa == null ? null : aa.tau, true);
    agreement(out, "mean_rank_shift", ab.rankShift, aa == null ? null : aa.rankShift, false);
    paired(out, "page", MetricKind.COUNT, "page_size", ab.pageSize, aa == null ? null : aa.pageSize);
    paired(out, "page", MetricKind.COUNT, "unique_authors", ab.authors, aa == null ? null : aa.authors);
    paired(out, "page", MetricKind.COUNT, "unique_communities", ab.communities,
        aa == null ? null : aa.communities);
    for (int s = 0; s < schema.sourceCount(); s++) {
      paired(out, "source_share", MetricKind.PROPORTION, "share[" + schema.sourceName(s) + "]", ab.shares[s],
          aa == null ? null : aa.shares[s]);
    }
    for (int f = 0; f < schema.ruleCount(); f++) {
      final String name = "removed[" + schema.ruleName(f) + "]";
      if (ab.removed[f].a().count() + ab.removed[f].b().count() > 0) {
        paired(out, "rule_funnel", MetricKind.PROPORTION, name, ab.removed[f], aa == null ? null : aa.removed[f]);
      } else if (ab.pooledFunnelA[f] || ab.pooledFunnelB[f]) {
        pooled(out, name, f);
      }
    }
    distribution(out, "score_psi", true);
    distribution(out, "score_ks", false);
    paired(out, "latency", MetricKind.LATENCY, "latency_mean_us", ab.latencyMicros,
        aa == null ? null : aa.latencyMicros);
    latency(out, "latency_p50_us", -1, 50);
    latency(out, "latency_p99_us", -1, 99);
    for (int s = 0; s < schema.stageCount(); s++) {
      if (ab.stageA[s].getTotalCount() + ab.stageB[s].getTotalCount() > 0) {
        latency(out, "stage_p99_us[" + schema.stageName(s) + "]", s, 99);
      }
    }
    paired(out, "errors", MetricKind.ERROR_RATE, "failure_rate", ab.failed, aa == null ? null : aa.failed);
    paired(out, "errors", MetricKind.ERROR_RATE, "timeout_rate", ab.timedOut, aa == null ? null : aa.timedOut);
    final List<MetricRow> decided = out.decide(policy);
    metricsTested = out.tested();
    return decided;
  }

  private void agreement(
      VerdictRows out, String name, RunningStat abStat, RunningStat aaStat, boolean similarity) {
    final VerdictRows.Pending p = out.add("agreement", similarity ? MetricKind.AGREEMENT : MetricKind.RANK_SHIFT, name);
    final double value = abStat.mean();
    p.primary = Double.NaN;
    p.candidate = value;
    p.delta = abStat.count() > 0 ? (similarity ? 1 - value : value) : Double.NaN;
    double noiseSe = 0;
    if (aaStat != null && aaStat.count() > 0) {
      p.noise = similarity ? 1 - aaStat.mean() : aaStat.mean();
      noiseSe = aaStat.standardError();
    }
    p.effect = p.delta - p.noise;
    p.se = Math.hypot(abStat.standardError(), noiseSe);
  }

  private void paired(
      VerdictRows out, String group, MetricKind kind, String name, PairedStat abStat, PairedStat aaStat) {
    final VerdictRows.Pending p = out.add(group, kind, name);
    final RunningStat d = abStat.diff();
    p.primary = abStat.a().mean();
    p.candidate = abStat.b().mean();
    p.structural = (abStat.a().count() > 0) != (abStat.b().count() > 0);
    p.note = !p.structural ? "" : abStat.a().count() > 0 ? "absent in candidate" : "absent in primary";
    double noiseSe = 0;
    if (aaStat != null && aaStat.diff().count() > 0) {
      p.noise = aaStat.diff().mean();
      noiseSe = aaStat.diff().standardError();
    }
    p.delta = d.count() > 0 ? d.mean() : Double.NaN;
    p.effect = p.delta - p.noise;
    p.se = Math.hypot(d.standardError(), noiseSe);
  }

  /**
   * A funnel row from pooled counts (systems that count per window): removal rates of both sides,
   * their difference, and a two-proportion standard error. Candidates of one request are not
   * independent, so this standard error is optimistic; the A/A floor absorbs part of it.
   */
  private void pooled(VerdictRows out, String name, int f) {
    final VerdictRows.Pending p = out.add("rule_funnel", MetricKind.PROPORTION, name);
    final double ra = rate(ab.ruleRemovedA[f], ab.ruleInA[f], ab.pooledFunnelA[f]);
    final double rb = rate(ab.ruleRemovedB[f], ab.ruleInB[f], ab.pooledFunnelB[f]);
    p.primary = ra;
    p.candidate = rb;
    p.structural = Double.isNaN(ra) != Double.isNaN(rb);
    p.note = !p.structural ? "pooled" : Double.isNaN(rb) ? "absent in candidate" : "absent in primary";
    p.delta = rb - ra;
    double noiseSe = 0;
    if (aa != null) {
      final double na = rate(aa.ruleRemovedA[f], aa.ruleInA[f], aa.pooledFunnelA[f]);
      final double nb = rate(aa.ruleRemovedB[f], aa.ruleInB[f], aa.pooledFunnelB[f]);
      if (!Double.isNaN(na) && !Double.isNaN(nb)) {
        p.noise = nb - na;
        noiseSe = proportionSe(na, aa.ruleInA[f], nb, aa.ruleInB[f]);
      }
    }
    p.effect = p.delta - p.noise;
    p.se = p.structural ? 0 : Math.hypot(proportionSe(ra, ab.ruleInA[f], rb, ab.ruleInB[f]), noiseSe);
  }

  private static double rate(long removed, long in, boolean present) {
    return !present || in == 0 ? Double.NaN : (double) removed / in;
  }

  private static double proportionSe(double pa, long na, double pb, long nb) {
    return Math.sqrt(pa * (1 - pa) / Math.max(1, na) + pb * (1 - pb) / Math.max(1, nb));
  }

  private void distribution(VerdictRows out, String name, boolean psi) {
    final VerdictRows.Pending p = out.add("scores", MetricKind.DISTRIBUTION, name);
    p.primary = Double.NaN;
    p.candidate = Double.NaN;
    p.delta = psi ? BinnedDistance.psi(ab.scoresA, ab.scoresB) : BinnedDistance.ks(ab.scoresA, ab.scoresB);
    if (aa != null) {
      final double n = psi ? BinnedDistance.psi(aa.scoresA, aa.scoresB) : BinnedDistance.ks(aa.scoresA, aa.scoresB);
      p.noise = Double.isNaN(n) ? 0 : n;
    }
    p.effect = p.delta - p.noise;
    final long nA = VerdictRows.sum(ab.scoresA);
    final long nB = VerdictRows.sum(ab.scoresB);
    if (psi) {
      p.fixedHalfWidth = policy.psiNoiseMultiplier() * BinnedDistance.psiExpectedNoise(nA, nB, ab.scoresA.length);
    } else {
      p.ksA = nA;
      p.ksB = nB;
    }
  }

  /**
   * A latency quantile row. With a noise floor the tested effect is the candidate's quantile minus the
   * A/A re-run's ({@code delta - noise} up to the primary's quantile, which cancels), so a bias that
   * the primary's own measurement carries (e.g. measured on another thread) does not count.
   */
  private void latency(VerdictRows out, String name, int stage, double percentile) {
    final VerdictRows.Pending p = out.add("latency", MetricKind.LATENCY, name);
    final Histogram a = stage < 0 ? ab.totalA : ab.stageA[stage];
    final Histogram b = stage < 0 ? ab.totalB : ab.stageB[stage];
    final Histogram rerun = aa == null ? null : stage < 0 ? aa.totalB : aa.stageB[stage];
    p.primary = VerdictRows.quantileMicros(a, percentile);
    p.candidate = VerdictRows.quantileMicros(b, percentile);
    p.delta = p.candidate - p.primary;
    p.structural = Double.isNaN(p.primary) != Double.isNaN(p.candidate);
    p.note = !p.structural ? "" : Double.isNaN(p.candidate) ? "absent in candidate" : "absent in primary";
    final boolean withRerun = rerun != null && rerun.getTotalCount() > 0;
    final Histogram reference = withRerun ? rerun : a;
    if (withRerun) {
      p.noise = VerdictRows.quantileMicros(rerun, percentile) - p.primary;
    }
    p.effect = p.candidate - VerdictRows.quantileMicros(reference, percentile);
    if (!p.structural && !Double.isNaN(p.effect)) {
      p.se = VerdictRows.bootstrapSe(policy, reference, b, percentile / 100.0);
    }
  }

}
