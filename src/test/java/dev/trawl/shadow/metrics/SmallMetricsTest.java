package dev.trawl.shadow.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SmallMetricsTest {
  @Test
  void fixedBinsClampOutOfRangeValues() {
    final FixedBins bins = FixedBins.of(0, 1, 10);
    assertThat(bins.index(-5)).isEqualTo(0);
    assertThat(bins.index(0.0)).isEqualTo(0);
    assertThat(bins.index(0.35)).isEqualTo(3);
    assertThat(bins.index(1.0)).isEqualTo(9);
    assertThat(bins.index(Double.NaN)).isEqualTo(0);
    assertThat(bins.lowerEdge(3)).isCloseTo(0.3, within(1e-15));
    assertThatThrownBy(() -> FixedBins.of(1, 1, 3)).hasMessageContaining("finite lo < hi");
    assertThatThrownBy(() -> FixedBins.of(0, 1, 0)).hasMessageContaining("bin count must be >= 1");
  }

  @Test
  void runningStatMatchesDirectMeanAndVarianceAndMergesLikeOneStream() {
    final Random random = new Random(5);
    final double[] xs = new double[1000];
    final RunningStat all = new RunningStat();
    final RunningStat first = new RunningStat();
    final RunningStat second = new RunningStat();
    for (int i = 0; i < xs.length; i++) {
      xs[i] = random.nextGaussian() * 3 + 10;
      all.add(xs[i]);
      (i < 300 ? first : second).add(xs[i]);
    }
    double mean = 0;
    for (double x : xs) {
      mean += x;
    }
    mean /= xs.length;
    double ss = 0;
    for (double x : xs) {
      ss += (x - mean) * (x - mean);
    }
    assertThat(all.mean()).isCloseTo(mean, within(1e-10));
    assertThat(all.variance()).isCloseTo(ss / (xs.length - 1), within(1e-9));
    assertThat(all.standardError()).isCloseTo(Math.sqrt(ss / (xs.length - 1) / xs.length), within(1e-9));
    first.merge(second);
    assertThat(first.count()).isEqualTo(1000);
    assertThat(first.mean()).isCloseTo(mean, within(1e-10));
    assertThat(first.variance()).isCloseTo(all.variance(), within(1e-9));
  }

  @Test
  void runningStatCountsNaNApart() {
    final RunningStat s = new RunningStat();
    assertThat(s.mean()).isNaN();
    s.add(Double.NaN);
    s.add(2);
    s.add(4);
    assertThat(s.count()).isEqualTo(2);
    assertThat(s.undefinedCount()).isEqualTo(1);
    assertThat(s.mean()).isEqualTo(3.0);
  }

  @Test
  void distinctCounterCountsUniqueValuesOfAPrefix() {
    final DistinctCounter c = new DistinctCounter(4);
    assertThat(c.count(new long[] {7, 7, 3, 9, 3, 1}, 5)).isEqualTo(3);
    assertThat(c.count(new long[] {7, 7}, 0)).isZero();
    assertThatThrownBy(() -> c.count(new long[1], 2)).hasMessageContaining("size 2 outside [0, 1]");
  }
}
