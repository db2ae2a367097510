package dev.trawl.shadow;

import dev.trawl.shadow.metrics.FixedBins;
import java.util.Locale;

/**
 * Renders a {@link ShadowReport} as one self-contained HTML page: the metric table and three inline
 * SVG plots (score histograms, rank-shift histogram, end-to-end latency CDFs). No scripts, no external
 * resources, so the file can be attached to a review as is. Stateless and thread-safe; allocates.
 */
final class ReportHtml {
  private static final int W = 640;
  private static final int H = 240;
  private static final int PAD = 40;
  private static final String PRIMARY = "#1f77b4";
  private static final String CANDIDATE = "#ff7f0e";
  private static final String RERUN = "#7f7f7f";

  private ReportHtml() {}

  static String render(ShadowReport r) {
    final StringBuilder sb = new StringBuilder(16384);
    sb.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>")
        .append(esc("Shadow report: " + r.title())).append("</title>\n<style>")
        .append("body{font-family:sans-serif;margin:2em;color:#222}")
        .append("table{border-collapse:collapse;font-size:13px}")
        .append("td,th{padding:3px 8px;border-bottom:1px solid #ddd;text-align:right}")
        .append("td:nth-child(-n+2),th:nth-child(-n+2){text-align:left}")
        .append("tr.flag{background:#fde2e1;font-weight:bold}")
        .append("svg{border:1px solid #ccc;margin:0.5em 0}")
        .append("</style></head><body>\n");
    sb.append("<h1>").append(esc("Shadow report: " + r.title())).append("</h1>\n");
    sb.append("<p>").append(r.requests()).append(" requests compared (").append(r.pagesCompared())
        .append(" with both pages), ").append(r.dropped()).append(" dropped; noise floor: ")
        .append(r.hasNoiseFloor() ? r.noiseRequests() + " A/A requests" : "none (sampling noise only)")
        .append(". ").append(r.flagged().size()).append(" of ").append(r.metricsTested())
        .append(" tested metric(s) changed beyond their minimum effect (family-wise error ")
        .append(ReportText.fmt(r.policy().familyWiseErrorRate())).append(", Bonferroni).</p>\n");
    table(sb, r);
    sb.append("<h2>Score distribution</h2>\n");
    scoreHistograms(sb, r);
    sb.append("<h2>Rank shift of shared items (candidate rank - primary rank)</h2>\n");
    rankShift(sb, r);
    sb.append("<h2>End-to-end latency CDF</h2>\n");
    latencyCdf(sb, r);
    sb.append("</body></html>\n");
    return sb.toString();
  }

  private static void table(StringBuilder sb, ShadowReport r) {
    sb.append("<table><tr><th>group</th><th>metric</th><th>primary</th><th>candidate</th>")
        .append("<th>delta</th><th>noise (A/A)</th><th>effect interval</th><th>min effect</th><th>verdict</th></tr>\n");
    for (MetricRow row : r.rows()) {
      sb.append(row.flagged() ? "<tr class=\"flag\">" : "<tr>")
          .append("<td>").append(esc(row.group())).append("</td><td>").append(esc(row.name()))
          .append("</td><td>").append(ReportText.fmt(row.primary()))
          .append("</td><td>").append(ReportText.fmt(row.candidate()))
          .append("</td><td>").append(ReportText.fmt(row.delta()))
          .append("</td><td>").append(ReportText.fmt(row.noise()))
          .append("</td><td>[").append(ReportText.fmt(row.ciLow())).append(", ")
          .append(ReportText.fmt(row.ciHigh())).append(']')
          .append("</td><td>").append(ReportText.fmt(row.minEffect()))
          .append("</td><td>").append(row.flagged() ? "&#9888; " : "").append(row.verdict())
          .append(row.note().isEmpty() ? "" : " " + esc(row.note()))
          .append("</td></tr>\n");
    }
    sb.append("</table>\n");
  }

  private static void scoreHistograms(StringBuilder sb, ShadowReport r) {
    final long[] a = r.primaryScoreHistogram();
    final long[] b = r.candidateScoreHistogram();
    final double[] pa = proportions(a);
    final double[] pb = proportions(b);
    final double max = Math.max(max(pa), max(pb));
    open(sb, "score histograms");
    final double index = (double) (W - 2 * PAD) / a.length;
    for (int i = 0; i < a.length; i++) {
      bar(sb, PAD + i * index + 1, index / 2 - 1, pa[i], max, PRIMARY);
      bar(sb, PAD + i * index + index / 2, index / 2 - 1, pb[i], max, CANDIDATE);
    }
    final FixedBins bins = r.scoreBins();
    axisLabel(sb, PAD, H - PAD + 14, fmt(bins.lo()));
    axisLabel(sb, W - PAD, H - PAD + 14, fmt(bins.hi()));
    axisLabel(sb, PAD - 4, PAD - 6, "share " + fmt(max));
    legend(sb, "primary", PRIMARY, 0);
    legend(sb, "candidate", CANDIDATE, 1);
    close(sb);
  }

  private static void rankShift(StringBuilder sb, ShadowReport r) {
    final long[] counts = r.rankShiftHistogram();
    final double[] p = proportions(counts);
    final double max = max(p);
    open(sb, "rank shift histogram");
    final double index = (double) (W - 2 * PAD) / counts.length;
    for (int i = 0; i < counts.length; i++) {
      bar(sb, PAD + i * index, Math.max(1, index - 1), p[i], max, CANDIDATE);
    }
    axisLabel(sb, PAD, H - PAD + 14, "-" + r.maxRankShift());
    axisLabel(sb, W / 2.0, H - PAD + 14, "0");
    axisLabel(sb, W - PAD, H - PAD + 14, "+" + r.maxRankShift());
    axisLabel(sb, PAD - 4, PAD - 6, "share " + fmt(max));
    close(sb);
  }

  /** Latency CDFs on a log x axis: tails span decades, and a linear axis hides everything but them. */
  private static void latencyCdf(StringBuilder sb, ShadowReport r) {
    final double[] pct = ShadowReport.cdfPercentiles();
    final double[][] sides = {r.latencyCdf(0), r.latencyCdf(1), r.latencyCdf(2)};
    final String[] colours = {PRIMARY, CANDIDATE, RERUN};
    final String[] names = {"primary", "candidate", "primary A/A re-run"};
    double lo = Double.MAX_VALUE;
    double hi = 0;
    for (double[] side : sides) {
      for (double v : side) {
        if (v > 0) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
    }
    open(sb, "latency CDF");
    if (hi > 0) {
      final double logLo = Math.floor(Math.log10(lo));
      final double logHi = Math.max(logLo + 1, Math.ceil(Math.log10(hi)));
      for (double decade = logLo; decade <= logHi; decade++) {
        final double x = PAD + (W - 2 * PAD) * (decade - logLo) / (logHi - logLo);
        sb.append(String.format(Locale.ROOT,
            "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>%n", x, PAD, x, H - PAD));
        axisLabel(sb, x, H - PAD + 14, duration(Math.pow(10, decade)));
      }
      for (int s = 0; s < sides.length; s++) {
        if (sides[s].length == 0) {
          continue;
        }
        sb.append("<polyline fill=\"none\" stroke-width=\"2\" stroke=\"").append(colours[s])
            .append("\" points=\"");
        for (int i = 0; i < pct.length; i++) {
          final double v = Math.max(Math.pow(10, logLo), sides[s][i]);
          final double x = PAD + (W - 2 * PAD) * (Math.log10(v) - logLo) / (logHi - logLo);
          final double y = H - PAD - (H - 2 * PAD) * pct[i] / 100.0;
          sb.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
        }
        sb.append("\"/>\n");
        legend(sb, names[s], colours[s], s + 4);
      }
    }
    axisLabel(sb, PAD - 4, PAD - 6, "100%");
    axisLabel(sb, PAD - 14, H - PAD, "0%");
    close(sb);
  }

  private static void open(StringBuilder sb, String label) {
    sb.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(W).append("\" height=\"")
        .append(H).append("\" role=\"img\" aria-label=\"").append(esc(label)).append("\">\n");
    sb.append("<line x1=\"").append(PAD).append("\" y1=\"").append(H - PAD).append("\" x2=\"")
        .append(W - PAD).append("\" y2=\"").append(H - PAD).append("\" stroke=\"#444\"/>\n");
    sb.append("<line x1=\"").append(PAD).append("\" y1=\"").append(PAD).append("\" x2=\"")
        .append(PAD).append("\" y2=\"").append(H - PAD).append("\" stroke=\"#444\"/>\n");
  }

  private static void close(StringBuilder sb) {
    sb.append("</svg>\n");
  }

  private static void bar(StringBuilder sb, double x, double width, double value, double max, String colour) {
    if (max <= 0 || value <= 0) {
      return;
    }
    final double h = (H - 2 * PAD) * value / max;
    sb.append(String.format(Locale.ROOT,
        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>%n",
        x, H - PAD - h, width, h, colour));
  }

  private static void legend(StringBuilder sb, String name, String colour, int index) {
    final int y = PAD + 14 * index;
    sb.append("<rect x=\"").append(W - PAD - 150).append("\" y=\"").append(y - 9)
        .append("\" width=\"10\" height=\"10\" fill=\"").append(colour).append("\"/>");
    sb.append("<text x=\"").append(W - PAD - 135).append("\" y=\"").append(y)
        .append("\" font-size=\"11\">").append(esc(name)).append("</text>\n");
  }

  private static void axisLabel(StringBuilder sb, double x, double y, String text) {
    sb.append(String.format(Locale.ROOT,
        "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\">%s</text>%n", x, y, esc(text)));
  }

  /** A decade of microseconds as a short label: 100 us, 10 ms, 1 s. */
  private static String duration(double micros) {
    if (micros >= 1e6) {
      return String.format(Locale.ROOT, "%.0f s", micros / 1e6);
    }
    if (micros >= 1e3) {
      return String.format(Locale.ROOT, "%.0f ms", micros / 1e3);
    }
    return micros >= 1 ? String.format(Locale.ROOT, "%.0f us", micros) : fmt(micros) + " us";
  }

  private static double[] proportions(long[] counts) {
    long total = 0;
    for (long c : counts) {
      total += c;
    }
    final double[] p = new double[counts.length];
    for (int i = 0; i < counts.length && total > 0; i++) {
      p[i] = (double) counts[i] / total;
    }
    return p;
  }

  private static double max(double[] values) {
    double m = 0;
    for (double v : values) {
      if (v > m) {
        m = v;
      }
    }
    return m;
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.3g", v);
  }

  private static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
