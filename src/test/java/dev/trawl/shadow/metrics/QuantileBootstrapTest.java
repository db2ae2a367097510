package dev.trawl.shadow.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class QuantileBootstrapTest {
  /** Values 1..n once each, as (values, cumulative counts). */
  private static double[] values(int n) {
    final double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = i + 1;
    }
    return v;
  }

  private static long[] cumulative(int n) {
    final long[] c = new long[n];
    for (int i = 0; i < n; i++) {
      c[i] = i + 1;
    }
    return c;
  }

  @Test
  void normalQuantilesAndBonferroniCriticalValuesMatchTables() {
    assertThat(Distributions.normalQuantile(0.975)).isCloseTo(1.959964, within(1e-4));
    assertThat(Distributions.normalQuantile(0.5)).isCloseTo(0.0, within(1e-12));
    assertThat(Distributions.normalQuantile(0.001)).isCloseTo(-3.090232, within(1e-4));
    // 25 two-sided tests at 0.05: each at 0.002, z = Phi^-1(0.999)
    assertThat(Distributions.bonferroniZ(0.05, 25)).isCloseTo(3.090232, within(1e-4));
    assertThatThrownBy(() -> Distributions.normalQuantile(1.0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Distributions.bonferroniZ(0.05, 0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void valueAtReadsTheCumulativeDistribution() {
    final double[] v = {10, 20, 30};
    final long[] c = {1, 3, 4}; // 10 once, 20 twice, 30 once
    assertThat(Distributions.valueAt(v, c, 3, 0.0)).isEqualTo(10);
    assertThat(Distributions.valueAt(v, c, 3, 0.25)).isEqualTo(10);
    assertThat(Distributions.valueAt(v, c, 3, 0.5)).isEqualTo(20);
    assertThat(Distributions.valueAt(v, c, 3, 0.75)).isEqualTo(20);
    assertThat(Distributions.valueAt(v, c, 3, 1.0)).isEqualTo(30);
    assertThat(Distributions.valueAt(v, c, 0, 0.5)).isNaN();
  }

  @Test
  void theMedianDifferenceOfTwoUniformSamplesHasTheTextbookStandardError() {
    // median of n = 1000 draws from uniform 1..1000: sd = sqrt(0.25 / n) * 1000 = 15.8 per side,
    // so the difference of two independent medians has sd 22.4
    final int n = 1000;
    final double se = new QuantileBootstrap(4000, 1).differenceStandardError(
        values(n), cumulative(n), n, values(n), cumulative(n), n, 0.5);
    assertThat(se).isCloseTo(Math.sqrt(2 * 0.25 / n) * n, within(1.0));
  }

  @Test
  void sameSeedSameAnswerAndEmptyOrBadInputIsHandled() {
    final int n = 200;
    final double first = new QuantileBootstrap(200, 9).differenceStandardError(
        values(n), cumulative(n), n, values(n), cumulative(n), n, 0.99);
    final double again = new QuantileBootstrap(200, 9).differenceStandardError(
        values(n), cumulative(n), n, values(n), cumulative(n), n, 0.99);
    assertThat(again).isEqualTo(first).isPositive();
    assertThat(new QuantileBootstrap(200, 9).differenceStandardError(values(n), cumulative(n), 0,
        values(n), cumulative(n), n, 0.5)).isNaN();
    assertThatThrownBy(() -> new QuantileBootstrap(10, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new QuantileBootstrap(100, 1).differenceStandardError(
        values(n), cumulative(n), n, values(n), cumulative(n), n, 1.5)).isInstanceOf(IllegalArgumentException.class);
  }
}
