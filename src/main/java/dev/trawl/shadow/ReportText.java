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
    final List<MetricRow> flagged = r.flagged();
    if (flagged.isEmpty()) {
      sb.append("No difference above the noise floor.\n");
    } else {
      sb.append("Above the noise floor (").append(flagged.size()).append("):\n");
      for (MetricRow row : flagged) {
        sb.append(String.format(Locale.ROOT, "  ! %-32s delta %s (noise %s, threshold %s)%s%n",
            row.name(), fmt(row.delta()), fmt(row.noise()), fmt(row.threshold()),
            row.note().isEmpty() ? "" : " - " + row.note()));
      }
    }
    sb.append('\n');
    sb.append(String.format(Locale.ROOT, "%-14s %-32s %12s %12s %12s %12s %12s %s%n",
        "group", "metric", "primary", "candidate", "delta", "noise", "threshold", "flag"));
    for (MetricRow row : r.rows()) {
      sb.append(String.format(Locale.ROOT, "%-14s %-32s %12s %12s %12s %12s %12s %s%n",
          row.group(), row.name(), fmt(row.primary()), fmt(row.candidate()), fmt(row.delta()),
          fmt(row.noise()), fmt(row.threshold()), row.flagged() ? "!" : ""));
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
