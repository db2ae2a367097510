package dev.trawl.index;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.filter.ItemAttributes;
import dev.trawl.filter.RequestFilter;
import dev.trawl.index.HostileFiles.Base;
import dev.trawl.vector.Metric;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Feedback-guided mutation fuzzing of the snapshot loader. The property: loading any file either
 * returns an index that passes {@link #checkConsistent} (sizes agree with the header, every live id
 * resolves to its ordinal and its attributes, searches plain and filtered return live ids in order
 * of finite distance, the index accepts writes, repairs and snapshots itself again) or throws a
 * {@link SnapshotException}; never another exception, never an {@link Error}, never a hang (each
 * load and check gets {@value #HANG_SECONDS} s).
 *
 * <p>Inputs start from the seeds in {@code src/test/resources/snapshot-corpus} (valid snapshots of
 * every section kind and metric, plus the inputs of crashes found and fixed) and are mutated by
 * {@link SnapshotMutator}, which fixes the checksums of nine mutants in ten so that they reach the
 * structural checks. Guidance: a mutant joins the working corpus when its outcome is new, that is
 * when it is refused by a check (the message with its numbers masked) no input reached before, or
 * loads with a combination of sections, metric and counts not loaded before; the fuzzer then mutates
 * it further. Without code coverage instrumentation, the checks the loader names are the map of the
 * paths taken.
 *
 * <p>Bounded: {@code -Dtrawl.fuzz.executions} (default 5,000, a few seconds) and {@code
 * -Dtrawl.fuzz.seed} (default 1) for a long or different run. A failing input is written to
 * {@code target/fuzz-failures/} to be added to the corpus once fixed.
 */
class SnapshotFuzzTest {
  static final int HANG_SECONDS = 30;
  private static final Pattern NUMBERS = Pattern.compile("-?\\d+(\\.\\d+)?(E-?\\d+)?");

  @TempDir Path dir;
  private ExecutorService worker = newWorker();
  private int files;

  @AfterEach
  void stopWorker() {
    worker.shutdownNow();
  }

  private static ExecutorService newWorker() {
    return Executors.newSingleThreadExecutor(r -> {
      final Thread t = new Thread(r, "snapshot-fuzz");
      t.setDaemon(true); // a hung load must not keep the JVM alive
      return t;
    });
  }

  static Path corpusDir() {
    try {
      return Path.of(SnapshotFuzzTest.class.getResource("/snapshot-corpus").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static List<byte[]> corpus() throws IOException {
    final List<byte[]> inputs = new ArrayList<>();
    try (Stream<Path> paths = Files.list(corpusDir())) {
      for (Path p : paths.filter(p -> p.toString().endsWith(".trawl")).sorted().toList()) {
        inputs.add(Files.readAllBytes(p));
      }
    }
    return inputs;
  }

  /** The seeds: a sample snapshot of each shape, by file name. */
  static Stream<Object[]> seeds() {
    return Stream.of(
        new Object[] {"seed-graph-l2.trawl", Base.GRAPH.bytes()},
        new Object[] {"seed-graph-cosine.trawl", Base.COSINE.bytes()},
        new Object[] {"seed-graph-inner-product.trawl",
            HostileFiles.write(SampleSnapshots.graph(Metric.INNER_PRODUCT), SourcePositions.NONE)},
        new Object[] {"seed-full.trawl", Base.FULL.bytes()},
        new Object[] {"seed-empty.trawl", Base.EMPTY.bytes()});
  }

  /**
   * The seeds in the corpus are the sample snapshots this build writes (so the fuzzer starts from
   * files of the current format). After a format change, rewrite them with {@code
   * -Dtrawl.fuzz.writeSeeds=src/test/resources/snapshot-corpus}.
   */
  @Test
  void corpusSeedsAreTheSamplesThisBuildWrites() throws IOException {
    final String target = System.getProperty("trawl.fuzz.writeSeeds");
    for (Object[] seed : seeds().toList()) {
      if (target != null) {
        Files.write(Path.of(target).resolve((String) seed[0]), (byte[]) seed[1]);
        Files.write(corpusDir().resolve((String) seed[0]), (byte[]) seed[1]); // the copy on the class path
      }
      final Path committed = corpusDir().resolve((String) seed[0]);
      assertThat(committed).exists();
      assertThat(Files.readAllBytes(committed)).as("%s", seed[0]).isEqualTo(seed[1]);
    }
  }

  @Test
  void everyCorpusInputLoadsConsistentlyOrIsRefused() throws Exception {
    final List<byte[]> corpus = corpus();
    assertThat(corpus).hasSizeGreaterThanOrEqualTo(5);
    int loaded = 0;
    for (byte[] input : corpus) {
      final Outcome outcome = run(input, new SplittableRandom(0));
      assertThat(outcome.failure).as(outcome.feature).isNull();
      loaded += outcome.feature.startsWith("loaded") ? 1 : 0;
    }
    assertThat(loaded).isGreaterThanOrEqualTo(5); // the seeds, at least
  }

  @Test
  void mutatedSnapshotsLoadConsistentlyOrAreRefused() throws Exception {
    final int executions = Integer.getInteger("trawl.fuzz.executions", 5_000);
    final long seed = Long.getLong("trawl.fuzz.seed", 1L);
    final SplittableRandom random = new SplittableRandom(seed);
    final List<byte[]> corpus = corpus();
    final int seeds = corpus.size();
    final SnapshotMutator mutator = new SnapshotMutator(random, corpus);
    final Set<String> features = new HashSet<>();
    final List<String> failures = new ArrayList<>();
    int loaded = 0;
    final long start = System.nanoTime();
    int mutatorErrors = 0;
    for (int i = 0; i < executions && failures.size() < 5; i++) {
      final byte[] input;
      try {
        input = mutator.mutate(corpus.get(random.nextInt(corpus.size())));
      } catch (RuntimeException bug) {
        // a bug of the test's mutator, not of the loader: reported below, the run goes on
        if (mutatorErrors++ == 0) {
          failures.add("the mutator failed at execution " + i + ":\n" + stackOf(bug));
        }
        continue;
      }
      final Outcome outcome = run(input, random);
      if (outcome.failure != null) {
        failures.add("execution " + i + ": " + outcome.feature + "\n" + stackOf(outcome.failure)
            + "input: " + save(input, seed, i));
        continue;
      }
      loaded += outcome.feature.startsWith("loaded") ? 1 : 0;
      if (features.add(outcome.feature)) {
        if (corpus.size() < 2_000) {
          corpus.add(input);
        } else {
          corpus.set(seeds + random.nextInt(corpus.size() - seeds), input);
        }
      }
    }
    System.out.printf(
        "snapshot fuzz: %d executions (seed %d) in %.1f s: %d loaded, %d distinct outcomes, corpus %d -> %d%n",
        executions, seed, (System.nanoTime() - start) / 1e9, loaded, features.size(), seeds, corpus.size());
    assertThat(failures).as("inputs that neither loaded consistently nor were refused").isEmpty();
    // the guidance works: mutants reach many different checks, and some still load
    assertThat(features.size()).isGreaterThan(Math.min(60, executions / 20));
    assertThat(loaded).isPositive();
  }

  /** What one input did: a feature for the guidance, and the failure that breaks the property, if any. */
  private record Outcome(String feature, Throwable failure) {}

  private Outcome run(byte[] input, SplittableRandom random) throws Exception {
    final Path file = Files.write(dir.resolve("fuzz-" + files++ + ".trawl"), input);
    final long querySeed = random.nextLong();
    final Future<String> task = worker.submit(() -> {
      final VectorIndex index;
      try {
        index = IndexSnapshot.load(file);
      } catch (SnapshotException refused) {
        final String message = refused.getMessage().substring(file.toString().length() + 2);
        return "refused: " + NUMBERS.matcher(message).replaceAll("#");
      }
      return checkConsistent(index, file, querySeed);
    });
    try {
      return new Outcome(task.get(HANG_SECONDS, TimeUnit.SECONDS), null);
    } catch (java.util.concurrent.ExecutionException e) {
      return new Outcome("crash: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      task.cancel(true);
      worker.shutdownNow();
      worker = newWorker(); // the hung thread is left behind (a daemon), the next input gets a new one
      return new Outcome("hang", new AssertionError("no answer in " + HANG_SECONDS + " s"));
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /**
   * Checks a loaded index against its file and uses it: returns the feature for the guidance, throws
   * on any inconsistency.
   */
  static String checkConsistent(VectorIndex index, Path file, long seed) throws IOException {
    final SnapshotInfo info = IndexSnapshot.readInfo(file);
    check(index.size() == info.liveItems(), "size " + index.size() + ", header live " + info.liveItems());
    check(index.dimension() == info.dimension() && index.metric() == info.metric(), "parameters");
    check(index.graph().size() == info.ordinals(), "ordinals");
    final ItemAttributes attributes = new ItemAttributes();
    int live = 0;
    boolean anyAttributes = false;
    for (int o = 0; o < info.ordinals(); o++) {
      if (index.graph().isPublished(o) && !index.graph().isDeleted(o)) {
        live++;
        final long id = index.idOf(o);
        check(index.ordinalOf(id) == o, "live ordinal " + o + " does not resolve through its id " + id);
        index.attributes(id, attributes);
        anyAttributes |= attributes.flags() != 0 || attributes.author() != ItemAttributes.NONE;
      }
    }
    check(live == index.size(), live + " live ordinals, size " + index.size());

    final SplittableRandom random = new SplittableRandom(seed);
    final float[] query = new float[index.dimension()];
    final SearchResults results = new SearchResults(10);
    final Searcher searcher = index.newSearcher();
    final RequestFilter filter = index.newFilter();
    for (int q = 0; q < 3; q++) {
      for (int j = 0; j < query.length; j++) {
        query[j] = (float) random.nextGaussian();
      }
      query[0] += 1f; // never the zero vector, which cosine refuses
      checkResults(index, searcher.search(query, 10, 16, results), results, null);
      filter.allowAll().andNot(index.attributes().flags(), 0);
      checkResults(index, searcher.search(query, 10, 16, filter, results), results, attributes);
    }
    final long fresh = 0x7FFF_0000_0000_0000L + random.nextInt(1000);
    if (!index.contains(fresh)) {
      query[0] += 1f;
      index.add(fresh, query);
      check(index.contains(fresh) && index.size() == live + 1, "an added item is not there");
      index.remove(fresh);
      check(!index.contains(fresh) && index.size() == live, "a removed item is still there");
    }
    index.repair();
    checkResults(index, searcher.search(query, 10, 16, results), results, null);
    final Path again = file.resolveSibling(file.getFileName() + ".again");
    IndexSnapshot.write(index, again);
    try {
      check(IndexSnapshot.load(again).size() == index.size(), "a snapshot of the loaded index has another size");
    } finally {
      Files.deleteIfExists(again);
    }
    return "loaded " + info.metric() + " " + info.sections().stream().map(SnapshotInfo.Section::name).toList()
        + (info.ordinals() > 0 ? " items" : "") + (live < info.published() ? " deleted" : "")
        + (info.published() < info.ordinals() ? " unpublished" : "") + (anyAttributes ? " attributes" : "");
  }

  /** Results are live ids, unique, of finite non-decreasing distance; filtered ones lack flag 0. */
  private static void checkResults(VectorIndex index, int n, SearchResults results, ItemAttributes scratch) {
    check(n >= 0 && n <= 10 && n <= index.size(), n + " results from " + index.size() + " items");
    final Set<Long> seen = new HashSet<>();
    for (int i = 0; i < n; i++) {
      final long id = results.id(i);
      check(index.contains(id) && seen.add(id), "result " + id + " is not a live item, or repeated");
      check(Float.isFinite(results.distance(i)) && (i == 0 || results.distance(i) >= results.distance(i - 1)),
          "distances not finite and in order");
      if (scratch != null) {
        index.attributes(id, scratch);
        check(!scratch.hasFlag(0), "item " + id + " with flag 0 passed a filter excluding it");
      }
    }
  }

  private static void check(boolean condition, String what) {
    if (!condition) {
      throw new AssertionError("loaded index is inconsistent: " + what);
    }
  }

  private static String stackOf(Throwable t) {
    final java.io.StringWriter out = new java.io.StringWriter();
    t.printStackTrace(new java.io.PrintWriter(out));
    return out.toString();
  }

  private static Path save(byte[] input, long seed, int execution) throws IOException {
    final Path failures = Path.of("target", "fuzz-failures");
    Files.createDirectories(failures);
    return Files.write(failures.resolve("seed" + seed + "-" + execution + ".trawl"), input);
  }
}
