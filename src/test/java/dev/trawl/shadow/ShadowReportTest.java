package dev.trawl.shadow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShadowReportTest {
  private static final int POOL = 200;
  private static final int PAGE = 20;
  private static final int REQUESTS = 400;

  private final ComparisonConfig config = ComparisonConfig.defaults();
  private final SyntheticRuns runs = new SyntheticRuns(POOL);
  private final RunRecord a = new RunRecord(SyntheticRuns.SCHEMA, PAGE);
  private final RunRecord b = new RunRecord(SyntheticRuns.SCHEMA, PAGE);
  private final PairComparison comparison = new PairComparison(SyntheticRuns.SCHEMA, config);

  /** Fills a window: side A drops trending with {@code swapsA}, side B as given. */
  private ComparisonWindow window(boolean dropB, int swapsA, int swapsB, long seedB) {
    final ComparisonWindow w = new ComparisonWindow(SyntheticRuns.SCHEMA, config);
    for (long req = 0; req < REQUESTS; req++) {
      runs.drawPool(req);
      runs.run(a, PAGE, true, swapsA, req, 1_000_000);
      runs.run(b, PAGE, dropB, swapsB, req + seedB, 1_000_000);
      comparison.compare(a, b);
      w.add(comparison);
    }
    return w;
  }

  @Test
  void identicalPipelinesGiveFullAgreementZeroPsiAndNoFlags() {
    final ComparisonWindow ab = window(true, 0, 0, 0);
    final ComparisonWindow aa = window(true, 0, 0, 0);
    final ShadowReport report = ShadowReport.of("identical", ab, aa, FlagPolicy.defaults());
    assertThat(report.row("overlap@10").candidate()).isEqualTo(1.0);
    assertThat(report.row("jaccard").candidate()).isEqualTo(1.0);
    assertThat(report.row("rbo_ext(p=0.9)").candidate()).isCloseTo(1.0, within(1e-12));
    assertThat(report.row("kendall_tau").candidate()).isEqualTo(1.0);
    assertThat(report.row("mean_rank_shift").candidate()).isEqualTo(0.0);
    assertThat(report.row("score_psi").delta()).isCloseTo(0.0, within(1e-12));
    assertThat(report.row("score_ks").delta()).isEqualTo(0.0);
    assertThat(report.flagged()).isEmpty();
    assertThat(report.requests()).isEqualTo(REQUESTS);
    // and without a noise floor identical runs are not flagged either
    assertThat(ShadowReport.of("identical", ab, null, FlagPolicy.defaults()).hasFlags()).isFalse();
  }

  @Test
  void removingAFilterRaisesItsSourceShareByExactlyTheFilteredAmount() {
    final ShadowReport report = ShadowReport.of("no trending filter", window(false, 0, 0, 0),
        window(true, 0, 0, 0), FlagPolicy.defaults());
    // expected: the trending share of the unfiltered top-20, computed independently of the shadow code
    double expected = 0;
    for (long req = 0; req < REQUESTS; req++) {
      runs.drawPool(req);
      final List<Integer> idx = new ArrayList<>();
      for (int i = 0; i < POOL; i++) {
        idx.add(i);
      }
      idx.sort(Comparator.comparingDouble((Integer i) -> runs.scores[i]).reversed());
      int trending = 0;
      for (int i = 0; i < PAGE; i++) {
        trending += runs.sources[idx.get(i)] == 2 ? 1 : 0;
      }
      expected += (double) trending / PAGE;
    }
    expected /= REQUESTS;
    final MetricRow share = report.row("share[trending]");
    assertThat(share.primary()).isEqualTo(0.0);
    assertThat(share.candidate()).isCloseTo(expected, within(1e-12));
    assertThat(share.delta()).isCloseTo(expected, within(1e-12));
    assertThat(share.flagged()).isTrue();
    final MetricRow funnel = report.row("removed[drop_trending]");
    assertThat(funnel.flagged()).isTrue();
    assertThat(funnel.note()).isEqualTo("absent in candidate");
    assertThat(report.row("overlap@10").candidate()).isLessThan(1.0);
  }

  @Test
  void differenceWithinTheAaNoiseIsNotFlaggedButALargerOneIs() {
    // A/A: the primary re-run with another seed swaps 3 adjacent pairs per page
    final ComparisonWindow aa = window(true, 3, 3, 1_000_003);
    final ComparisonWindow sameNoise = window(true, 3, 3, 2_000_003);
    final ComparisonWindow moreChurn = window(true, 3, 30, 2_000_003);
    final ShadowReport quiet = ShadowReport.of("same noise", sameNoise, aa, FlagPolicy.defaults());
    final ShadowReport loud = ShadowReport.of("more churn", moreChurn, aa, FlagPolicy.defaults());
    assertThat(quiet.row("rbo_ext(p=0.9)").candidate()).isLessThan(1.0);
    assertThat(quiet.row("rbo_ext(p=0.9)").flagged()).isFalse();
    assertThat(quiet.row("kendall_tau").flagged()).isFalse();
    assertThat(loud.row("rbo_ext(p=0.9)").flagged()).isTrue();
    assertThat(loud.row("kendall_tau").flagged()).isTrue();
    assertThat(loud.row("mean_rank_shift").flagged()).isTrue();
    // reordering within the page changes no set or distribution metric
    assertThat(loud.row("jaccard").flagged()).isFalse();
    assertThat(loud.row("score_psi").flagged()).isFalse();
  }

  @Test
  void failuresAreCountedAndExcludedFromPageMetrics() {
    final ComparisonWindow w = new ComparisonWindow(SyntheticRuns.SCHEMA, config);
    for (long req = 0; req < 100; req++) {
      runs.drawPool(req);
      runs.run(a, PAGE, true, 0, req, 1000);
      runs.run(b, PAGE, true, 0, req, 1000);
      if (req % 4 == 0) {
        b.outcome(RunRecord.FAILED);
      }
      comparison.compare(a, b);
      w.add(comparison);
    }
    final ShadowReport report = ShadowReport.of("failing", w, null, FlagPolicy.defaults());
    assertThat(report.requests()).isEqualTo(100);
    assertThat(report.pagesCompared()).isEqualTo(75);
    assertThat(report.row("failure_rate").candidate()).isCloseTo(0.25, within(1e-12));
    assertThat(report.row("failure_rate").flagged()).isTrue();
    assertThat(report.row("overlap@10").candidate()).isEqualTo(1.0);
  }

  @Test
  void stageLatencyFromCumulativeCountersIsAddedAsValuesWithCounts() {
    final ComparisonWindow w = new ComparisonWindow(SyntheticRuns.SCHEMA, config);
    w.addStageLatency(ComparisonWindow.SIDE_A, 0, 2_000_000L, 99);
    w.addStageLatency(ComparisonWindow.SIDE_A, 0, 9_000_000L, 1);
    w.addStageLatency(ComparisonWindow.SIDE_B, 0, 4_000_000L, 100);
    final ShadowReport report = ShadowReport.of("cumulative", w, null, FlagPolicy.defaults());
    final String name = "stage_p99_us[" + SyntheticRuns.SCHEMA.stageName(0) + "]";
    assertThat(report.row(name).primary()).isCloseTo(2_000, within(20.0));
    assertThat(report.row(name).candidate()).isCloseTo(4_000, within(40.0));
    assertThatThrownBy(() -> w.addStageLatency(ComparisonWindow.SIDE_A, 0, 1, -1))
        .hasMessageContaining("count must be >= 0");
  }

  @Test
  void rendersJsonTextAndHtml() {
    final ShadowReport report = ShadowReport.of("render \"test\"", window(false, 0, 5, 0),
        window(true, 0, 0, 0), FlagPolicy.defaults());
    final String json = report.toJson();
    assertThat(json).contains("\"title\": \"render \\\"test\\\"\"")
        .contains("\"name\": \"share[trending]\"")
        .contains("\"schema_version\": 2")
        .contains("\"flags\": [\"overlap@10\"")
        .doesNotContain("NaN");
    assertThat(count(json, '{')).isEqualTo(count(json, '}'));
    assertThat(count(json, '[')).isEqualTo(count(json, ']'));
    final String text = report.toText();
    assertThat(text).contains("Changed (").contains("share[trending]");
    final String html = report.toHtml();
    assertThat(html).startsWith("<!DOCTYPE html>").contains("<svg").contains("<polyline")
        .contains("render &quot;test&quot;").endsWith("</html>\n");
    assertThat(count(html, "<svg")).isEqualTo(3);
  }

  @Test
  void rejectsMismatchedWindowsAndUnknownMetrics() {
    final ComparisonWindow ab = new ComparisonWindow(SyntheticRuns.SCHEMA, config);
    final ComparisonWindow other = new ComparisonWindow(SyntheticRuns.SCHEMA, ComparisonConfig.defaults());
    assertThatThrownBy(() -> ShadowReport.of("x", ab, other, FlagPolicy.defaults()))
        .hasMessageContaining("share one schema and config");
    assertThatThrownBy(() -> ShadowReport.of("x", ab, null, FlagPolicy.defaults()).row("nope"))
        .hasMessageContaining("no metric named 'nope'");
    assertThatThrownBy(() -> ab.add(new PairComparison(SyntheticRuns.SCHEMA, config)))
        .isInstanceOf(IllegalStateException.class);
    final RunRecord foreign = new RunRecord(ShadowSchema.builder().source("x").build(), 4);
    assertThatThrownBy(() -> comparison.compare(foreign, a)).hasMessageContaining("schema");
  }

  @Test
  void comparingAndAggregatingAllocatesNothingInSteadyState() {
    final ComparisonWindow w = new ComparisonWindow(SyntheticRuns.SCHEMA, config);
    final int distinctRequests = 32;
    final RunRecord[] as = new RunRecord[distinctRequests];
    final RunRecord[] bs = new RunRecord[distinctRequests];
    for (int i = 0; i < distinctRequests; i++) {
      runs.drawPool(i);
      as[i] = new RunRecord(SyntheticRuns.SCHEMA, PAGE);
      bs[i] = new RunRecord(SyntheticRuns.SCHEMA, PAGE);
      runs.run(as[i], PAGE, true, 2, i, 1_000 + i * 997L);
      runs.run(bs[i], PAGE, false, 5, i + 1, 2_000 + i * 991L);
    }
    for (int i = 0; i < 20_000; i++) {
      comparison.compare(as[i % distinctRequests], bs[i % distinctRequests]);
      w.add(comparison);
    }
    final int ops = 20_000;
    final long before = AllocationMeter.allocatedBytes();
    for (int i = 0; i < ops; i++) {
      comparison.compare(as[i % distinctRequests], bs[i % distinctRequests]);
      w.add(comparison);
    }
    final long bytes = AllocationMeter.allocatedBytes() - before;
    assertThat(w.requests()).isEqualTo(2L * ops);
    assertThat((double) bytes / ops).isLessThan(1.0);
  }

  private static int count(String s, char c) {
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      n += s.charAt(i) == c ? 1 : 0;
    }
    return n;
  }

  private static int count(String s, String sub) {
    int n = 0;
    for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + 1)) {
      n++;
    }
    return n;
  }
}
