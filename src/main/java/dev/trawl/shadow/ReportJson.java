package dev.trawl.shadow;

import dev.trawl.shadow.metrics.FixedBins;

/** Renders a {@link ShadowReport} as JSON ({@code NaN} becomes {@code null}). Stateless, thread-safe. */
final class ReportJson {
  private ReportJson() {}

  static String render(ShadowReport r) {
    final StringBuilder sb = new StringBuilder(4096);
    sb.append("{\n  \"title\": ").append(str(r.title()));
    sb.append(",\n  \"requests\": ").append(r.requests());
    sb.append(",\n  \"pages_compared\": ").append(r.pagesCompared());
    sb.append(",\n  \"dropped\": ").append(r.dropped());
    sb.append(",\n  \"noise_floor_requests\": ");
    sb.append(r.hasNoiseFloor() ? Long.toString(r.noiseRequests()) : "null");
    sb.append(",\n  \"flags\": [");
    boolean first = true;
    for (MetricRow row : r.flagged()) {
      sb.append(first ? "" : ", ").append(str(row.name()));
      first = false;
    }
    sb.append("],\n  \"metrics\": [");
    first = true;
    for (MetricRow row : r.rows()) {
      sb.append(first ? "\n" : ",\n");
      first = false;
      sb.append("    {\"group\": ").append(str(row.group()))
          .append(", \"name\": ").append(str(row.name()))
          .append(", \"primary\": ").append(num(row.primary()))
          .append(", \"candidate\": ").append(num(row.candidate()))
          .append(", \"delta\": ").append(num(row.delta()))
          .append(", \"noise\": ").append(num(row.noise()))
          .append(", \"threshold\": ").append(num(row.threshold()))
          .append(", \"flagged\": ").append(row.flagged())
          .append(", \"note\": ").append(str(row.note())).append('}');
    }
    final FixedBins bins = r.scoreBins();
    sb.append("\n  ],\n  \"score_bins\": {\"lo\": ").append(num(bins.lo()))
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
