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
 *     [--snapshots siftsmall,random-128]
 * </pre>
 *
 * For each dataset: the unfiltered case over the ef sweep, then every filter case at {@code
 * --filter-ef}. The "same recall" comparison interpolates the unfiltered sweep's queries per second
 * (and visited nodes) linearly in recall between the two ef values that bracket the filtered case's
 * recall; when no unfiltered ef reaches it, the highest-recall ef is used and the row says so.
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
    for (String dataset : datasets) {
      final Collection<RunResult> sweep = run(mode, "FilteredSearchBenchmark", out, dataset + "__unfiltered",
          Map.of("dataset", dataset, "filter", "none", "ef", efs), false);
      final Collection<RunResult> filtered = run(mode, "FilteredSearchBenchmark", out, dataset + "__filtered",
          Map.of("dataset", dataset, "filter", String.join(",", cases), "ef", filterEf), false);
      final int items = FilterFixture.get(dataset).size;
      final List<double[]> curve = new ArrayList<>(); // ef, recall, qps, visited, queries per CPU-s
      for (RunResult r : sweep) {
        final int ef = Integer.parseInt(r.getParams().getParam("ef"));
        final FilteredSearchBenchmark.Stats s = FilteredSearchBenchmark.STATS.get(dataset + "|none|" + ef);
        curve.add(new double[] {ef, s.recall(), r.getPrimaryResult().getScore(), s.visited(),
            FilteredSearchBenchmark.CPU_QPS.get(dataset + "|none|" + ef)});
        md.append(row(dataset, items, "none", ef, s, r, "", ""));
      }
      curve.sort((a, b) -> Double.compare(a[0], b[0]));
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

  private static String efLabel(double[] same) {
    return same[5] == same[6] ? String.format(Locale.ROOT, "%.0f", same[5])
        : String.format(Locale.ROOT, "~%.0f (%.0f-%.0f)", same[0], same[5], same[6]);
  }

  /**
   * Unfiltered queries/s and visited at {@code recall}: linear interpolation between the first ef
   * reaching it and the ef before. Returns {ef, qps, visited, reached (1/0), recall at efHi, efLo,
   * efHi, queries per CPU-second}.
   */
  static double[] atRecall(List<double[]> curve, double recall) {
    for (int i = 0; i < curve.size(); i++) {
      final double[] hi = curve.get(i);
      if (hi[1] >= recall) {
        if (i == 0 || hi[1] == curve.get(i - 1)[1]) {
          return new double[] {hi[0], hi[2], hi[3], 1, hi[1], hi[0], hi[0], hi[4]};
        }
        final double[] lo = curve.get(i - 1);
        final double t = Math.max(0, Math.min(1, (recall - lo[1]) / (hi[1] - lo[1])));
        return new double[] {lo[0] + t * (hi[0] - lo[0]), lo[2] + t * (hi[2] - lo[2]),
            lo[3] + t * (hi[3] - lo[3]), 1, hi[1], lo[0], hi[0], lo[4] + t * (hi[4] - lo[4])};
      }
    }
    double[] best = curve.get(0);
    for (double[] p : curve) {
      if (p[1] > best[1]) {
        best = p;
      }
    }
    return new double[] {best[0], best[2], best[3], 0, best[1], best[0], best[0], best[4]};
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
