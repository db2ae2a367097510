package dev.trawl.cli;

import static dev.trawl.cli.CommandsTest.assertOneLineError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.index.IndexSnapshot;
import dev.trawl.index.LoadedSnapshot;
import dev.trawl.kafka.StreamPlan;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** trawl produce, trawl ingest and inspect --json against a real broker. */
class StreamCommandsTest {
  @TempDir static Path shared;
  @TempDir Path dir;

  /** Held so the level sticks: the in-process runs skip TrawlCli.main, which sets it. */
  private static final java.util.logging.Logger KAFKA_LOG =
      java.util.logging.Logger.getLogger("org.apache.kafka");

  private static KafkaBroker broker;
  private static Path vectors;
  private static StreamPlan plan;

  @BeforeAll
  static void startBroker() throws Exception {
    KAFKA_LOG.setLevel(java.util.logging.Level.WARNING);
    broker = KafkaBroker.start(shared.resolve("broker"));
    vectors =
        TestFiles.fvecs(
            shared.resolve("posts.fvecs"), new ClusteredVectors(12, 8, 0.5f, 3).sample(600, 4));
    plan =
        StreamPlan.builder(600)
            .removeEvery(6)
            .updateEvery(3)
            .duplicateEvery(5)
            .shuffleWindow(25)
            .seed(42)
            .build();
  }

  @AfterAll
  static void stopBroker() throws Exception {
    if (broker != null) {
      broker.close();
    }
  }

  private static Cli.Run produce(String topic) {
    return Cli.run(
        "produce",
        "--bootstrap",
        broker.bootstrap(),
        "--topic",
        topic,
        "--vectors",
        vectors.toString(),
        "--remove-every",
        "6",
        "--update-every",
        "3",
        "--duplicate-every",
        "5",
        "--shuffle-window",
        "25",
        "--create-partitions",
        "3");
  }

  private Cli.Run ingest(String topic, String... extra) {
    final String[] base = {
      "ingest",
      "--bootstrap",
      broker.bootstrap(),
      "--topic",
      topic,
      "--group",
      "cli-test",
      "--dimension",
      "12",
      "--metric",
      "l2",
      "--m",
      "8",
      "--ef-construction",
      "40",
      "--snapshot-dir",
      dir.resolve("snap").toString(),
      "--until-caught-up"
    };
    final String[] args = java.util.Arrays.copyOf(base, base.length + extra.length);
    System.arraycopy(extra, 0, args, base.length, extra.length);
    return Cli.run(args);
  }

  private static long jsonLong(String json, String key) {
    final Matcher m = Pattern.compile("\"" + key + "\":(-?\\d+)").matcher(json);
    assertThat(m.find()).as("%s in %s", key, json).isTrue();
    return Long.parseLong(m.group(1));
  }

  private static long offsetSum(String json) {
    final Matcher m = Pattern.compile("\"offset\":(\\d+)").matcher(json);
    long sum = 0;
    while (m.find()) {
      sum += Long.parseLong(m.group(1));
    }
    return sum;
  }

  @Test
  void produceThenIngestHoldsTheStreamsLiveSetAndInspectReportsVersionsAndPositions() {
    final Cli.Run produced = produce("cli-posts");
    assertThat(produced.exit()).as(produced.err()).isZero();
    assertThat(produced.out())
        .contains(
            String.format(java.util.Locale.ROOT, "produced %,d events to cli-posts", plan.size()))
        .contains(
            String.format(java.util.Locale.ROOT, "%,d posts live at the end", plan.liveCount()));

    final Cli.Run ingested = ingest("cli-posts");
    assertThat(ingested.exit()).as(ingested.err()).isZero();
    assertThat(ingested.out()).contains("new index").contains("stopped: applied").contains("lag 0");

    final Path latest = dir.resolve("snap/latest.idx");
    final Cli.Run inspected = Cli.run("inspect", "--json", latest.toString());
    assertThat(inspected.exit()).as(inspected.err()).isZero();
    final String json = inspected.out().strip();
    assertThat(json).startsWith("{").endsWith("}").doesNotContain("\n");
    assertThat(jsonLong(json, "live")).isEqualTo(plan.liveCount());
    assertThat(jsonLong(json, "versioned_live")).isEqualTo(plan.liveCount());
    assertThat(jsonLong(json, "removals_remembered")).isEqualTo(600 - plan.liveCount());
    assertThat(jsonLong(json, "ordinals")).isGreaterThanOrEqualTo(plan.liveCount());
    assertThat(json).contains("\"source\":\"cli-posts\"").contains("\"partition\":2");
    assertThat(offsetSum(json)).isEqualTo(plan.size());

    final Cli.Run text = Cli.run("inspect", latest.toString());
    assertThat(text.out())
        .contains("removals remembered")
        .contains("position      cli-posts partition 0");

    // a second run resumes from the snapshot and has nothing left to apply
    final Cli.Run again = ingest("cli-posts");
    assertThat(again.exit()).as(again.err()).isZero();
    assertThat(again.out()).contains("loaded " + latest).contains("stopped: applied 0, stale 0");
  }

  @Test
  void ingestRefusesASnapshotOfAnotherDimension() {
    assertThat(produce("cli-dim").exit()).isZero();
    assertThat(ingest("cli-dim").exit()).isZero();
    final Cli.Run run =
        Cli.run(
            "ingest",
            "--bootstrap",
            broker.bootstrap(),
            "--topic",
            "cli-dim",
            "--group",
            "g",
            "--dimension",
            "13",
            "--metric",
            "l2",
            "--snapshot-dir",
            dir.resolve("snap").toString());
    assertOneLineError(
        run, TrawlCli.EXIT_INPUT, "holds a 12-dimensional l2 index, but --dimension 13");
  }

  @Test
  void ingestOnAShardAppliesOnlyItsPartitions() {
    assertThat(produce("cli-shard").exit()).isZero();
    final Cli.Run run = ingest("cli-shard", "--partitions", "0,2");
    assertThat(run.exit()).as(run.err()).isZero();
    final Cli.Run inspected =
        Cli.run("inspect", "--json", dir.resolve("snap/latest.idx").toString());
    final String json = inspected.out();
    assertThat(json)
        .contains("\"partition\":0")
        .contains("\"partition\":2")
        .doesNotContain("\"partition\":1");
    assertThat(jsonLong(json, "live")).isPositive().isLessThan(plan.liveCount());
  }

  @Test
  void sigtermStopsIngestWithAFinalSnapshot() throws Exception {
    assertThat(produce("cli-term").exit()).isZero();
    final Path snap = dir.resolve("term");
    final Process p =
        new ProcessBuilder(
                Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                TrawlCli.class.getName(),
                "ingest",
                "--bootstrap",
                broker.bootstrap(),
                "--topic",
                "cli-term",
                "--group",
                "t",
                "--dimension",
                "12",
                "--metric",
                "l2",
                "--m",
                "8",
                "--ef-construction",
                "40",
                "--snapshot-dir",
                snap.toString(),
                "--snapshot-every",
                "3600",
                "--status-every",
                "0.1")
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      do {
        line = out.readLine();
        assertThat(line).as("ingest is running").isNotNull();
      } while (received(line) < plan.size());
      assertThat(Files.exists(snap.resolve("latest.idx"))).as("no periodic snapshot yet").isFalse();
      p.toHandle().destroy(); // SIGTERM (Process.destroy would also close our end of its output)
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      String last = line;
      for (String l = out.readLine(); l != null; l = out.readLine()) {
        last = l;
      }
      assertThat(last).startsWith("stopped: applied");
    }
    final LoadedSnapshot loaded = IndexSnapshot.loadWithPositions(snap.resolve("latest.idx"));
    assertThat(loaded.index().size()).isEqualTo(plan.liveCount());
    long sum = 0;
    for (int i = 0; i < loaded.positions().size(); i++) {
      sum += loaded.positions().offset(i);
    }
    assertThat(sum).isEqualTo(plan.size());
  }

  /** applied + stale + absent + dead-lettered of a status line, or -1 for another line. */
  private static long received(String line) {
    final Matcher m =
        Pattern.compile(
                "^applied ([\\d,]+), stale ([\\d,]+), absent ([\\d,]+), dead-lettered ([\\d,]+)")
            .matcher(line);
    if (!m.find()) {
      return -1;
    }
    long sum = 0;
    for (int g = 1; g <= 4; g++) {
      sum += Long.parseLong(m.group(g).replace(",", ""));
    }
    return sum;
  }

  @Test
  void produceRejectsBadOptionsAndFilesWithOneLine() throws Exception {
    assertOneLineError(
        Cli.run(
            "produce",
            "--bootstrap",
            broker.bootstrap(),
            "--topic",
            "x",
            "--vectors",
            vectors.toString(),
            "--remove-every",
            "-1"),
        TrawlCli.EXIT_INPUT,
        "removeEvery must be >= 0");
    assertOneLineError(
        Cli.run(
            "produce",
            "--bootstrap",
            broker.bootstrap(),
            "--topic",
            "x",
            "--vectors",
            dir.resolve("none.fvecs").toString()),
        TrawlCli.EXIT_INPUT,
        "no such file");
    assertOneLineError(
        Cli.run("produce", "--bootstrap", broker.bootstrap(), "--topic", "x", "--vectors",
            vectors.toString(), "--rate", "0"),
        TrawlCli.EXIT_INPUT,
        "--rate must be positive, got 0.0");
  }
}
