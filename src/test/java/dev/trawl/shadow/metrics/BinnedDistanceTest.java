package dev.trawl.shadow.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class BinnedDistanceTest {
  @Test
  void psiMatchesHandComputedValue() {
    // proportions (0.5, 0.5) vs (0.25, 0.75): 0.25 ln 2 + (-0.25) ln(2/3) = 0.27465307...
    assertThat(BinnedDistance.psi(new long[] {10, 10}, new long[] {5, 15}))
        .isCloseTo(0.25 * Math.log(2) - 0.25 * Math.log(2.0 / 3), within(1e-15))
        .isCloseTo(0.274653, within(1e-6));
  }

  @Test
  void psiAndKsAreZeroForIdenticalProportions() {
    assertThat(BinnedDistance.psi(new long[] {3, 0, 7}, new long[] {30, 0, 70})).isEqualTo(0.0);
    assertThat(BinnedDistance.ks(new long[] {3, 0, 7}, new long[] {30, 0, 70})).isEqualTo(0.0);
  }

  @Test
  void psiReplacesAnEmptyBinBySmallProportion() {
    final double eps = BinnedDistance.PSI_EMPTY_BIN;
    final double expected = (1 - eps) * Math.log(1 / eps) + (eps - 1) * Math.log(eps / 1);
    assertThat(BinnedDistance.psi(new long[] {4, 0}, new long[] {0, 4}))
        .isCloseTo(expected, within(1e-12));
  }

  @Test
  void ksIsTheLargestGapBetweenBinnedCdfs() {
    // CDFs (0.5, 1) and (0.25, 1)
    assertThat(BinnedDistance.ks(new long[] {10, 10}, new long[] {5, 15})).isEqualTo(0.25);
    // CDFs (0.2, 0.6, 1) and (0.5, 0.5, 1)
    assertThat(BinnedDistance.ks(new long[] {1, 2, 2}, new long[] {2, 0, 2}))
        .isCloseTo(0.3, within(1e-15));
  }

  @Test
  void emptyHistogramGivesNaNAndMismatchedBinsAreRejected() {
    assertThat(BinnedDistance.psi(new long[] {0, 0}, new long[] {1, 1})).isNaN();
    assertThat(BinnedDistance.ks(new long[] {1, 1}, new long[] {0, 0})).isNaN();
    assertThatThrownBy(() -> BinnedDistance.psi(new long[2], new long[3]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("2 and 3 bins");
  }

  @Test
  void ksCriticalValueFollowsTheAsymptoticFormula() {
    // c(0.05) = 1.358
    assertThat(BinnedDistance.ksCritical(100, 100, 0.05)).isCloseTo(1.358 * Math.sqrt(0.02), within(1e-3));
    assertThat(BinnedDistance.psiExpectedNoise(100, 100, 11)).isCloseTo(0.2, within(1e-12));
  }
}
