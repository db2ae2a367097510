package dev.trawl.shadow;

/**
 * The {@link CumulativeStats} of a comparison's three runs (primary side A, candidate side B, A/A
 * re-run), any of which may be absent: marks them when a window starts and, for the report, adds
 * their growth to copies of the windows. Immutable and thread-safe; allocates (reporting only).
 */
final class LaneStats {
  private final CumulativeStats primary;
  private final CumulativeStats candidate;
  private final CumulativeStats noise;

  private LaneStats(CumulativeStats primary, CumulativeStats candidate, CumulativeStats noise) {
    this.primary = primary;
    this.candidate = candidate;
    this.noise = noise;
  }

  /** Takes the stats of whichever of the three objects implement {@link CumulativeStats}. */
  static LaneStats of(Object primary, Object candidate, Object noise) {
    return new LaneStats(stats(primary), stats(candidate), stats(noise));
  }

  /** Marks all counters now. */
  Object[] mark() {
    return new Object[] {
      primary == null ? null : primary.mark(),
      candidate == null ? null : candidate.mark(),
      noise == null ? null : noise.mark()
    };
  }

  /**
   * Adds the growth since {@code marks}: the primary's to side A of both windows, the candidate's to
   * side B of the A/B window, the A/A run's to side B of the A/A window.
   */
  void addSince(Object[] marks, ComparisonWindow ab, ComparisonWindow aa) {
    if (primary != null) {
      primary.addSince(marks[0], ab, ComparisonWindow.SIDE_A);
      if (aa != null) {
        primary.addSince(marks[0], aa, ComparisonWindow.SIDE_A);
      }
    }
    if (candidate != null) {
      candidate.addSince(marks[1], ab, ComparisonWindow.SIDE_B);
    }
    if (noise != null && aa != null) {
      noise.addSince(marks[2], aa, ComparisonWindow.SIDE_B);
    }
  }

  private static CumulativeStats stats(Object o) {
    return o instanceof CumulativeStats ? (CumulativeStats) o : null;
  }
}
