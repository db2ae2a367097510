package dev.trawl.shadow;

import java.util.List;
import java.util.Locale;

/** Renders a {@link ShadowReport} as fixed-width text for a terminal. Stateless, thread-safe. */
final class ReportText {
  private ReportText() {}

  static String render(ShadowReport r) {
    final StringBuilder sb = new StringBuilder(4096);
    sb.append("Shadow report: ").append(r.title()).append('\n');
    sb.append(String.format(Locale.ROOT, "requests %d (pages compared %d), dropped %d, noise floor: %s%n",
        r.requests(), r.pagesCompared(), r.dropped(),
        r.hasNoiseFloor() ? r.noiseRequests() + " A/A requests" : "none (sampling noise only)"));
    // the one-screen summary first: verdicts a gate trips on, then what could not be decided
    final List<MetricRow> flagged = r.flagged();
    sb.append(String.format(Locale.ROOT, "%d metrics tested at family-wise error %s (Bonferroni).%n",
        r.metricsTested(), fmt(r.policy().familyWiseErrorRate())));
    if (flagged.isEmpty()) {
      sb.append("No change beyond the minimum effects.\n");
    } else {
      sb.append("Changed (").append(flagged.size()).append("):\n");
      for (MetricRow row : flagged) {
        sb.append(String.format(Locale.ROOT, "  %-8s %-32s effect %s [%s, %s], min %s%s%n",
            row.verdict(), row.name(), fmt(row.effect()), fmt(row.ciLow()), fmt(row.ciHigh()),
            fmt(row.minEffect()), row.note().isEmpty() ? "" : " - " + row.note()));
      }
    }
    long inconclusive = 0;
    for (MetricRow row : r.rows()) {
      inconclusive += row.verdict() == Verdict.INCONCLUSIVE ? 1 : 0;
    }
    if (inconclusive > 0) {
      sb.append(inconclusive).append(" inconclusive (interval wider than the minimum effect: more requests"
          + " would decide).\n");
    }
    sb.append('\n');
    sb.append(String.format(Locale.ROOT, "%-14s %-32s %12s %12s %12s %12s %12s %12s %12s %s%n",
        "group", "metric", "primary", "candidate", "delta", "noise", "ci_low", "ci_high", "min_effect",
        "verdict"));
    for (MetricRow row : r.rows()) {
      sb.append(String.format(Locale.ROOT, "%-14s %-32s %12s %12s %12s %12s %12s %12s %12s %s%n",
          row.group(), row.name(), fmt(row.primary()), fmt(row.candidate()), fmt(row.delta()),
          fmt(row.noise()), fmt(row.ciLow()), fmt(row.ciHigh()), fmt(row.minEffect()), row.verdict()));
    }
    return sb.toString();
  }

  static String fmt(double v) {
    if (Double.isNaN(v)) {
      return "-";
    }
    final double a = Math.abs(v);
    if (a != 0 && (a < 1e-3 || a >= 1e6)) {
      return String.format(Locale.ROOT, "%.3e", v);
    }
    return String.format(Locale.ROOT, "%.4f", v);
  }
}
