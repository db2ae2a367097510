package dev.trawl.shadow;

import dev.trawl.shadow.metrics.FixedBins;
import java.util.List;
import java.util.Locale;

/** Renders a {@link ShadowReport} as JSON (layout: {@code report.schema.json} beside this class; {@code NaN} becomes {@code null}). Stateless, thread-safe. */
final class ReportJson {
  /**
   * Version of the JSON layout, described by {@code dev/trawl/shadow/report.schema.json}; raised when
   * a field is removed or changes meaning (2: verdicts and intervals replace thresholds).
   */
  static final int SCHEMA_VERSION = 2;

  private ReportJson() {}

  static String render(ShadowReport r) {
    final StringBuilder sb = new StringBuilder(4096);
    sb.append("{\n  \"schema_version\": ").append(SCHEMA_VERSION);
    sb.append(",\n  \"title\": ").append(str(r.title()));
    sb.append(",\n  \"requests\": ").append(r.requests());
    sb.append(",\n  \"pages_compared\": ").append(r.pagesCompared());
    sb.append(",\n  \"dropped\": ").append(r.dropped());
    sb.append(",\n  \"noise_floor_requests\": ");
    sb.append(r.hasNoiseFloor() ? Long.toString(r.noiseRequests()) : "null");
    sb.append(",\n  \"family_wise_error\": ").append(num(r.policy().familyWiseErrorRate()));
    sb.append(",\n  \"metrics_tested\": ").append(r.metricsTested());
    sb.append(",\n  \"flags\": ");
    names(sb, r.flagged());
    sb.append(",\n  \"regressions\": ");
    names(sb, r.tripping(ShadowReport.Gate.REGRESSION));
    sb.append(",\n  \"metrics\": ");
    metrics(sb, r.rows());
    final FixedBins bins = r.scoreBins();
    sb.append(",\n  \"score_bins\": {\"lo\": ").append(num(bins.lo()))
        .append(", \"hi\": ").append(num(bins.hi()))
        .append(", \"count\": ").append(bins.count()).append('}');
    sb.append(",\n  \"score_histogram\": {\"primary\": ");
    longs(sb, r.primaryScoreHistogram());
    sb.append(", \"candidate\": ");
    longs(sb, r.candidateScoreHistogram());
    sb.append("},\n  \"rank_shift_histogram\": {\"min_shift\": ").append(-r.maxRankShift())
        .append(", \"counts\": ");
    longs(sb, r.rankShiftHistogram());
    sb.append("},\n  \"latency_cdf_us\": {\"percentiles\": ");
    doubles(sb, ShadowReport.cdfPercentiles());
    sb.append(", \"primary\": ");
    doubles(sb, r.latencyCdf(0));
    sb.append(", \"candidate\": ");
    doubles(sb, r.latencyCdf(1));
    sb.append(", \"primary_rerun\": ");
    doubles(sb, r.latencyCdf(2));
    sb.append("}\n}\n");
    return sb.toString();
  }

  /** The metrics array: one object per row. */
  static void metrics(StringBuilder sb, List<MetricRow> rows) {
    sb.append('[');
    boolean first = true;
    for (MetricRow row : rows) {
      sb.append(first ? "\n" : ",\n");
      first = false;
      sb.append("    {\"group\": ").append(str(row.group()))
          .append(", \"name\": ").append(str(row.name()))
          .append(", \"primary\": ").append(num(row.primary()))
          .append(", \"candidate\": ").append(num(row.candidate()))
          .append(", \"delta\": ").append(num(row.delta()))
          .append(", \"noise\": ").append(num(row.noise()))
          .append(", \"kind\": ").append(str(row.kind().name().toLowerCase(Locale.ROOT)))
          .append(", \"effect\": ").append(num(row.effect()))
          .append(", \"ci_low\": ").append(num(row.ciLow()))
          .append(", \"ci_high\": ").append(num(row.ciHigh()))
          .append(", \"min_effect\": ").append(num(row.minEffect()))
          .append(", \"verdict\": ").append(str(row.verdict().name().toLowerCase(Locale.ROOT)))
          .append(", \"flagged\": ").append(row.flagged())
          .append(", \"note\": ").append(str(row.note())).append('}');
    }
    sb.append("\n  ]");
  }

  static void names(StringBuilder sb, List<MetricRow> rows) {
    sb.append('[');
    for (int i = 0; i < rows.size(); i++) {
      sb.append(i == 0 ? "" : ", ").append(str(rows.get(i).name()));
    }
    sb.append(']');
  }

  private static void longs(StringBuilder sb, long[] values) {
    sb.append('[');
    for (int i = 0; i < values.length; i++) {
      sb.append(i == 0 ? "" : ", ").append(values[i]);
    }
    sb.append(']');
  }

  private static void doubles(StringBuilder sb, double[] values) {
    sb.append('[');
    for (int i = 0; i < values.length; i++) {
      sb.append(i == 0 ? "" : ", ").append(num(values[i]));
    }
    sb.append(']');
  }

  static String num(double v) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return "null";
    }
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    return Double.toString(v);
  }

  static String str(String s) {
    final StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      final char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }
}
