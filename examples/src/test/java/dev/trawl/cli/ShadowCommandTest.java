package dev.trawl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code trawl shadow} end to end, in-process, on a small generated corpus and request log. */
class ShadowCommandTest {
  /** One metric line of the JSON report. */
  private static final Pattern METRIC = Pattern.compile(
      "\\{\"group\": \"([^\"]+)\", \"name\": \"([^\"]+)\", \"primary\": ([^,]+), \"candidate\": ([^,]+),"
          + " \"delta\": ([^,]+), \"noise\": ([^,]+), \"kind\": \"[a-z_]+\", \"effect\": [^,]+,"
          + " \"ci_low\": [^,]+, \"ci_high\": [^,]+, \"min_effect\": [^,]+, \"verdict\": \"([a-z]+)\","
          + " \"flagged\": (true|false),"
          + " \"note\": \"([^\"]*)\"}");

  private record Metric(
      String group, String name, String primary, String candidate, String verdict, boolean flagged, String note) {}

  @TempDir Path dir;
  Path base;
  Path requests;

  @BeforeEach
  void smallCorpusAndRequests() throws IOException {
    base = Files.writeString(dir.resolve("base.properties"), String.join("\n",
        "corpus = demo", "demo.posts = 1500", "demo.dimension = 16", "demo.communities = 6",
        "demo.seed = 5", "interest.k = 100", "interest.ef = 120", "fresh.count = 60", "mmr.pool = 60",
        "page.size = 20", ""));
    requests = dir.resolve("requests.trq");
    final Cli.Run run = Cli.run("shadow", "--record-demo", requests.toString(), "--baseline", base.toString(),
        "--demo-requests", "80", "--seed", "3");
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out()).contains("wrote 80 demo requests (seed 3)");
  }

  private Path config(String file, String... lines) throws IOException {
    return Files.writeString(dir.resolve(file), String.join("\n", lines) + "\n");
  }

  private static List<Metric> metrics(String json) {
    final List<Metric> out = new ArrayList<>();
    final Matcher m = METRIC.matcher(json);
    while (m.find()) {
      out.add(new Metric(m.group(1), m.group(2), m.group(3), m.group(4), m.group(7), m.group(8).equals("true"),
          m.group(9)));
    }
    assertThat(out).as("metrics in %s", json).isNotEmpty();
    return out;
  }

  private static Metric metric(List<Metric> metrics, String name) {
    return metrics.stream().filter(m -> m.name().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no metric " + name + " in " + metrics));
  }

  @Test
  void identicalConfigurationsAgreeEverywhereAndFlagNothingButPossiblyTiming() throws IOException {
    final Path same = config("same.properties", "base = base.properties", "name = same");
    final Cli.Run run = Cli.run("shadow", "--requests", requests.toString(), "--baseline", base.toString(),
        "--candidate", same.toString(), "--noise-floor", "--json", "--warmup", "0");
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out()).contains("\"title\": \"base -> same\"", "\"requests\": 80", "\"noise_floor_requests\": 80");
    final List<Metric> metrics = metrics(run.out());
    for (String agreement : List.of("overlap@10", "jaccard", "rbo_ext(p=0.9)", "kendall_tau")) {
      assertThat(metric(metrics, agreement).candidate()).as(agreement).isEqualTo("1");
    }
    assertThat(metric(metrics, "mean_rank_shift").candidate()).isEqualTo("0");
    assertThat(metric(metrics, "score_psi").flagged()).isFalse();
    // latency depends on the machine (this one is shared), so only what the pages show is asserted
    assertThat(metrics).filteredOn(m -> !m.group().equals("latency")).noneMatch(Metric::flagged);
  }

  @Test
  void switchingAFilterOffShowsThatFiltersFunnelAndTheChangedPages() throws IOException {
    final Path noBlocked = config("no-blocked.properties", "base = base.properties", "exclude = seen, taken-down");
    final Cli.Run run = Cli.run("shadow", "--requests", requests.toString(), "--baseline", base.toString(),
        "--candidate", noBlocked.toString(), "--noise-floor", "--json", "--warmup", "0");
    assertThat(run.exit()).as(run.err()).isZero();
    final List<Metric> metrics = metrics(run.out());
    // each user blocks 3 of the 25 authors of its home community: those posts now reach the pages
    assertThat(metric(metrics, "jaccard").flagged()).isTrue();
    assertThat(Double.parseDouble(metric(metrics, "jaccard").candidate())).isLessThan(1);
    // the request filter (seen posts still excluded) and the taken-down stage run on both sides
    assertThat(metric(metrics, "removed[excluded]").note()).isEmpty();
    assertThat(metric(metrics, "removed[taken-down]").note()).isEmpty();
    // with nothing excluded, the stage applying the request filter is absent in the candidate
    final Path nothing = config("nothing.properties", "base = base.properties", "exclude = taken-down");
    final List<Metric> none = metrics(Cli.run("shadow", "--requests", requests.toString(), "--baseline",
        base.toString(), "--candidate", nothing.toString(), "--json", "--warmup", "0").out());
    final Metric excluded = metric(none, "removed[excluded]");
    assertThat(excluded.note()).isEqualTo("absent in candidate");
    assertThat(Double.parseDouble(excluded.primary())).isGreaterThan(0);
  }

  @Test
  void failOnChangeExitsWithTheGateStatusWhenAFilterIsRemoved() throws IOException {
    final Path nothing = config("nothing.properties", "base = base.properties", "exclude = taken-down");
    final Cli.Run gated = Cli.run("shadow", "--requests", requests.toString(), "--baseline", base.toString(),
        "--candidate", nothing.toString(), "--noise-floor", "--warmup", "0", "--fail-on", "change");
    assertThat(gated.exit()).as(gated.err()).isEqualTo(ShadowCommand.EXIT_GATE);
    assertThat(gated.err()).contains("gate --fail-on change tripped");
    // the summary heads the report: the removed rule's stage is a structural change
    final String summary = gated.out().substring(0, gated.out().indexOf("\n\n"));
    assertThat(summary).contains("CHANGED  removed[excluded]", "absent in candidate");
    // the same comparison without a gate reports and exits 0
    final Cli.Run plain = Cli.run("shadow", "--requests", requests.toString(), "--baseline", base.toString(),
        "--candidate", nothing.toString(), "--warmup", "0");
    assertThat(plain.exit()).as(plain.err()).isZero();
  }

  @Test
  void anUnknownGateOrADriftGateWithoutDriftIsAnInputError() {
    final Cli.Run unknown = Cli.run("shadow", "--requests", requests.toString(), "--baseline", base.toString(),
        "--candidate", base.toString(), "--fail-on", "slower");
    assertThat(unknown.exit()).isEqualTo(TrawlCli.EXIT_INPUT);
    assertThat(unknown.err()).contains("--fail-on must be regression, change or drift, got 'slower'");
    final Cli.Run drift = Cli.run("shadow", "--requests", requests.toString(), "--baseline", base.toString(),
        "--candidate", base.toString(), "--fail-on", "drift");
    assertThat(drift.exit()).isEqualTo(TrawlCli.EXIT_INPUT);
    assertThat(drift.err()).contains("--fail-on drift needs --drift");
  }

  @Test
  void driftBetweenTwoLogsOfTheSamePopulationShowsNoPageOrQueryDrift() {
    final Path other = dir.resolve("other.trq");
    assertThat(Cli.run("shadow", "--record-demo", other.toString(), "--baseline", base.toString(),
        "--demo-requests", "80", "--seed", "4").exit()).isZero();
    final Cli.Run run = Cli.run("shadow", "--drift", "--reference", requests.toString(), "--current",
        other.toString(), "--baseline", base.toString(), "--json", "--warmup", "0");
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out()).contains("\"kind\": \"drift\"", "\"reference_requests\": 80",
        "\"current_requests\": 80", "\"features_tested\": 16");
    // latency depends on the shared machine; everything the pipeline saw and answered is asserted
    assertThat(metrics(run.out())).filteredOn(m -> !m.group().equals("latency")).noneMatch(Metric::flagged);
  }

  @Test
  void driftToAShiftedPopulationIsFoundAndTripsTheDriftGate() {
    final Path shifted = dir.resolve("shifted.trq");
    final Cli.Run record = Cli.run("shadow", "--record-demo", shifted.toString(), "--baseline", base.toString(),
        "--demo-requests", "80", "--seed", "4", "--demo-community", "2");
    assertThat(record.exit()).as(record.err()).isZero();
    final Cli.Run run = Cli.run("shadow", "--drift", "--reference", requests.toString(), "--current",
        shifted.toString(), "--baseline", base.toString(), "--json", "--warmup", "0", "--fail-on", "drift");
    assertThat(run.exit()).as(run.err()).isEqualTo(ShadowCommand.EXIT_GATE);
    final List<Metric> metrics = metrics(run.out());
    // all users now share one primary community: their interest vectors and their pages' mix move
    // (16 components, 80 requests per log: 11 of them move by 0.7-1.5 reference sd in this run)
    assertThat(metrics).filteredOn(m -> m.group().equals("query") && m.flagged()).hasSizeGreaterThanOrEqualTo(5);
    assertThat(metric(metrics, "share[interest]").verdict()).isEqualTo("changed");
    assertThat(metric(metrics, "page_size").verdict()).isEqualTo("same");
    assertThat(run.err()).contains("gate --fail-on drift tripped");
  }

  @Test
  void driftNeedsBothLogs() {
    final Cli.Run run = Cli.run("shadow", "--drift", "--reference", requests.toString());
    assertThat(run.exit()).isEqualTo(TrawlCli.EXIT_INPUT);
    assertThat(run.err()).contains("--drift needs --reference FILE and --current FILE");
  }

  @Test
  void textIsTheDefaultAndHtmlIsWrittenOnRequest() throws IOException {
    final Path lowEf = config("low-ef.properties", "base = base.properties", "name = low-ef", "interest.ef = 20");
    final Path html = dir.resolve("report.html");
    final Cli.Run run = Cli.run("shadow", "--requests", requests.toString(), "--baseline", base.toString(),
        "--candidate", lowEf.toString(), "--html", html.toString(), "--warmup", "0");
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out()).startsWith("Shadow report: base -> low-ef")
        .contains("requests 80 (pages compared 80)", "noise floor: none", "overlap@10", "removed[excluded]");
    assertThat(run.err()).contains("wrote " + html);
    assertThat(Files.readString(html)).contains("<html", "base -&gt; low-ef");
  }

  @Test
  void demoRunsWithoutARequestFileAndImpliesTheNoiseFloor() {
    final Cli.Run run = Cli.run("shadow", "--demo", "--baseline", base.toString(), "--demo-requests", "30",
        "--warmup", "0");
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out()).contains("base -> demo-without-blocked", "requests 30", "30 A/A requests",
        "removed[excluded]");
  }

  @Test
  void aSnapshotCorpusReplaysLikeTheDemoOne() throws IOException {
    final Path vectors = TestFiles.fvecs(dir.resolve("posts.fvecs"), TestFiles.integerVectors(800, 16, 9));
    final Path index = dir.resolve("posts.trawl");
    final Cli.Run build = Cli.run("build", "--vectors", vectors.toString(), "--metric", "cosine", "--threads", "1",
        "--out", index.toString());
    assertThat(build.exit()).as(build.err()).isZero();
    final Path snapshot = config("snapshot.properties", "corpus = posts.trawl", "sources = interest",
        "interest.k = 50", "page.size = 20");
    final Path noMmr = config("no-mmr.properties", "base = snapshot.properties", "selectors = author-cap, community-cap");
    final Cli.Run run = Cli.run("shadow", "--requests", requests.toString(), "--baseline", snapshot.toString(),
        "--candidate", noMmr.toString(), "--json", "--warmup", "0");
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.err()).containsOnlyOnce("loaded " + index);
    final List<Metric> metrics = metrics(run.out());
    assertThat(metric(metrics, "page_size").primary()).isEqualTo("20");
    assertThat(metric(metrics, "failure_rate").candidate()).isEqualTo("0");
    assertThat(metric(metrics, "share[interest]").primary()).isEqualTo("1");
    assertThat(metric(metrics, "stage_p99_us[mmr]").note()).isEqualTo("absent in candidate");
  }

  @Test
  void helpNamesTheOptions() {
    final Cli.Run run = Cli.run("shadow", "--help");
    assertThat(run.exit()).isZero();
    assertThat(run.out()).contains("Usage: trawl shadow", "--requests", "--baseline", "--candidate",
        "--noise-floor", "--json", "--html", "--demo", "--record-demo");
  }

  @Test
  void theShippedExampleConfigurationsAreValid() {
    final FeedConfig baseline = FeedConfig.load(Path.of("shadow/baseline.properties"));
    final FeedConfig ef = FeedConfig.load(Path.of("shadow/ef-300.properties"));
    final FeedConfig noBlocked = FeedConfig.load(Path.of("shadow/no-blocked-filter.properties"));
    assertThat(baseline.variant().interestEf()).isEqualTo(600);
    assertThat(ef.name()).isEqualTo("ef-300");
    assertThat(ef.variant().interestEf()).isEqualTo(300);
    assertThat(ef.corpus()).isEqualTo(baseline.corpus());
    assertThat(noBlocked.variant().exclusions()).containsExactly("seen", "taken-down");
    assertThat(noBlocked.variant().interestEf()).isEqualTo(600);
  }

  @Test
  void badConfigurationsAndMissingFilesAreOneLineErrors() throws IOException {
    final String req = requests.toString();
    final String b = base.toString();
    assertError(Cli.run("shadow", "--requests", dir.resolve("missing.trq").toString(), "--baseline", b,
        "--candidate", b), "missing.trq: no such file");
    assertError(Cli.run("shadow", "--requests", req, "--baseline", b, "--candidate",
        dir.resolve("nope.properties").toString()), "nope.properties: no such file");
    assertError(Cli.run("shadow", "--requests", req, "--baseline", b, "--candidate",
        config("typo.properties", "interst.ef = 64").toString()), "typo.properties: unknown key [interst.ef]");
    assertError(Cli.run("shadow", "--requests", req, "--baseline", b, "--candidate",
        config("nan.properties", "interest.ef = many").toString()), "interest.ef = 'many': not an integer");
    assertError(Cli.run("shadow", "--requests", req, "--baseline", b, "--candidate",
        config("zero.properties", "interest.ef = 0").toString()), "interest ef must be positive, got 0");
    assertError(Cli.run("shadow", "--requests", req, "--baseline", b, "--candidate",
        config("exclude.properties", "exclude = seen, bogus").toString()),
        "exclude = 'seen, bogus': unknown exclusion [bogus]; known: [seen, blocked, muted, taken-down]");
    assertError(Cli.run("shadow", "--requests", req, "--baseline", b, "--candidate",
        config("cycle.properties", "base = cycle.properties").toString()), "'base' chain deeper than");
    assertError(Cli.run("shadow", "--requests", req, "--baseline", b, "--candidate",
        config("dim.properties", "base = base.properties", "demo.dimension = 8").toString()),
        "request 1 has a 16-dim query vector, but the index of dim");
    final Path garbage = Files.write(dir.resolve("garbage.trq"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
    assertError(Cli.run("shadow", "--requests", garbage.toString(), "--baseline", b, "--candidate", b),
        "garbage.trq: not a readable request log");
    assertError(Cli.run("shadow", "--requests", req, "--baseline", b), "needs both --baseline CONFIG and --candidate");
    assertError(Cli.run("shadow"), "give --requests FILE");
    assertError(Cli.run("shadow", "--requests", req, "--baseline", b, "--candidate", b, "--score-range", "0-1"),
        "--score-range must be LO:HI or LO:HI:BINS, got '0-1'");
  }

  private static void assertError(Cli.Run run, String message) {
    assertThat(run.exit()).as(run.err()).isEqualTo(TrawlCli.EXIT_INPUT);
    // progress lines ("building the demo corpus ...") may come first; the error is one line, the last
    final String[] lines = run.err().strip().split("\n");
    assertThat(lines[lines.length - 1]).contains("shadow: error: ").contains(message);
    assertThat(run.err()).containsOnlyOnce("error:");
  }
}
