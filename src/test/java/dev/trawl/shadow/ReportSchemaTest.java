package dev.trawl.shadow;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReportSchemaTest {
  private static final int PAGE = 10;

  @SuppressWarnings("unchecked")
  private static Map<String, Object> schema() throws IOException {
    try (InputStream in = ShadowReport.class.getResourceAsStream("report.schema.json")) {
      assertThat(in).as("report.schema.json beside ShadowReport").isNotNull();
      return (Map<String, Object>) MiniJson.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  /** A report with every kind of row: a removed rule (structural), a changed share, latencies. */
  private static ShadowReport report(boolean noiseFloor) {
    final ComparisonConfig config = ComparisonConfig.defaults();
    final SyntheticRuns runs = new SyntheticRuns(60);
    final RunRecord a = new RunRecord(SyntheticRuns.SCHEMA, PAGE);
    final RunRecord b = new RunRecord(SyntheticRuns.SCHEMA, PAGE);
    final PairComparison comparison = new PairComparison(SyntheticRuns.SCHEMA, config);
    final ComparisonWindow ab = new ComparisonWindow(SyntheticRuns.SCHEMA, config);
    final ComparisonWindow aa = new ComparisonWindow(SyntheticRuns.SCHEMA, config);
    for (long req = 0; req < 300; req++) {
      runs.drawPool(req);
      runs.run(a, PAGE, true, 0, req, 900_000 + req);
      runs.run(b, PAGE, false, 2, req, 1_200_000 + req);
      comparison.compare(a, b);
      ab.add(comparison);
      runs.run(b, PAGE, true, 0, req, 900_000 + req);
      comparison.compare(a, b);
      aa.add(comparison);
    }
    return ShadowReport.of("schema", ab, noiseFloor ? aa : null, FlagPolicy.defaults());
  }

  @Test
  void theJsonReportHasExactlyTheDocumentedFieldsAndTypes() throws IOException {
    for (boolean noiseFloor : new boolean[] {true, false}) {
      final ShadowReport report = report(noiseFloor);
      final Object json = MiniJson.parse(report.toJson());
      assertThat(MiniJson.validate(json, schema(), "$")).as("noise floor %s", noiseFloor).isEmpty();
      // and the verdicts it carries are the report's
      @SuppressWarnings("unchecked")
      final List<Object> regressions = (List<Object>) ((Map<String, Object>) json).get("regressions");
      assertThat(regressions).containsExactlyElementsOf(
          report.tripping(ShadowReport.Gate.REGRESSION).stream().map(MetricRow::name).toList());
      assertThat(regressions).contains("latency_mean_us");
    }
  }

  @Test
  void theValidatorRejectsMissingUndocumentedAndMistypedFields() throws IOException {
    final String json = report(true).toJson();
    final Map<String, Object> schema = schema();
    assertThat(MiniJson.validate(MiniJson.parse(json.replace("\"schema_version\": 2", "\"schema_version\": 1")),
        schema, "$")).anyMatch(e -> e.contains("schema_version"));
    assertThat(MiniJson.validate(MiniJson.parse(json.replace("\"min_effect\"", "\"threshold\"")), schema, "$"))
        .anyMatch(e -> e.contains("missing min_effect")).anyMatch(e -> e.contains("undocumented field threshold"));
    assertThat(MiniJson.validate(MiniJson.parse(json.replace("\"verdict\": \"same\"", "\"verdict\": 0")),
        schema, "$")).anyMatch(e -> e.contains("verdict"));
  }
}
