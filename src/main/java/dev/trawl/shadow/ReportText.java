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
    summary(sb, r.rows(), r.metricsTested(), r.policy(), "Changed");
    table(sb, r.rows(), "primary", "candidate");
    return sb.toString();
  }

  /** The one-screen summary: what changed (a gate trips on these), then how many are undecided. */
  static void summary(StringBuilder sb, List<MetricRow> rows, int tested, FlagPolicy policy, String changed) {
    sb.append(String.format(Locale.ROOT, "%d metrics tested at family-wise error %s (Bonferroni).%n",
        tested, fmt(policy.familyWiseErrorRate())));
    long flagged = 0;
    long inconclusive = 0;
    for (MetricRow row : rows) {
      flagged += row.flagged() ? 1 : 0;
      inconclusive += row.verdict() == Verdict.INCONCLUSIVE ? 1 : 0;
    }
    if (flagged == 0) {
      sb.append("No change beyond the minimum effects.\n");
    } else {
      sb.append(changed).append(" (").append(flagged).append("):\n");
      for (MetricRow row : rows) {
        if (row.flagged()) {
          sb.append(String.format(Locale.ROOT, "  %-8s %-32s effect %s [%s, %s], min %s%s%n",
              row.verdict(), row.name(), fmt(row.effect()), fmt(row.ciLow()), fmt(row.ciHigh()),
              fmt(row.minEffect()), row.note().isEmpty() ? "" : " - " + row.note()));
        }
      }
    }
    if (inconclusive > 0) {
      sb.append(inconclusive).append(" inconclusive (interval wider than the minimum effect: more requests"
          + " would decide).\n");
    }
    sb.append('\n');
  }

  /** Every row with its values, interval and verdict; {@code a} and {@code b} name the two sides. */
  static void table(StringBuilder sb, List<MetricRow> rows, String a, String b) {
    sb.append(String.format(Locale.ROOT, "%-14s %-32s %12s %12s %12s %12s %12s %12s %12s %s%n",
        "group", "metric", a, b, "delta", "noise", "ci_low", "ci_high", "min_effect", "verdict"));
    for (MetricRow row : rows) {
      sb.append(String.format(Locale.ROOT, "%-14s %-32s %12s %12s %12s %12s %12s %12s %12s %s%n",
          row.group(), row.name(), fmt(row.primary()), fmt(row.candidate()), fmt(row.delta()),
          fmt(row.noise()), fmt(row.ciLow()), fmt(row.ciHigh()), fmt(row.minEffect()), row.verdict()));
    }
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
