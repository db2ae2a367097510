package dev.trawl.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.index.IndexSnapshot;
import dev.trawl.index.VectorIndex;
import dev.trawl.vector.Metric;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End-to-end runs of every command, in-process, on small generated files. */
class CommandsTest {
  @TempDir Path dir;

  private static final Pattern JSON_LINE =
      Pattern.compile(
          "\\{\"ef\":(\\d+),\"recall\":([0-9.]+),\"qps\":([0-9.]+),\"p50_us\":([0-9.]+),"
              + "\"p99_us\":([0-9.]+),\"alloc_bytes_per_query\":([0-9.]+|null)}");

  @Test
  void everyCommandHasHelp() {
    for (String command : List.of("build", "inspect", "query", "eval", "demo")) {
      final Cli.Run run = Cli.run(command, "--help");
      assertThat(run.exit()).as(command).isZero();
      assertThat(run.out()).as(command).contains("Usage: trawl " + command);
    }
    assertThat(Cli.run("--help").out()).contains("build", "inspect", "query", "eval", "demo");
  }

  @Test
  void noCommandIsAOneLineUsageError() {
    final Cli.Run run = Cli.run();
    assertThat(run.exit()).isEqualTo(TrawlCli.EXIT_USAGE);
    assertThat(run.err().strip()).doesNotContain("\n").contains("missing command");
  }

  @Test
  void buildReadsEveryInputFormat() throws IOException {
    final float[][] rows = TestFiles.integerVectors(300, 8, 3);
    final Path[] files = {
      TestFiles.fvecs(dir.resolve("v.fvecs"), rows),
      TestFiles.bvecs(dir.resolve("v.bvecs"), rows),
      TestFiles.npy(dir.resolve("v.npy"), rows),
      TestFiles.csv(dir.resolve("v.csv"), rows, true),
    };
    for (Path file : files) {
      final Cli.Run run =
          Cli.run("build", "--vectors", file.toString(), "--metric", "l2", "--threads", "2");
      assertThat(run.exit()).as(run.err()).isZero();
      assertThat(run.out()).contains("built 300 vectors (8 dims, l2, M=16, efConstruction=200)");
    }
  }

  @Test
  void buildRejectsBadInputWithOneLine() throws IOException {
    final float[][] rows = TestFiles.integerVectors(20, 4, 3);
    final Path vectors = TestFiles.fvecs(dir.resolve("v.fvecs"), rows);
    assertOneLineError(
        Cli.run("build", "--vectors", dir.resolve("missing.fvecs").toString(), "--metric", "l2"),
        TrawlCli.EXIT_INPUT,
        "missing.fvecs: no such file");
    assertOneLineError(
        Cli.run("build", "--vectors", vectors.toString(), "--metric", "hamming"),
        TrawlCli.EXIT_USAGE,
        "unknown metric 'hamming'");
    assertOneLineError(
        Cli.run("build", "--vectors", vectors.toString()), TrawlCli.EXIT_INPUT, "needs --metric");
    assertOneLineError(
        Cli.run("build", "--vectors", vectors.toString(), "--metric", "l2", "--m", "1"),
        TrawlCli.EXIT_INPUT,
        "--m must be in [2, 512], got 1");
    final Path ids = Files.writeString(dir.resolve("ids.txt"), "1\n2\n");
    assertOneLineError(
        Cli.run(
            "build", "--vectors", vectors.toString(), "--metric", "l2", "--ids", ids.toString()),
        TrawlCli.EXIT_INPUT,
        "2 ids, but there are 20 vectors");
    assertOneLineError(Cli.run("build", "--metric", "l2"), TrawlCli.EXIT_USAGE, "--vectors");
  }

  @Test
  void buildNamesTheRowTheIndexRejects() throws IOException {
    final float[][] rows = TestFiles.integerVectors(20, 4, 3);
    rows[13] = new float[4]; // a zero vector has no cosine
    final Path vectors = TestFiles.fvecs(dir.resolve("z.fvecs"), rows);
    assertOneLineError(
        Cli.run("build", "--vectors", vectors.toString(), "--metric", "cosine", "--threads", "1"),
        TrawlCli.EXIT_INPUT,
        "z.fvecs: row 13: vector of id 13");
  }

  @Test
  void evalPrintsOneJsonObjectPerEfWithTheDocumentedKeys() throws IOException {
    final ClusteredVectors corpus = new ClusteredVectors(12, 20, 0.5f, 5);
    final float[][] base = corpus.sample(1500, 6);
    final float[][] queries = corpus.sample(40, 7);
    final Path baseFile = TestFiles.fvecs(dir.resolve("base.fvecs"), base);
    final Path queryFile = TestFiles.npy(dir.resolve("q.npy"), queries);
    final Path truth =
        TestFiles.ivecs(dir.resolve("t.ivecs"), TestFiles.bruteForceL2(base, queries, 20));
    final Cli.Run run =
        Cli.run(
            "eval",
            "--base",
            baseFile.toString(),
            "--metric",
            "l2",
            "--queries",
            queryFile.toString(),
            "--truth",
            truth.toString(),
            "--k",
            "10",
            "--ef",
            "10,80",
            "--json",
            "--warmup-ms",
            "300",
            "--min-time-ms",
            "50",
            "--repetitions",
            "3");
    assertThat(run.exit()).as(run.err()).isZero();
    final String[] lines = run.out().strip().split("\n");
    assertThat(lines).hasSize(2);
    double previousRecall = 0;
    for (int i = 0; i < lines.length; i++) {
      final Matcher m = JSON_LINE.matcher(lines[i]);
      assertThat(m.matches()).as(lines[i]).isTrue();
      assertThat(Integer.parseInt(m.group(1))).isEqualTo(i == 0 ? 10 : 80);
      final double recall = Double.parseDouble(m.group(2));
      assertThat(recall).isBetween(previousRecall, 1.0);
      previousRecall = recall;
      assertThat(Double.parseDouble(m.group(3))).isPositive();
      assertThat(Double.parseDouble(m.group(5)))
          .isGreaterThanOrEqualTo(Double.parseDouble(m.group(4)));
      assertThat(Double.parseDouble(m.group(6))).as("bytes allocated per query").isLessThan(1.0);
    }
    assertThat(previousRecall).as("recall@10 at ef 80").isGreaterThan(0.95);
  }

  @Test
  void evalExcludingTheTrueTopScoresAgainstTheNextNeighboursFromFileOrBruteForce()
      throws IOException {
    final ClusteredVectors corpus = new ClusteredVectors(12, 20, 0.5f, 15);
    final float[][] base = corpus.sample(1500, 16);
    final float[][] queries = corpus.sample(30, 17);
    final Path baseFile = TestFiles.fvecs(dir.resolve("base.fvecs"), base);
    final Path queryFile = TestFiles.fvecs(dir.resolve("q.fvecs"), queries);
    final int[][] deep = TestFiles.bruteForceL2(base, queries, 20);
    final Path deepTruth = TestFiles.ivecs(dir.resolve("deep.ivecs"), deep);
    final int[][] shallow = new int[deep.length][];
    for (int q = 0; q < deep.length; q++) {
      shallow[q] = java.util.Arrays.copyOf(deep[q], 10);
    }
    final Path shallowTruth = TestFiles.ivecs(dir.resolve("shallow.ivecs"), shallow);
    final String[] common = {
      "eval", "--base", baseFile.toString(), "--metric", "l2", "--build-threads", "1",
      "--queries", queryFile.toString(), "--k", "10", "--ef", "80", "--exclude-true-top", "5",
      "--warmup-ms", "0", "--min-time-ms", "10", "--repetitions", "1"
    };
    final Cli.Run fromFile = Cli.run(concat(common, "--truth", deepTruth.toString()));
    final Cli.Run bruteForce = Cli.run(concat(common, "--truth", shallowTruth.toString()));
    for (Cli.Run run : List.of(fromFile, bruteForce)) {
      assertThat(run.exit()).as(run.err()).isZero();
      assertThat(run.out()).contains("excluding its true top 5 through a seen filter");
      assertThat(recallColumn(run.out())).singleElement().satisfies(r -> assertThat(r).isGreaterThan(0.9));
    }
    assertThat(bruteForce.out()).contains("computing exact neighbours by brute force");
    assertThat(recallColumn(bruteForce.out())).isEqualTo(recallColumn(fromFile.out()));
  }

  @Test
  void evalRejectsInconsistentInputs() throws IOException {
    final float[][] base = TestFiles.integerVectors(50, 6, 1);
    final Path baseFile = TestFiles.fvecs(dir.resolve("b.fvecs"), base);
    final Path queries = TestFiles.fvecs(dir.resolve("q.fvecs"), TestFiles.integerVectors(5, 6, 2));
    final Path wideQueries =
        TestFiles.fvecs(dir.resolve("w.fvecs"), TestFiles.integerVectors(5, 7, 2));
    final Path truth =
        TestFiles.ivecs(dir.resolve("t.ivecs"), TestFiles.bruteForceL2(base, readAll(queries), 5));
    final String[] common = {
      "eval", "--base", baseFile.toString(), "--metric", "l2", "--truth", truth.toString()
    };
    assertOneLineError(
        Cli.run(concat(common, "--queries", wideQueries.toString(), "--k", "5")),
        TrawlCli.EXIT_INPUT,
        "queries have dimension 7, the index has 6");
    assertOneLineError(
        Cli.run(concat(common, "--queries", queries.toString(), "--k", "10")),
        TrawlCli.EXIT_INPUT,
        "holds the top 5 per query, fewer than --k 10");
    assertOneLineError(
        Cli.run(concat(common, "--queries", queries.toString(), "--k", "5", "--ef", "4")),
        TrawlCli.EXIT_INPUT,
        "--ef 4 is smaller than --k 5");
    assertOneLineError(
        Cli.run(concat(common, "--queries", queries.toString(), "--k", "5", "--exclude-true-top", "-1")),
        TrawlCli.EXIT_INPUT,
        "--exclude-true-top must not be negative, got -1");
    assertOneLineError(
        Cli.run(concat(common, "--queries", queries.toString(), "--k", "5", "--exclude-true-top", "48")),
        TrawlCli.EXIT_INPUT,
        "needs 53 neighbours per query, but the index has only 50 items");
    assertOneLineError(
        Cli.run("eval", "--queries", queries.toString(), "--truth", truth.toString()),
        TrawlCli.EXIT_INPUT,
        "exactly one of --index INDEX or --base FILE");
  }

  @Test
  void demoServesReproducibleFeedsThatRespectSeenBlockedAndTakenDownPosts() {
    final String[] args = {
      "demo", "--posts", "3000", "--users", "40", "--requests", "100", "--warmup", "60",
      "--dimension", "16", "--communities", "10", "--show", "3", "--rows", "20", "--min-time-ms", "20"
    };
    final Cli.Run first = Cli.run(args);
    final Cli.Run second = Cli.run(args);
    assertThat(first.exit()).as(first.err()).isZero();
    assertThat(second.exit()).as(second.err()).isZero();
    final Matcher check = Pattern.compile("recall@10 ([0-9.]+) at ef=64").matcher(first.out());
    assertThat(check.find()).as(first.out()).isTrue();
    assertThat(Double.parseDouble(check.group(1))).isGreaterThan(0.9);
    assertThat(first.out()).contains("latency p50", "p99", "per stage");
    // every request's exclusions went through the filter planner (60 warm-up + 3 shown + 100 timed
    // requests; a search still running when its source timed out on a slow machine is not yet
    // counted when the demo prints), and none searched unfiltered
    final Matcher plans = Pattern.compile(
        "walk ([0-9,]+), exact scan ([0-9,]+), walk then exact ([0-9,]+); unfiltered ([0-9,]+)")
        .matcher(first.out());
    assertThat(plans.find()).as(first.out()).isTrue();
    assertThat(Integer.parseInt(plans.group(1)) + Integer.parseInt(plans.group(2))
        + Integer.parseInt(plans.group(3))).isBetween(100, 163);
    assertThat(plans.group(4)).isEqualTo("0");

    final FeedCorpus corpus = new FeedCorpus(3000, 16, 10, DemoCommand.NOW_MILLIS, 7);
    final List<String> feeds = feedLines(first.out());
    assertThat(feeds).hasSizeGreaterThan(3 * 5);
    assertFeedsRespect(corpus, feeds);
    if (!first.out().contains("degraded:") && !second.out().contains("degraded:")) {
      assertThat(feedLines(second.out())).isEqualTo(feeds); // same seed, one building thread
    }
  }

  /**
   * Checks every printed feed row against the corpus: no post the user has seen, no blocked author,
   * no taken-down post, and the author and community columns are the post's.
   */
  static void assertFeedsRespect(FeedCorpus corpus, List<String> feeds) {
    int user = -1;
    for (String line : feeds) {
      if (line.startsWith("user ")) {
        user = Integer.parseInt(line.substring(5, line.indexOf(':')));
        continue;
      }
      final String[] cells = line.strip().split("\\s+");
      final long post = Long.parseLong(cells[1]);
      final long author = Long.parseLong(cells[3]);
      final FeedCorpus.User u = corpus.user(user, 30);
      assertThat(u.seen()).as("user %d was shown post %d, seen before", user, post).doesNotContain(post);
      assertThat(author).as("user %d was shown blocked author", user).isNotEqualTo(u.blockedAuthor());
      assertThat(corpus.isTakenDown(post)).as("post %d was taken down", post).isFalse();
      assertThat(corpus.author(post)).isEqualTo(author);
      assertThat(corpus.community(post)).isEqualTo(Long.parseLong(cells[4]));
    }
  }

  /** The printed feeds: each "user N: ..." line followed by its rows. */
  static List<String> feedLines(String out) {
    return out.lines()
        .filter(l -> l.startsWith("user ") || l.matches("\\s+\\d+\\s+\\d+\\s+[a-z]+\\s+.*"))
        .toList();
  }

  private static List<Double> recallColumn(String out) {
    return out.lines()
        .filter(line -> line.matches("\\s*\\d+\\s+[0-9.]+\\s+.*"))
        .map(line -> Double.parseDouble(line.strip().split("\\s+")[1]))
        .toList();
  }

  private static float[][] readAll(Path file) {
    return VectorFile.open(file).readAll();
  }

  private static String[] concat(String[] head, String... tail) {
    final String[] out = java.util.Arrays.copyOf(head, head.length + tail.length);
    System.arraycopy(tail, 0, out, head.length, tail.length);
    return out;
  }

  @Test
  void serveRejectsBadOptionsAndSnapshotsWithOneLineBeforeStarting() throws IOException {
    assertOneLineError(Cli.run("serve", "--port", "0", "--shadow-rate", "1.5"), TrawlCli.EXIT_INPUT,
        "--shadow-rate must be between 0 and 1, got 1.5");
    assertOneLineError(Cli.run("serve", "--port", "0", "--redis-timeout-ms", "0"), TrawlCli.EXIT_INPUT,
        "--redis-timeout-ms must be positive, got 0");
    final Path garbage = Files.writeString(dir.resolve("garbage.idx"), "not a snapshot");
    final Cli.Run corrupt = Cli.run("serve", "--port", "0", "--snapshot", garbage.toString());
    assertOneLineError(corrupt, TrawlCli.EXIT_INPUT, "garbage.idx");
    assertThat(Files.readString(garbage)).as("left as it was").isEqualTo("not a snapshot");
    final VectorIndex small = VectorIndex.builder(4, Metric.COSINE).build();
    small.add(1, new float[] {1, 0, 0, 0});
    final Path other = dir.resolve("other.idx");
    IndexSnapshot.write(small, other);
    assertOneLineError(Cli.run("serve", "--port", "0", "--posts", "100", "--snapshot", other.toString()),
        TrawlCli.EXIT_INPUT, "the snapshot holds a 4-dimensional COSINE index; the corpus needs 64");
  }

  static void assertOneLineError(Cli.Run run, int exit, String message) {
    assertThat(run.exit()).as(run.err()).isEqualTo(exit);
    assertThat(run.err().strip()).as("one line").doesNotContain("\n").contains(message);
  }
}
