package dev.trawl.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link FilteredSearchBenchmark} and {@link SnapshotBenchmark} in this JVM (forks = 0, so each
 * dataset's index and exact truth are built once) and writes their tables as Markdown to
 * {@code OUT/filters-snapshots.md} (and prints them).
 *
 * <pre>
 * Suite-style: java [JVM flags] -cp benchmarks.jar dev.trawl.bench.FilterSnapshotSuite --out DIR
 *     [--datasets siftsmall,wordnet-minilm-384,fashion-mnist] [--efs 10,16,...] [--filter-ef 64]
 *     [--cases random50,...,seen100] [--sweep-case seen100] [--snapshots siftsmall,random-128]
 * </pre>
 *
 * For each dataset: the unfiltered case over the ef sweep, then every filter case at {@code
 * --filter-ef}. The "same recall" comparison interpolates the unfiltered sweep's queries per second
 * (and visited nodes) linearly in recall between the two ef values that bracket the filtered case's
 * recall; when no unfiltered ef reaches it, the highest-recall ef is used and the row says so.
 * Because recall saturates near 1, that single comparison can flatter the filter (the unfiltered
 * side is priced on its flat top), so the {@code --sweep-case} (default {@code seen100}; empty to
 * skip) also runs over the ef sweep and both curves are compared at fixed recall levels.
 * Iterations follow the mode (smoke: one 0.3 s iteration). Not thread-safe (a main program).
 */
public final class FilterSnapshotSuite {
  private static final String QUICK_EFS = "10,16,24,32,48,64,96,128,192,256,384";

  private FilterSnapshotSuite() {}

  public static void main(String[] args) throws Exception {
    final Map<String, String> opts = new TreeMap<>();
    for (int i = 0; i < args.length; i += 2) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("expected --option value pairs, got '" + args[i] + "'");
      }
      opts.put(args[i].substring(2), args[i + 1]);
    }
    final Mode mode = Mode.current();
    final Path out = Paths.get(opts.getOrDefault("out", "target/results-filters-" + mode.name().toLowerCase(Locale.ROOT)));
    Files.createDirectories(out.resolve("jmh"));
    final List<String> datasets = list(opts.getOrDefault("datasets", "siftsmall,wordnet-minilm-384,fashion-mnist"));
    final String efs = opts.getOrDefault("efs", mode.isSmoke() ? "16,64" : QUICK_EFS);
    final String filterEf = opts.getOrDefault("filter-ef", "64");
    final List<String> cases = FilterFixture.CASES.subList(1, FilterFixture.CASES.size());

    final StringBuilder md = new StringBuilder();
    md.append("### Filtered search (mode ").append(mode.name().toLowerCase(Locale.ROOT)).append(")\n\n");
    md.append("| dataset | items | case | ef (planner's mean beam) | recall@10 | visited | plans exact/walk/fallback | queries/s | queries/CPU-s | bytes/op | unfiltered at same recall: ef, queries/s, queries/CPU-s, visited | latency ratio filtered/unfiltered: wall, CPU |\n");
    md.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    final StringBuilder cmp = new StringBuilder();
    final String sweepCase = opts.getOrDefault("sweep-case", "seen100");
    final List<String> filterCases = list(opts.getOrDefault("cases", String.join(",", cases)));
    for (String dataset : datasets) {
      // the sweep case runs in the same JMH run as the unfiltered sweep: JMH orders parameters by
      // name (dataset, ef, filter), so the two alternate per ef and share the machine's load
      final Collection<RunResult> sweeps = run(mode, "FilteredSearchBenchmark", out, dataset + "__sweep",
          Map.of("dataset", dataset, "filter", sweepCase.isEmpty() ? "none" : "none," + sweepCase, "ef", efs), false);
      final List<RunResult> sweep = new ArrayList<>();
      final List<RunResult> filteredSweep = new ArrayList<>();
      for (RunResult r : sweeps) {
        (r.getParams().getParam("filter").equals("none") ? sweep : filteredSweep).add(r);
      }
      final Collection<RunResult> filtered = run(mode, "FilteredSearchBenchmark", out, dataset + "__filtered",
          Map.of("dataset", dataset, "filter", String.join(",", filterCases), "ef", filterEf), false);
      final int items = FilterFixture.get(dataset).size;
      for (RunResult r : sweep) {
        final int ef = Integer.parseInt(r.getParams().getParam("ef"));
        md.append(row(dataset, items, "none", ef, FilteredSearchBenchmark.STATS.get(dataset + "|none|" + ef), r, "", ""));
      }
      final List<double[]> curve = curve(dataset, sweep);
      for (RunResult r : filtered) {
        final String c = r.getParams().getParam("filter");
        final int ef = Integer.parseInt(r.getParams().getParam("ef"));
        final FilteredSearchBenchmark.Stats s = FilteredSearchBenchmark.STATS.get(dataset + "|" + c + "|" + ef);
        final double[] same = atRecall(curve, s.recall());
        final double qps = r.getPrimaryResult().getScore();
        final double cpuQps = FilteredSearchBenchmark.CPU_QPS.get(dataset + "|" + c + "|" + ef);
        final String where = same[3] > 0
            ? String.format(Locale.ROOT, "ef %s, %,.0f, %,.0f, %,.0f", efLabel(same), same[1], same[7], same[2])
            : String.format(Locale.ROOT, "not reached (best: ef %.0f, recall %.4f): %,.0f, %,.0f, %,.0f",
                same[0], same[4], same[1], same[7], same[2]);
        md.append(row(dataset, items, c, ef, s, r, where,
            String.format(Locale.ROOT, "%.2fx, %.2fx", same[1] / qps, same[7] / cpuQps)));
      }
      if (!sweepCase.isEmpty()) {
        // both curves over ef, compared at fixed recall levels both reach
        final List<double[]> hard = curve(dataset, filteredSweep);
        for (RunResult r : filteredSweep) {
          final int ef = Integer.parseInt(r.getParams().getParam("ef"));
          md.append(row(dataset, items, sweepCase, ef,
              FilteredSearchBenchmark.STATS.get(dataset + "|" + sweepCase + "|" + ef), r, "", ""));
        }
        for (double level : new double[] {0.95, 0.97, 0.98, 0.99, 0.995}) {
          final double[] u = atRecall(curve, level);
          final double[] f = atRecall(hard, level);
          if (u[3] == 0 || f[3] == 0) {
            continue;
          }
          cmp.append(String.format(Locale.ROOT,
              "| %s | %.3f | %s | %,.0f | %,.0f | %,.0f | %s (beam %.0f) | %,.0f | %,.0f | %,.0f | %.2fx | %.2fx | %.2fx |\n",
              dataset, level, efLabel(u), u[2], u[1], u[7], efLabel(f), f[8], f[2], f[1], f[7],
              u[1] / f[1], u[7] / f[7], f[2] / u[2]));
        }
      }
    }
    if (cmp.length() > 0) {
      md.append("\n### Filtered (").append(sweepCase).append(") vs unfiltered at the same recall, both swept over ef\n\n");
      md.append("| dataset | recall@10 | unfiltered ef | visited | queries/s | queries/CPU-s | ")
          .append(sweepCase).append(" ef | visited | queries/s | queries/CPU-s | latency ratio (wall) | latency ratio (CPU) | visited ratio |\n");
      md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n").append(cmp);
    }

    final List<String> snapshots = list(opts.getOrDefault("snapshots", "siftsmall,random-128"));
    if (!snapshots.isEmpty() && !snapshots.get(0).isEmpty()) {
      final Collection<RunResult> snap = run(mode, "SnapshotBenchmark", out, "snapshot",
          Map.of("dataset", String.join(",", snapshots)), true);
      md.append("\n### Snapshots (mode ").append(mode.name().toLowerCase(Locale.ROOT)).append(")\n\n");
      md.append("| dataset | items | file MB | operation | ms/op (mean ± 99.9% CI) | min ms | MB/s (mean) | bytes/op |\n");
      md.append("|---|---|---|---|---|---|---|---|\n");
      for (RunResult r : snap) {
        final String dataset = r.getParams().getParam("dataset");
        final String op = r.getParams().getBenchmark().replaceAll(".*\\.", "");
        final double mb = SnapshotBenchmark.FILE_BYTES.get(dataset) / 1e6;
        final Result<?> p = r.getPrimaryResult();
        final double ms = p.getScore();
        final double min = p.getStatistics().getMin();
        md.append(String.format(Locale.ROOT, "| %s | %,d | %.1f | %s | %.2f ± %.2f | %.2f | %s | %s |\n",
            dataset, SnapshotBenchmark.ITEMS.get(dataset), mb, op, ms,
            Double.isNaN(p.getScoreError()) ? 0 : p.getScoreError(), min,
            op.equals("readInfo") ? "—" : String.format(Locale.ROOT, "%,.0f", mb / (ms / 1e3)),
            bytes(r)));
      }
    }
    Files.writeString(out.resolve("filters-snapshots.md"), md, StandardCharsets.UTF_8);
    System.out.println(md);
  }

  private static String row(String dataset, int items, String c, int ef, FilteredSearchBenchmark.Stats s,
      RunResult r, String same, String ratio) {
    return String.format(Locale.ROOT, "| %s | %,d | %s | %d (%.0f) | %.4f | %,.0f | %d/%d/%d | %,.0f | %,.0f | %s | %s | %s |\n",
        dataset, items, c, ef, s.meanEf(), s.recall(), s.visited(), s.exactPlans(), s.walkPlans(),
        s.fallbacks(), r.getPrimaryResult().getScore(),
        FilteredSearchBenchmark.CPU_QPS.get(dataset + "|" + c + "|" + ef), bytes(r), same, ratio);
  }

  /** {ef, recall, queries/s, visited, queries/CPU-s, planner's mean beam} per ef, sorted by ef. */
  private static List<double[]> curve(String dataset, Collection<RunResult> results) {
    final List<double[]> curve = new ArrayList<>();
    for (RunResult r : results) {
      final String key = dataset + "|" + r.getParams().getParam("filter") + "|" + r.getParams().getParam("ef");
      final FilteredSearchBenchmark.Stats s = FilteredSearchBenchmark.STATS.get(key);
      curve.add(new double[] {Integer.parseInt(r.getParams().getParam("ef")), s.recall(),
          r.getPrimaryResult().getScore(), s.visited(), FilteredSearchBenchmark.CPU_QPS.get(key), s.meanEf()});
    }
    curve.sort((a, b) -> Double.compare(a[0], b[0]));
    return curve;
  }

  /** How a same-recall point names its ef (interpolated, exact, or the smallest); shared by the suites. */
  static String efLabel(double[] same) {
    if (same[9] == 1) {
      return String.format(Locale.ROOT, "%.0f (smallest; its recall %.4f)", same[0], same[4]);
    }
    return same[5] == same[6] ? String.format(Locale.ROOT, "%.0f", same[5])
        : String.format(Locale.ROOT, "~%.0f (%.0f-%.0f)", same[0], same[5], same[6]);
  }

  /**
   * Unfiltered queries/s and visited at {@code recall}: linear interpolation between the first ef
   * reaching it and the ef before. Returns {ef, qps, visited, reached (1/0), recall at efHi, efLo,
   * efHi, queries per CPU-second, mean beam, 1 if the smallest ef already exceeds {@code recall}}.
   */
  static double[] atRecall(List<double[]> curve, double recall) {
    for (int i = 0; i < curve.size(); i++) {
      final double[] hi = curve.get(i);
      if (hi[1] >= recall) {
        if (i == 0 || hi[1] == curve.get(i - 1)[1]) {
          // i == 0: even the smallest ef exceeds the level; report that point (flag 9) as it is
          return new double[] {hi[0], hi[2], hi[3], 1, hi[1], hi[0], hi[0], hi[4], hi[5], i == 0 ? 1 : 0};
        }
        final double[] lo = curve.get(i - 1);
        final double t = Math.max(0, Math.min(1, (recall - lo[1]) / (hi[1] - lo[1])));
        return new double[] {lo[0] + t * (hi[0] - lo[0]), lo[2] + t * (hi[2] - lo[2]),
            lo[3] + t * (hi[3] - lo[3]), 1, hi[1], lo[0], hi[0], lo[4] + t * (hi[4] - lo[4]),
            lo[5] + t * (hi[5] - lo[5]), 0};
      }
    }
    double[] best = curve.get(0);
    for (double[] p : curve) {
      if (p[1] > best[1]) {
        best = p;
      }
    }
    return new double[] {best[0], best[2], best[3], 0, best[1], best[0], best[0], best[4], best[5], 0};
  }

  private static String bytes(RunResult r) {
    for (Map.Entry<String, Result> e : r.getSecondaryResults().entrySet()) {
      if (e.getKey().endsWith("gc.alloc.rate.norm")) {
        final double b = e.getValue().getScore();
        return b < 10 ? String.format(Locale.ROOT, "%.3f", b) : String.format(Locale.ROOT, "%,.0f", b);
      }
    }
    return "n/a";
  }

  private static Collection<RunResult> run(
      Mode mode, String benchmark, Path out, String tag, Map<String, String> params, boolean singleShot)
      throws Exception {
    final ChainedOptionsBuilder options =
        new OptionsBuilder()
            .include("\\." + benchmark + "\\.")
            .forks(0)
            .threads(1)
            .shouldFailOnError(true)
            .addProfiler(GCProfiler.class)
            .resultFormat(ResultFormatType.JSON)
            .result(out.resolve("jmh").resolve(tag + ".json").toString());
    for (Map.Entry<String, String> p : params.entrySet()) {
      options.param(p.getKey(), p.getValue().split(","));
    }
    if (singleShot) {
      options.warmupIterations(mode.isSmoke() ? 1 : 3).measurementIterations(mode.isSmoke() ? 2 : 10);
    } else if (mode.isSmoke()) {
      options.warmupIterations(1).warmupTime(TimeValue.milliseconds(200))
          .measurementIterations(1).measurementTime(TimeValue.milliseconds(300));
    } else if (mode == Mode.QUICK) {
      options.warmupIterations(2).warmupTime(TimeValue.seconds(1))
          .measurementIterations(3).measurementTime(TimeValue.seconds(1));
    } else {
      options.warmupIterations(3).warmupTime(TimeValue.seconds(2))
          .measurementIterations(5).measurementTime(TimeValue.seconds(2));
    }
    return new Runner(options.build()).run();
  }

  private static List<String> list(String csv) {
    return new ArrayList<>(Arrays.asList(csv.split(",")));
  }
}
