package dev.trawl.bench;

import dev.trawl.bench.data.Dataset;
import dev.trawl.bench.data.DatasetLoader;
import dev.trawl.bench.data.Recall;
import dev.trawl.bench.engine.AnnEngine;
import dev.trawl.bench.engine.Engines;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The adversarial "seen top-100" filter on Trawl and its Java peers, each through its own filtered
 * search, against the same engine's unfiltered search on the same index in the same run: is the
 * filtered/unfiltered cost ratio at equal recall a property of Trawl or of graph search?
 *
 * <pre>
 * java [JVM flags] -cp benchmarks.jar dev.trawl.bench.FilterPeersSuite --out DIR
 *     [--datasets siftsmall,wordnet-minilm-384,fashion-mnist] [--engines trawl,lucene,jvector,hnswlib-core]
 *     [--efs 10,16,...,384] [--seen 100] [--measure-ms 350] [--reps 3] [--warmup-ms 300]
 * </pre>
 *
 * <p>Data, truth and Trawl's index come from {@link FilterFixture} (M = 16, efConstruction = 200,
 * built on 2 threads; Fashion-MNIST cut to its first 20,000 images in quick mode; truth by brute
 * force in double precision, ties by id). Each peer builds its own index of the same items once per
 * dataset, with the same M and efConstruction on 2 threads ({@link Engines#counting}), and the whole
 * ef sweep runs on that one index. What each engine's filtered request does is described at its
 * {@link AnnEngine.Index#newExcludingQuery}: Lucene and JVector pass an acceptOrds {@code Bits} into
 * the graph walk, hnswlib-core (no filter API) post-filters K + 100 results, Trawl runs its planned
 * filtered search at default settings.
 *
 * <p>Per (engine, dataset, ef), both cases on one query context: one untimed pass over the queries
 * gives recall@10 (unfiltered against the exact top-10, seen against exact ranks 101-110) and the
 * mean visited count, and checks that no excluded item comes back; then {@code --warmup-ms} of each
 * case, then {@code --reps} timed repetitions of {@code --measure-ms} each, the two cases alternating
 * (so they share the machine's load of the moment). Each repetition measures wall time and the
 * benchmark thread's own CPU time; the median repetition of each is reported. A plain loop, not JMH:
 * 4 engines x 3 datasets x 11 ef values x 2 cases is 264 points, and JMH's per-trial overhead would
 * triple the run.
 *
 * <p>Output: {@code DIR/filters-peers.md} (all points, the ratio table at fixed recall levels, the
 * best recall reached with the filter) and {@code DIR/filters-peers.jsonl}. Not thread-safe (a main
 * program).
 */
public final class FilterPeersSuite {
  private static final String EFS = "10,16,24,32,48,64,96,128,192,256,384";
  private static final double[] LEVELS = {0.95, 0.97, 0.98, 0.99, 0.995};
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  /** One measured case at one ef: recall, mean visited (-1 unknown), wall and CPU queries/s. */
  record Point(int ef, double recall, double visited, double qps, double cpuQps) {}

  private FilterPeersSuite() {}

  public static void main(String[] args) throws Exception {
    final Map<String, String> opts = new TreeMap<>();
    for (int i = 0; i < args.length; i += 2) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("expected --option value pairs, got '" + args[i] + "'");
      }
      opts.put(args[i].substring(2), args[i + 1]);
    }
    final Path out = Paths.get(opts.getOrDefault("out", "target/results-filters-peers"));
    Files.createDirectories(out);
    final List<String> datasets = list(opts.getOrDefault("datasets", "siftsmall,wordnet-minilm-384,fashion-mnist"));
    final List<String> engines = list(opts.getOrDefault("engines", "trawl,lucene,jvector,hnswlib-core"));
    final int[] efs = Arrays.stream(opts.getOrDefault("efs", EFS).split(",")).mapToInt(Integer::parseInt).toArray();
    final int seenCount = Integer.parseInt(opts.getOrDefault("seen", "100"));
    final long measureNanos = Long.parseLong(opts.getOrDefault("measure-ms", "350")) * 1_000_000L;
    final long warmupNanos = Long.parseLong(opts.getOrDefault("warmup-ms", "300")) * 1_000_000L;
    final int reps = Integer.parseInt(opts.getOrDefault("reps", "3"));
    if (seenCount + Dataset.K > FilterFixture.DEPTH) {
      throw new IllegalArgumentException("--seen " + seenCount + " needs truth deeper than " + FilterFixture.DEPTH);
    }
    final Path jsonl = out.resolve("filters-peers.jsonl");
    System.setProperty("trawl.bench.records", jsonl.toString());
    Files.deleteIfExists(jsonl);

    final String seenCase = "seen" + seenCount;
    final StringBuilder points = new StringBuilder();
    final StringBuilder ratios = new StringBuilder();
    // dataset|engine -> recall level -> "CPU ratio / visited ratio", for the compact table
    final Map<String, Map<Double, String>> summary = new LinkedHashMap<>();
    final StringBuilder best = new StringBuilder();
    final StringBuilder conditions = new StringBuilder();
    final long start = System.nanoTime();
    conditions.append(String.format(Locale.ROOT, "- start: load average %s; %s %s, %d processors%n",
        loadAverage(), System.getProperty("java.vm.name"), System.getProperty("java.version"),
        Runtime.getRuntime().availableProcessors()));
    for (String name : datasets) {
      final FilterFixture fixture = FilterFixture.get(name);
      final Dataset data = DatasetLoader.get(name);
      final long[][] seen = fixture.seenIds(seenCount);
      final int nq = fixture.queries.length;
      final int[][] truthNone = new int[nq][];
      final int[][] truthSeen = new int[nq][];
      for (int qi = 0; qi < nq; qi++) {
        truthNone[qi] = fixture.truth("none", qi);
        truthSeen[qi] = fixture.truth(seenCase, qi);
      }
      for (String engine : engines) {
        final long buildStart = System.nanoTime();
        AnnEngine.Index index = engine.equals("trawl")
            ? Engines.trawl(fixture.index)
            : Engines.counting(engine).build(data, fixture.size, IndexCache.BUILD_THREADS);
        final double buildSeconds = (System.nanoTime() - buildStart) / 1e9;
        System.out.printf(Locale.ROOT, "[%s] %s on %s: index ready in %.1f s (load %s)%n",
            elapsed(start), engine, name, buildSeconds, loadAverage());
        conditions.append(String.format(Locale.ROOT, "- %s %s: %s, load average %s at start%n", name, engine,
            engine.equals("trawl") ? "FilterFixture's index" : String.format(Locale.ROOT, "built in %.1f s", buildSeconds),
            loadAverage()));
        final List<Point> none = new ArrayList<>();
        final List<Point> filtered = new ArrayList<>();
        // JIT warm-up of this engine's both paths before the first timed point
        final AnnEngine.ExcludingQuery warm = index.newExcludingQuery(64);
        run(warm, fixture.queries, seen, 0, 4 * warmupNanos);
        run(warm, fixture.queries, seen, seenCount, 4 * warmupNanos);
        for (int ef : efs) {
          final AnnEngine.ExcludingQuery query = index.newExcludingQuery(ef);
          final double[] u = pass(query, fixture.queries, seen, 0, truthNone, name, engine, ef);
          final double[] f = pass(query, fixture.queries, seen, seenCount, truthSeen, name, engine, ef);
          run(query, fixture.queries, seen, 0, warmupNanos);
          run(query, fixture.queries, seen, seenCount, warmupNanos);
          final double[][] uTimes = new double[reps][];
          final double[][] fTimes = new double[reps][];
          for (int r = 0; r < reps; r++) {
            uTimes[r] = run(query, fixture.queries, seen, 0, measureNanos);
            fTimes[r] = run(query, fixture.queries, seen, seenCount, measureNanos);
          }
          final Point pu = new Point(ef, u[0], u[1], median(uTimes, 0), median(uTimes, 1));
          final Point pf = new Point(ef, f[0], f[1], median(fTimes, 0), median(fTimes, 1));
          none.add(pu);
          filtered.add(pf);
          for (Point p : List.of(pu, pf)) {
            Records.write("filter-peers", "engine", engine, "dataset", name, "filter", p == pu ? "none" : seenCase,
                "ef", ef, "items", fixture.size, "queries", nq, "recall", p.recall(), "visited", p.visited(),
                "qps", p.qps(), "qpsPerCpuSecond", p.cpuQps());
          }
          points.append(String.format(Locale.ROOT,
              "| %s | %s | %d | %.4f | %s | %,.0f | %,.0f | %.4f | %s | %,.0f | %,.0f | %.2fx | %s |%n",
              name, engine, ef, pu.recall(), visited(pu.visited()), pu.cpuQps(), pu.qps(), pf.recall(),
              visited(pf.visited()), pf.cpuQps(), pf.qps(), pu.cpuQps() / pf.cpuQps(),
              pu.visited() > 0 ? String.format(Locale.ROOT, "%.2fx", pf.visited() / pu.visited()) : "n/a"));
          System.out.printf(Locale.ROOT,
              "[%s] %s %s ef=%d: none recall %.4f visited %s %,.0f q/CPU-s | %s recall %.4f visited %s %,.0f q/CPU-s%n",
              elapsed(start), name, engine, ef, pu.recall(), visited(pu.visited()), pu.cpuQps(), seenCase,
              pf.recall(), visited(pf.visited()), pf.cpuQps());
        }
        index = null; // the next engine's build should not share the heap with this one
        System.gc();
        compare(name, engine, none, filtered, ratios, summary);
        Point top = filtered.get(0);
        for (Point p : filtered) {
          top = p.recall() > top.recall() ? p : top;
        }
        Point topNone = none.get(0);
        for (Point p : none) {
          topNone = p.recall() > topNone.recall() ? p : topNone;
        }
        best.append(String.format(Locale.ROOT, "| %s | %s | %.4f (ef %d) | %s | %.4f (ef %d) |%n",
            name, engine, top.recall(), top.ef(), recallAt(filtered, 64), topNone.recall(), topNone.ef()));
      }
    }
    conditions.append(String.format(Locale.ROOT, "- end: load average %s; %s in all%n", loadAverage(), elapsed(start)));

    final StringBuilder md = new StringBuilder();
    md.append("### Seen top-").append(seenCount).append(" against unfiltered, each engine's own filtered search\n\n");
    md.append(conditions).append('\n');
    md.append("#### Ratio filtered / unfiltered at the same recall@10: CPU time per query / visited nodes\n\n");
    md.append("| dataset | engine |");
    for (double level : LEVELS) {
      md.append(String.format(Locale.ROOT, " %.3f |", level));
    }
    md.append("\n|---|---|").append("---|".repeat(LEVELS.length)).append('\n');
    for (Map.Entry<String, Map<Double, String>> e : summary.entrySet()) {
      md.append("| ").append(e.getKey().replace("|", " | ")).append(" |");
      for (double level : LEVELS) {
        md.append(' ').append(e.getValue().getOrDefault(level, "")).append(" |");
      }
      md.append('\n');
    }
    md.append("\n#### The same, with both sides' ef, visited nodes and queries per CPU-second\n\n");
    md.append("| dataset | engine | recall@10 | unfiltered ef | visited | queries/CPU-s | ").append(seenCase)
        .append(" ef | visited | queries/CPU-s | CPU time ratio | visited ratio | wall-clock ratio |\n");
    md.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n").append(ratios);
    md.append("\n#### Best recall@10 with the filter (and at ef 64), best unfiltered\n\n");
    md.append("| dataset | engine | ").append(seenCase).append(" best (ef) | ").append(seenCase)
        .append(" at ef 64 | unfiltered best (ef) |\n");
    md.append("|---|---|---|---|---|\n").append(best);
    md.append("\n#### Every point\n\n");
    md.append("| dataset | engine | ef | unfiltered recall@10 | visited | queries/CPU-s | queries/s | ")
        .append(seenCase).append(" recall@10 | visited | queries/CPU-s | queries/s | CPU ratio at same ef | visited ratio at same ef |\n");
    md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n").append(points);
    Files.writeString(out.resolve("filters-peers.md"), md, StandardCharsets.UTF_8);
    System.out.println(md);
  }

  /**
   * Both sweeps at fixed recall levels, through {@link FilterSnapshotSuite#atRecall} (linear in
   * recall between the bracketing ef values). A level one side does not reach says so; where even
   * the smallest ef exceeds a level, that side is priced at its smallest ef and the ratio marked
   * {@code <=} (filtered side: an upper bound) or {@code >=} (unfiltered side: a lower bound).
   */
  private static void compare(String dataset, String engine, List<Point> none, List<Point> filtered, StringBuilder md,
      Map<String, Map<Double, String>> summary) {
    final List<double[]> u = curve(none);
    final List<double[]> f = curve(filtered);
    for (double level : LEVELS) {
      final double[] a = FilterSnapshotSuite.atRecall(u, level);
      final double[] b = FilterSnapshotSuite.atRecall(f, level);
      if (a[3] == 0 || b[3] == 0) {
        summary.computeIfAbsent(dataset + "|" + engine, key -> new TreeMap<>()).put(level, "not reached");
        md.append(String.format(Locale.ROOT, "| %s | %s | %.3f | %s | | | %s | | | not reached | | |%n", dataset, engine,
            level, a[3] == 0 ? String.format(Locale.ROOT, "best %.4f", a[4]) : FilterSnapshotSuite.efLabel(a),
            b[3] == 0 ? String.format(Locale.ROOT, "best %.4f", b[4]) : FilterSnapshotSuite.efLabel(b)));
        continue;
      }
      final String bound = b[9] == 1 && a[9] == 1 ? "~" : b[9] == 1 ? "<= " : a[9] == 1 ? ">= " : "";
      final String visitedRatio = a[2] > 0 && b[2] > 0 ? String.format(Locale.ROOT, "%.2fx", b[2] / a[2]) : "n/a";
      md.append(String.format(Locale.ROOT, "| %s | %s | %.3f | %s | %s | %,.0f | %s | %s | %,.0f | %s%.2fx | %s | %s%.2fx |%n",
          dataset, engine, level, FilterSnapshotSuite.efLabel(a), visited(a[2]), a[7], FilterSnapshotSuite.efLabel(b), visited(b[2]), b[7], bound, a[7] / b[7],
          bound + visitedRatio, bound, a[1] / b[1]));
      summary.computeIfAbsent(dataset + "|" + engine, key -> new TreeMap<>()).put(level,
          String.format(Locale.ROOT, "%s%.2fx / %s", bound, a[7] / b[7], visitedRatio));
    }
  }

  /** The layout {@link FilterSnapshotSuite#atRecall} reads: {ef, recall, qps, visited, cpuQps, beam}. */
  private static List<double[]> curve(List<Point> points) {
    final List<double[]> curve = new ArrayList<>();
    for (Point p : points) {
      curve.add(new double[] {p.ef(), p.recall(), p.qps(), p.visited(), p.cpuQps(), p.ef()});
    }
    curve.sort((a, b) -> Double.compare(a[0], b[0]));
    return curve;
  }

  /**
   * One untimed pass over the queries: {mean recall@10, mean visited (-1 when unknown)}. Fails when
   * an excluded item is returned.
   */
  private static double[] pass(AnnEngine.ExcludingQuery query, float[][] queries, long[][] seen, int count,
      int[][] truth, String dataset, String engine, int ef) throws Exception {
    final int[] found = new int[Dataset.K];
    double recall = 0;
    double visited = 0;
    for (int qi = 0; qi < queries.length; qi++) {
      final int n = query.search(queries[qi], seen[qi], count, found);
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < count; j++) {
          if (seen[qi][j] == found[i]) {
            throw new IllegalStateException(engine + " on " + dataset + " at ef=" + ef
                + " returned excluded item " + found[i] + " for query " + qi);
          }
        }
      }
      recall += Recall.atK(found, n, truth[qi], Dataset.K);
      final long v = query.lastVisited();
      visited = v < 0 || visited < 0 ? -1 : visited + v;
    }
    return new double[] {recall / queries.length, visited < 0 ? -1 : visited / queries.length};
  }

  /**
   * Requests cycling through the queries for at least {@code nanos}: {queries/s, queries per CPU-second
   * of this thread}.
   */
  private static double[] run(AnnEngine.ExcludingQuery query, float[][] queries, long[][] seen, int count, long nanos)
      throws Exception {
    final int[] found = new int[Dataset.K];
    long sink = 0;
    long done = 0;
    final long cpu0 = THREADS.getCurrentThreadCpuTime();
    final long t0 = System.nanoTime();
    long t;
    int qi = 0;
    do {
      sink += query.search(queries[qi], seen[qi], count, found) + found[0];
      qi = qi + 1 == queries.length ? 0 : qi + 1;
      done++;
      t = System.nanoTime();
    } while (t - t0 < nanos);
    final long cpu = THREADS.getCurrentThreadCpuTime() - cpu0;
    if (sink == Long.MIN_VALUE) {
      System.out.println("unreachable " + sink); // keeps the results alive
    }
    return new double[] {done / ((t - t0) / 1e9), done / (cpu / 1e9)};
  }

  private static double median(double[][] reps, int column) {
    final double[] v = new double[reps.length];
    for (int i = 0; i < reps.length; i++) {
      v[i] = reps[i][column];
    }
    Arrays.sort(v);
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  private static String recallAt(List<Point> points, int ef) {
    for (Point p : points) {
      if (p.ef() == ef) {
        return String.format(Locale.ROOT, "%.4f", p.recall());
      }
    }
    return "-";
  }

  private static String visited(double v) {
    return v < 0 ? "n/a" : String.format(Locale.ROOT, "%,.0f", v);
  }

  private static String loadAverage() {
    try {
      final String[] f = Files.readString(Paths.get("/proc/loadavg")).trim().split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (Exception e) {
      return "n/a";
    }
  }

  private static String elapsed(long start) {
    final long s = (System.nanoTime() - start) / 1_000_000_000L;
    return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }

  private static List<String> list(String csv) {
    return new ArrayList<>(Arrays.asList(csv.split(",")));
  }
}
