package dev.trawl.shadow.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.trawl.shadow.AllocationMeter;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PageAlignmentTest {
  private final PageAlignment alignment = new PageAlignment(8);

  private PageAlignment align(long[] a, long[] b) {
    alignment.align(a, a.length, b, b.length);
    return alignment;
  }

  @Test
  void identicalPagesAgreeFullyOnEveryMetric() {
    final long[] page = {5, 9, 1, 7, 3, 11};
    final PageAlignment al = align(page, page.clone());
    assertThat(al.overlapAt(3)).isEqualTo(1.0);
    assertThat(al.overlapAt(100)).isEqualTo(1.0);
    assertThat(al.jaccard()).isEqualTo(1.0);
    assertThat(al.rbo(0.9)).isCloseTo(1.0, within(1e-12));
    assertThat(al.rbo(0.5)).isCloseTo(1.0, within(1e-12));
    assertThat(al.kendallTau()).isEqualTo(1.0);
    assertThat(al.meanAbsoluteRankShift()).isEqualTo(0.0);
  }

  @Test
  void rboOfEqualLengthPagesMatchesHandComputedEquation32() {
    // A = 1 2 3, B = 2 1 4, p = 0.5: X1 = 0, X2 = 2, X3 = 2.
    // RBO_ext = X3/3 p^3 + (1-p)/p (X1 p + X2/2 p^2 + X3/3 p^3) = 1/12 + (0 + 1/4 + 1/12) = 5/12
    assertThat(align(new long[] {1, 2, 3}, new long[] {2, 1, 4}).rbo(0.5))
        .isCloseTo(5.0 / 12, within(1e-12));
  }

  @Test
  void rboOfUnevenPagesMatchesHandComputedEquation30() {
    // L = 1 2 3 4, S = 2 5, p = 0.5, l = 4, s = 2: X1 = 0, X2 = X3 = X4 = 1, Xs = 1.
    // sum X_d/d p^d = 1/8 + 1/24 + 1/64; sum_{d=3,4} Xs (d-s)/(s d) p^d = 1/48 + 1/64;
    // tail ((X4 - Xs)/4 + Xs/2) p^4 = 1/32; total = 1/4
    assertThat(align(new long[] {1, 2, 3, 4}, new long[] {2, 5}).rbo(0.5))
        .isCloseTo(0.25, within(1e-12));
    // RBO is symmetric: which page is longer does not matter
    assertThat(align(new long[] {2, 5}, new long[] {1, 2, 3, 4}).rbo(0.5))
        .isCloseTo(0.25, within(1e-12));
  }

  @Test
  void rboExtrapolatesAPrefixToFullAgreement() {
    // the paper's extrapolation assumes the shorter list continues to agree
    assertThat(align(new long[] {4, 8, 15}, new long[] {4, 8, 15, 16, 23, 42}).rbo(0.8))
        .isCloseTo(1.0, within(1e-12));
  }

  @Test
  void rboOfDisjointOrEmptyPages() {
    assertThat(align(new long[] {1, 2, 3}, new long[] {4, 5, 6}).rbo(0.9)).isEqualTo(0.0);
    assertThat(align(new long[] {}, new long[] {}).rbo(0.9)).isEqualTo(1.0);
    assertThat(align(new long[] {1}, new long[] {}).rbo(0.9)).isEqualTo(0.0);
  }

  @Test
  void rboMatchesTheDefinitionComputedFromPrefixSets() {
    final Random random = new Random(42);
    for (int trial = 0; trial < 200; trial++) {
      final long[] a = randomPage(random, 1 + random.nextInt(30));
      final long[] b = randomPage(random, 1 + random.nextInt(30));
      final double p = 0.5 + 0.49 * random.nextDouble();
      assertThat(align(a, b).rbo(p)).isCloseTo(referenceRboExt(a, b, p), within(1e-12));
    }
  }

  @Test
  void overlapAndJaccardCountSharedItems() {
    // A = 1 2 3 4, B = 3 1 9 8 7
    final PageAlignment al = align(new long[] {1, 2, 3, 4}, new long[] {3, 1, 9, 8, 7});
    assertThat(al.shared()).isEqualTo(2);
    assertThat(al.overlapAt(1)).isEqualTo(0.0); // {1} vs {3}
    assertThat(al.overlapAt(2)).isEqualTo(0.5); // {1,2} vs {3,1}
    assertThat(al.overlapAt(3)).isCloseTo(2.0 / 3, within(1e-15)); // {1,2,3} vs {3,1,9}
    assertThat(al.overlapAt(10)).isEqualTo(2.0 / 5); // depth capped at the longer page
    assertThat(al.jaccard()).isEqualTo(2.0 / 7);
  }

  @Test
  void kendallTauMatchesHandCountOfConcordantPairs() {
    // shared order in B: 2 1 3 5 4 -> ranks 1 0 2 4 3: 2 discordant of 10 pairs -> (8 - 2) / 10
    assertThat(align(new long[] {1, 2, 3, 4, 5}, new long[] {2, 1, 3, 5, 4}).kendallTau())
        .isCloseTo(0.6, within(1e-15));
    assertThat(align(new long[] {1, 2, 3, 4}, new long[] {4, 3, 2, 1}).kendallTau()).isEqualTo(-1.0);
    // only shared items count: 9 and 8 are ignored
    assertThat(align(new long[] {1, 9, 2}, new long[] {8, 2, 1}).kendallTau()).isEqualTo(-1.0);
    assertThat(align(new long[] {1, 2}, new long[] {1, 3}).kendallTau()).isNaN();
  }

  @Test
  void kendallTauMatchesQuadraticPairCount() {
    final Random random = new Random(7);
    for (int trial = 0; trial < 200; trial++) {
      final long[] a = randomPage(random, 2 + random.nextInt(60));
      final long[] b = randomPage(random, 2 + random.nextInt(60));
      final PageAlignment al = align(a, b);
      final double expected = referenceTau(a, b);
      if (Double.isNaN(expected)) {
        assertThat(al.kendallTau()).isNaN();
      } else {
        assertThat(al.kendallTau()).isCloseTo(expected, within(1e-12));
      }
    }
  }

  @Test
  void meanRankShiftAveragesAbsoluteMovesOfSharedItems() {
    // 1: 0 -> 2, 2: 1 -> 0, 3: 2 -> 1, 4 unshared -> (2 + 1 + 1) / 3
    assertThat(align(new long[] {1, 2, 3, 4}, new long[] {2, 3, 1}).meanAbsoluteRankShift())
        .isCloseTo(4.0 / 3, within(1e-15));
    assertThat(align(new long[] {1}, new long[] {2}).meanAbsoluteRankShift()).isNaN();
  }

  @Test
  void repeatedIdCountsOnlyAtItsFirstPosition() {
    final PageAlignment al = align(new long[] {1, 2, 1}, new long[] {1, 2});
    assertThat(al.shared()).isEqualTo(2);
    assertThat(al.rankInB(2)).isEqualTo(PageAlignment.ABSENT);
    assertThat(al.jaccard()).isEqualTo(2.0 / 3);
  }

  @Test
  void rejectsBadArgumentsWithoutChangingTheLastAlignment() {
    align(new long[] {1, 2}, new long[] {2, 1});
    assertThatThrownBy(() -> alignment.align(new long[2], 3, new long[2], 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("page A size 3");
    assertThatThrownBy(() -> alignment.rbo(1.0)).hasMessageContaining("p must be in (0, 1)");
    assertThatThrownBy(() -> alignment.overlapAt(0)).hasMessageContaining("k must be >= 1");
    assertThat(alignment.kendallTau()).isEqualTo(-1.0);
  }

  @Test
  void growsForLongerPagesThanExpected() {
    final PageAlignment small = new PageAlignment(1);
    final long[] a = randomPage(new Random(3), 500);
    small.align(a, a.length, a, a.length);
    assertThat(small.rbo(0.99)).isCloseTo(1.0, within(1e-9));
    assertThat(small.kendallTau()).isEqualTo(1.0);
  }

  @Test
  void alignmentAndMetricsAllocateNothingInSteadyState() {
    final Random random = new Random(11);
    final long[][] pages = new long[64][];
    for (int i = 0; i < pages.length; i++) {
      pages[i] = randomPage(random, 50);
    }
    final PageAlignment al = new PageAlignment(50);
    double sink = 0;
    for (int i = 0; i < 20_000; i++) {
      sink += run(al, pages, i);
    }
    final int ops = 20_000;
    final long before = AllocationMeter.allocatedBytes();
    for (int i = 0; i < ops; i++) {
      sink += run(al, pages, i);
    }
    final long bytes = AllocationMeter.allocatedBytes() - before;
    assertThat(sink).isNotNaN();
    assertThat((double) bytes / ops).isLessThan(1.0);
  }

  private static double run(PageAlignment al, long[][] pages, int i) {
    final long[] a = pages[i & 63];
    final long[] b = pages[(i * 7 + 3) & 63];
    al.align(a, a.length, b, b.length);
    final double tau = al.kendallTau();
    final double shift = al.meanAbsoluteRankShift();
    return al.overlapAt(10) + al.jaccard() + al.rbo(0.9) + (Double.isNaN(tau) ? 0 : tau)
        + (Double.isNaN(shift) ? 0 : shift);
  }

  /** Distinct ids from a small universe so that random pages overlap. */
  static long[] randomPage(Random random, int size) {
    final Set<Long> seen = new HashSet<>();
    final long[] page = new long[size];
    int n = 0;
    while (n < size) {
      final long id = random.nextInt(size * 3);
      if (seen.add(id)) {
        page[n++] = id;
      }
    }
    return page;
  }

  /** Eq. 30 of Webber et al. evaluated literally with prefix sets. */
  private static double referenceRboExt(long[] a, long[] b, double p) {
    final long[] longer = a.length >= b.length ? a : b;
    final long[] shorter = a.length >= b.length ? b : a;
    final int l = longer.length;
    final int s = shorter.length;
    final double[] x = new double[l + 1];
    for (int d = 1; d <= l; d++) {
      final Set<Long> prefixL = new HashSet<>();
      for (int i = 0; i < d; i++) {
        prefixL.add(longer[i]);
      }
      int common = 0;
      for (int i = 0; i < Math.min(d, s); i++) {
        if (prefixL.contains(shorter[i])) {
          common++;
        }
      }
      x[d] = common;
    }
    double sum = 0;
    for (int d = 1; d <= l; d++) {
      sum += x[d] / d * Math.pow(p, d);
    }
    for (int d = s + 1; d <= l; d++) {
      sum += x[s] * (d - s) / (s * (double) d) * Math.pow(p, d);
    }
    return (1 - p) / p * sum + ((x[l] - x[s]) / l + x[s] / s) * Math.pow(p, l);
  }

  private static double referenceTau(long[] a, long[] b) {
    final int[] rankA = new int[a.length];
    final int[] rankB = new int[a.length];
    int n = 0;
    for (int i = 0; i < a.length; i++) {
      for (int j = 0; j < b.length; j++) {
        if (a[i] == b[j]) {
          rankA[n] = i;
          rankB[n] = j;
          n++;
        }
      }
    }
    if (n < 2) {
      return Double.NaN;
    }
    long concordant = 0;
    long discordant = 0;
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        final long sign = Long.signum((long) (rankA[i] - rankA[j]) * (rankB[i] - rankB[j]));
        if (sign > 0) {
          concordant++;
        } else if (sign < 0) {
          discordant++;
        }
      }
    }
    return (double) (concordant - discordant) / (n * (n - 1) / 2.0);
  }
}
