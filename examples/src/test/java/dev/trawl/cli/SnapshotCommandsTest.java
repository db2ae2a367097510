package dev.trawl.cli;

import static dev.trawl.cli.CommandsTest.assertOneLineError;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** build --out writes a snapshot; inspect, query and eval --index load it. */
class SnapshotCommandsTest {
  @TempDir Path dir;

  private float[][] base;
  private float[][] queries;
  private Path baseFile;
  private Path queryFile;
  private Path truthFile;
  private Path index;

  @BeforeEach
  void buildIndex() throws IOException {
    final ClusteredVectors corpus = new ClusteredVectors(10, 16, 0.5f, 9);
    base = corpus.sample(1200, 10);
    queries = corpus.sample(30, 11);
    baseFile = TestFiles.fvecs(dir.resolve("base.fvecs"), base);
    queryFile = TestFiles.fvecs(dir.resolve("queries.fvecs"), queries);
    truthFile =
        TestFiles.ivecs(dir.resolve("truth.ivecs"), TestFiles.bruteForceL2(base, queries, 10));
    index = dir.resolve("index.trawl");
    final Cli.Run run =
        Cli.run(
            "build",
            "--vectors",
            baseFile.toString(),
            "--metric",
            "l2",
            "--m",
            "8",
            "--ef-construction",
            "60",
            "--threads",
            "1",
            "--out",
            index.toString());
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out()).contains("wrote " + index);
  }

  @Test
  void inspectReportsParametersLevelsAndDegree() {
    final Cli.Run run = Cli.run("inspect", index.toString());
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out())
        .contains("metric        l2")
        .contains("dimension     10")
        .contains("parameters    M=8 efConstruction=60 seed=42")
        .contains("items         1,200 live, 1,200 ordinals")
        .contains("nodes/level   0: 1,200")
        .contains("mean degree   0: ")
        .contains("attributes    0 authors, 0 communities, 0 languages, 0 flags in use")
        .contains("bytes/item")
        .contains("section       LINKS_LEVEL0")
        .contains("loaded in");
  }

  @Test
  void inspectCountsNodesLeftAboveTheEntryByARepair() throws IOException {
    final dev.trawl.index.VectorIndex idx =
        dev.trawl.index.VectorIndex.builder(10, dev.trawl.vector.Metric.L2)
            .m(8)
            .repairThreshold(1.0)
            .reuseOrdinals(false) // keep the removed node's ordinal, so level 0 still counts 1,200
            .build();
    for (int i = 0; i < base.length; i++) {
      idx.add(i, base[i]);
    }
    final Path file = dir.resolve("repaired.trawl");
    final dev.trawl.index.SnapshotInfo before = dev.trawl.index.IndexSnapshot.write(idx, file);
    final int top = before.topLevel();
    idx.remove(idx.idOf(before.entryNode()));
    idx.repair(); // moves the entry to the highest live node, which may stand lower
    dev.trawl.index.IndexSnapshot.write(idx, file);
    final Cli.Run run = Cli.run("inspect", file.toString());
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out()).contains("nodes/level   0: 1,200").contains(top + ": ");
  }

  @Test
  void queryByStoredRowFindsTheItemItselfFirst() {
    final Cli.Run run = Cli.run("query", index.toString(), "--row", "17", "--k", "3");
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out()).containsPattern("\\n\\s+1\\s+17\\s+0\\.0+\\s");
  }

  @Test
  void queryByInlineVectorAndByFileRowAgree() {
    final String inline =
        String.join(
            ",", Arrays.stream(box(queries[4])).map(String::valueOf).toArray(String[]::new));
    final Cli.Run byVector = Cli.run("query", index.toString(), "--vector", inline, "--k", "5");
    final Cli.Run byRow =
        Cli.run(
            "query", index.toString(), "--row", "4", "--from", queryFile.toString(), "--k", "5");
    assertThat(byVector.exit()).as(byVector.err()).isZero();
    assertThat(byRow.exit()).as(byRow.err()).isZero();
    assertThat(resultLines(byVector.out())).isEqualTo(resultLines(byRow.out())).hasSize(5);
  }

  @Test
  void evalOnTheSnapshotWithTwoThreadsMatchesEvalOnTheVectorsBuiltTheSameWay() {
    final String[] timing = {
      "--ef", "20,60", "--json", "--warmup-ms", "0", "--min-time-ms", "10", "--repetitions", "1"
    };
    final Cli.Run fromIndex =
        Cli.run(
            concat(
                new String[] {
                  "eval",
                  "--index",
                  index.toString(),
                  "--queries",
                  queryFile.toString(),
                  "--truth",
                  truthFile.toString(),
                  "--threads",
                  "2"
                },
                timing));
    final Cli.Run fromBase =
        Cli.run(
            concat(
                new String[] {
                  "eval",
                  "--base",
                  baseFile.toString(),
                  "--metric",
                  "l2",
                  "--m",
                  "8",
                  "--ef-construction",
                  "60",
                  "--build-threads",
                  "1",
                  "--queries",
                  queryFile.toString(),
                  "--truth",
                  truthFile.toString()
                },
                timing));
    assertThat(fromIndex.exit()).as(fromIndex.err()).isZero();
    assertThat(fromBase.exit()).as(fromBase.err()).isZero();
    assertThat(recalls(fromIndex.out())).isEqualTo(recalls(fromBase.out())).hasSize(2);
  }

  @Test
  void damagedSnapshotsFailWithOneLineNamingTheProblem() throws IOException {
    final byte[] good = Files.readAllBytes(index);
    final Path truncated =
        Files.write(dir.resolve("truncated.trawl"), Arrays.copyOf(good, good.length / 2));
    assertOneLineError(
        Cli.run("inspect", truncated.toString()), TrawlCli.EXIT_INPUT, "truncated: section");
    final byte[] flipped = good.clone();
    flipped[good.length - 100] ^= 1;
    final Path corrupt = Files.write(dir.resolve("corrupt.trawl"), flipped);
    assertOneLineError(
        Cli.run("query", corrupt.toString(), "--row", "1"),
        TrawlCli.EXIT_INPUT,
        "checksum mismatch");
    assertOneLineError(
        Cli.run(
            "eval",
            "--index",
            baseFile.toString(),
            "--queries",
            queryFile.toString(),
            "--truth",
            truthFile.toString()),
        TrawlCli.EXIT_INPUT,
        "not a Trawl snapshot");
    assertOneLineError(
        Cli.run("inspect", dir.resolve("none.trawl").toString()),
        TrawlCli.EXIT_INPUT,
        "none.trawl: no such file");
  }

  @Test
  void queryRejectsBadVectorsAndRows() {
    assertOneLineError(
        Cli.run("query", index.toString(), "--vector", "1,2,3"),
        TrawlCli.EXIT_INPUT,
        "--vector has 3 values, the index has dimension 10");
    assertOneLineError(
        Cli.run("query", index.toString(), "--row", "99999"),
        TrawlCli.EXIT_INPUT,
        "no item with id 99999");
    assertOneLineError(
        Cli.run("query", index.toString(), "--row", "30", "--from", queryFile.toString()),
        TrawlCli.EXIT_INPUT,
        "--row 30 is out of range");
    assertOneLineError(
        Cli.run("query", index.toString(), "--vector", "1", "--row", "2"),
        TrawlCli.EXIT_USAGE,
        "mutually exclusive");
    assertOneLineError(Cli.run("query", index.toString()), TrawlCli.EXIT_USAGE, "Missing required");
  }

  private static Float[] box(float[] v) {
    final Float[] out = new Float[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i];
    }
    return out;
  }

  private static java.util.List<String> resultLines(String out) {
    return out.lines().filter(l -> l.matches("\\s+\\d+\\s+-?\\d+\\s+\\S+")).toList();
  }

  private static java.util.List<String> recalls(String out) {
    return out.lines().map(l -> l.replaceAll(".*\"recall\":([0-9.]+).*", "$1")).toList();
  }

  private static String[] concat(String[] head, String... tail) {
    final String[] out = Arrays.copyOf(head, head.length + tail.length);
    System.arraycopy(tail, 0, out, head.length, tail.length);
    return out;
  }
}
