package dev.trawl.shadow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Drift with known answers on seeded synthetic traffic: 1,000 requests per window, pages from
 * {@link SyntheticRuns}, log-normal latencies (median 800 µs, sigma 0.5) and 16-component query
 * vectors with independent standard normal components. Windows draw from {@link SplittableRandom}:
 * nearby seeds of {@code java.util.Random} give correlated streams, which fake drift (6 of 60 stable
 * reports drifted with them).
 */
class DriftMonitorTest {
  private static final int REQUESTS = 1000;
  private static final int PAGE = 10;
  private static final int DIM = 16;

  private final ComparisonConfig config = ComparisonConfig.defaults();
  private final SyntheticRuns runs = new SyntheticRuns(60);
  private final RunRecord run = new RunRecord(SyntheticRuns.SCHEMA, PAGE);
  private final float[] query = new float[DIM];

  /** What a planted change does to the current window. */
  private record Shift(boolean dropTrending, double latencyFactor, int feature, double featureShift) {
    static final Shift NONE = new Shift(false, 1.0, -1, 0);
  }

  /** Feeds one window's traffic into {@code sink}; request numbers start at {@code firstRequest}. */
  private void traffic(DriftMonitor sink, long seed, long firstRequest, Shift shift) {
    final SplittableRandom random = new SplittableRandom(seed);
    for (long req = firstRequest; req < firstRequest + REQUESTS; req++) {
      runs.drawPool(req);
      final long nanos = Math.round(800_000 * Math.exp(0.5 * random.nextGaussian()) * shift.latencyFactor());
      runs.run(run, PAGE, shift.dropTrending(), 0, req, nanos);
      sink.record(run);
      for (int d = 0; d < DIM; d++) {
        query[d] = (float) (random.nextGaussian() + (d == shift.feature() ? shift.featureShift() : 0));
      }
      sink.recordQuery(query);
    }
  }

  private DriftReport report(long seed, Shift shift) {
    final DriftMonitor monitor = new DriftMonitor(SyntheticRuns.SCHEMA, config, DIM,
        FlagPolicy.builder().bootstrapSeed(seed).build());
    traffic(monitor, seed, seed * 1_000_000, Shift.NONE);
    monitor.rotate();
    traffic(monitor, seed + 7919, seed * 1_000_000 + 500_000, shift);
    return monitor.report();
  }

  @Test
  void trafficFromTheSameDistributionDriftsInAtMostTheFamilyWiseErrorRateOfReports() {
    int drifted = 0;
    for (long seed = 0; seed < 60; seed++) {
      final DriftReport report = report(seed, Shift.NONE);
      drifted += report.hasDrift() ? 1 : 0;
      assertThat(report.featuresTested()).isEqualTo(DIM);
      assertThat(report.metricsTested()).isEqualTo(DIM + 11);
    }
    System.out.printf("stable traffic: %d of 60 reports show drift%n", drifted);
    // FWER 0.05: 3 in 60 on average
    assertThat(drifted).isLessThanOrEqualTo(3);
  }

  @Test
  void aShiftOfOneQueryFeaturesMeanIsFoundEveryTimeAndOnlyThere() {
    for (long seed = 100; seed < 120; seed++) {
      final DriftReport report = report(seed, new Shift(false, 1.0, 3, 0.3));
      assertThat(report.row("query_mean[3]").verdict()).as("seed %d", seed).isEqualTo(Verdict.CHANGED);
      assertThat(report.row("query_mean[3]").effect()).isBetween(0.15, 0.45);
      assertThat(report.drifted()).as("seed %d", seed).extracting(MetricRow::name).containsExactly("query_mean[3]");
    }
  }

  @Test
  void aChangedSourceMixAndScoreDistributionAreFoundEveryTime() {
    for (long seed = 200; seed < 210; seed++) {
      final DriftReport report = report(seed, new Shift(true, 1.0, -1, 0));
      assertThat(report.row("share[trending]").verdict()).isEqualTo(Verdict.CHANGED);
      assertThat(report.row("share[trending]").candidate()).isZero();
      assertThat(report.row("share[ann]").verdict()).isEqualTo(Verdict.CHANGED);
      assertThat(report.row("failure_rate").verdict()).isEqualTo(Verdict.SAME);
    }
  }

  @Test
  void slowerServingIsWorseAndFasterIsBetter() {
    for (long seed = 300; seed < 310; seed++) {
      final DriftReport slower = report(seed, new Shift(false, 1.2, -1, 0));
      assertThat(slower.row("latency_mean_us").verdict()).as("seed %d", seed).isEqualTo(Verdict.WORSE);
      final DriftReport faster = report(seed, new Shift(false, 0.8, -1, 0));
      assertThat(faster.row("latency_mean_us").verdict()).as("seed %d", seed).isEqualTo(Verdict.BETTER);
    }
  }

  @Test
  void recordingAllocatesNothingInSteadyState() {
    final DriftMonitor monitor = new DriftMonitor(SyntheticRuns.SCHEMA, config, DIM, FlagPolicy.defaults());
    runs.drawPool(1);
    runs.run(run, PAGE, false, 0, 1, 900_000);
    for (int i = 0; i < 20_000; i++) {
      monitor.record(run);
      monitor.recordQuery(query);
    }
    final long before = AllocationMeter.allocatedBytes();
    for (int i = 0; i < 20_000; i++) {
      monitor.record(run);
      monitor.recordQuery(query);
    }
    final long bytes = AllocationMeter.allocatedBytes() - before;
    assertThat(bytes).isZero();
    // positive control: the meter sees a rotation's new window
    final long beforeRotate = AllocationMeter.allocatedBytes();
    monitor.rotate();
    assertThat(AllocationMeter.allocatedBytes() - beforeRotate).isPositive();
  }

  @Test
  void mismatchedWindowsAndShortQueriesAreRejected() {
    final DriftMonitor monitor = new DriftMonitor(SyntheticRuns.SCHEMA, config, DIM, FlagPolicy.defaults());
    assertThatThrownBy(() -> monitor.recordQuery(new float[DIM - 1]))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("15 components");
    assertThatThrownBy(() -> monitor.reference(new DriftWindow(SyntheticRuns.SCHEMA, config, DIM + 1)))
        .isInstanceOf(IllegalArgumentException.class);
    final ShadowSchema other = ShadowSchema.builder().source("x").build();
    assertThatThrownBy(() -> monitor.record(new RunRecord(other, 4)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("another schema");
  }
}
