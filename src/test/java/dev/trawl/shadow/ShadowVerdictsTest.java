package dev.trawl.shadow;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Calibration of the verdicts on seeded synthetic runs with known answers: identical pipelines (A/A)
 * must show no change in at most the family-wise error rate of reports, and a planted latency
 * regression must be found as often as its size allows.
 *
 * <p>Model: each request has a cost drawn once (log-normal, median 800 µs, sigma 0.4: requests
 * differ), each run multiplies it by its own noise (log-normal, sigma 0.4: runs of one request differ a lot,
 * as on a shared machine), and the
 * candidate by {@code 1 + effect}. Pages are identical on both sides. 1,000 requests per window, an A/A
 * window beside every A/B window.
 */
class ShadowVerdictsTest {
  private static final int REQUESTS = 1000;
  private static final int POOL = 60;
  private static final int PAGE = 10;

  private final ComparisonConfig config = ComparisonConfig.defaults();
  private final SyntheticRuns runs = new SyntheticRuns(POOL);
  private final RunRecord a = new RunRecord(SyntheticRuns.SCHEMA, PAGE);
  private final RunRecord b = new RunRecord(SyntheticRuns.SCHEMA, PAGE);
  private final RunRecord rerun = new RunRecord(SyntheticRuns.SCHEMA, PAGE);
  private final PairComparison comparison = new PairComparison(SyntheticRuns.SCHEMA, config);

  /** A report of one seeded A/B + A/A replay whose candidate is {@code 1 + effect} times slower. */
  private ShadowReport report(long seed, double effect) {
    final Random random = new Random(seed);
    final ComparisonWindow ab = new ComparisonWindow(SyntheticRuns.SCHEMA, config);
    final ComparisonWindow aa = new ComparisonWindow(SyntheticRuns.SCHEMA, config);
    for (long req = 0; req < REQUESTS; req++) {
      final double cost = 800_000 * Math.exp(0.4 * random.nextGaussian());
      runs.drawPool(req);
      runs.run(a, PAGE, true, 0, req, nanos(cost, random, 0));
      runs.run(b, PAGE, true, 0, req, nanos(cost, random, effect));
      runs.run(rerun, PAGE, true, 0, req, nanos(cost, random, 0));
      comparison.compare(a, b);
      ab.add(comparison);
      comparison.compare(a, rerun);
      aa.add(comparison);
    }
    return ShadowReport.of("calibration", ab, aa, FlagPolicy.builder().bootstrapSeed(seed).build());
  }

  private static long nanos(double cost, Random random, double effect) {
    return Math.round(cost * Math.exp(0.4 * random.nextGaussian()) * (1 + effect));
  }

  private static boolean anyLatency(ShadowReport report, Verdict verdict) {
    return report.rows().stream().anyMatch(r -> r.group().equals("latency") && r.verdict() == verdict);
  }

  /** Of {@code seeds} reports with the candidate {@code effect} slower, how many show a latency WORSE. */
  private int regressionsFound(int seeds, long firstSeed, double effect) {
    int found = 0;
    for (long s = firstSeed; s < firstSeed + seeds; s++) {
      found += anyLatency(report(s, effect), Verdict.WORSE) ? 1 : 0;
    }
    return found;
  }

  @Test
  void identicalPipelinesShowNoChangeInAtMostTheFamilyWiseErrorRateOfReports() {
    int withAnyChange = 0;
    int inconclusive = 0;
    for (long seed = 0; seed < 100; seed++) {
      final ShadowReport report = report(seed, 0);
      withAnyChange += report.hasFlags() ? 1 : 0;
      inconclusive += report.rows().stream().anyMatch(r -> r.verdict() == Verdict.INCONCLUSIVE) ? 1 : 0;
      assertThat(report.metricsTested()).isGreaterThan(20);
    }
    System.out.printf("A/A: %d of 100 reports show a change, %d have an inconclusive metric%n",
        withAnyChange, inconclusive);
    // FWER 0.05 allows 5 in 100 on average; Bonferroni and the minimum effects make it conservative.
    // Without the correction (z = 1.96 over ~25 metrics) most reports would flag something.
    assertThat(withAnyChange).isLessThanOrEqualTo(5);
  }

  @Test
  void aTwentyPercentLatencyRegressionIsFoundEveryTime() {
    final int found = regressionsFound(20, 1000, 0.20);
    System.out.printf("+20%%: found in %d of 20%n", found);
    assertThat(found).isEqualTo(20);
  }

  @Test
  void powerFallsWithTheSizeOfTheRegression() {
    final int ten = regressionsFound(20, 2000, 0.10);
    final int five = regressionsFound(20, 3000, 0.05);
    System.out.printf("+10%%: found in %d of 20; +5%%: found in %d of 20%n", ten, five);
    // measured 15 and 4 of 20 (docs/shadow.md); 5% is near the 3% minimum effect, so it is rarely
    // resolved at this noise and sample size, while 10% mostly is
    assertThat(ten).isGreaterThanOrEqualTo(12);
    assertThat(five).isBetween(1, 8);
    assertThat(five).isLessThan(ten);
  }

  @Test
  void anImprovementIsReportedAsBetterAndNeverAsWorse() {
    for (long seed = 4000; seed < 4010; seed++) {
      final ShadowReport report = report(seed, -0.20);
      assertThat(anyLatency(report, Verdict.BETTER)).as("seed %d", seed).isTrue();
      assertThat(anyLatency(report, Verdict.WORSE)).as("seed %d", seed).isFalse();
      assertThat(report.trips(ShadowReport.Gate.REGRESSION)).isFalse();
      assertThat(report.trips(ShadowReport.Gate.CHANGE)).isTrue();
    }
  }

  @Test
  void subMicrosecondStageDifferencesAreNeverAChange() {
    // stages of ~0.5 µs moving by 0.08 µs (16%, as in a noisy demo report) stay under the 1 µs minimum
    final ComparisonWindow ab = new ComparisonWindow(SyntheticRuns.SCHEMA, config);
    for (long req = 0; req < REQUESTS; req++) {
      runs.drawPool(req);
      runs.run(a, PAGE, true, 0, req, 1_000);
      runs.run(b, PAGE, true, 0, req, 1_160);
      comparison.compare(a, b);
      ab.add(comparison);
    }
    final ShadowReport report = ShadowReport.of("tiny", ab, null, FlagPolicy.defaults());
    final MetricRow stage = report.row("stage_p99_us[sources]");
    assertThat(stage.effect()).isGreaterThan(0.05).isLessThan(1.0);
    assertThat(stage.verdict()).isEqualTo(Verdict.SAME);
    assertThat(report.trips(ShadowReport.Gate.CHANGE)).isFalse();
  }
}
