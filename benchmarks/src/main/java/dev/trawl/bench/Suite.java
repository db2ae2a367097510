package dev.trawl.bench;

import dev.trawl.bench.data.DatasetLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The suite's launcher, called by {@code benchmarks/run.sh}; plain JMH ({@code java -jar
 * benchmarks.jar ...}) works too but rebuilds an index per ef.
 *
 * <ul>
 *   <li>{@code prepare DIR [dataset...]}: writes every dataset of the mode under DIR (see
 *       {@link DatasetLoader#prepare}).
 *   <li>{@code run --engine E --dataset D --out DIR [--efs 10,16,...] [--threads 1,2]
 *       [--build-threads 1,2] [--ef2 64,128] [--no-build] [--mixed] [--shadow]}: runs JMH in this JVM
 *       (forks = 0) so that one index per engine and dataset serves every ef and thread count. Isolation
 *       between engines comes from the script starting one JVM per engine and dataset, all with the
 *       same flags. Every run uses {@code -prof gc} and writes JMH JSON under {@code DIR/jmh}.
 * </ul>
 *
 * Iteration counts come from the mode (system property {@code trawl.bench.mode}). Not thread-safe
 * (a main program).
 */
public final class Suite {
  /** The ef grid of quick runs (the native script uses the same). */
  static final String QUICK_EFS = "10,16,24,32,48,64,96,128,256";
  /** The ef grid of full runs. */
  static final String FULL_EFS = "10,16,24,32,48,64,96,128,192,256,384,512";

  private Suite() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      throw new IllegalArgumentException("usage: Suite prepare DIR [dataset...] | Suite run --engine E ...");
    }
    if (args[0].equals("prepare")) {
      final List<String> names =
          args.length > 2 ? Arrays.asList(args).subList(2, args.length) : DatasetLoader.NAMES;
      DatasetLoader.prepare(Paths.get(args[1]), names);
      return;
    }
    if (!args[0].equals("run")) {
      throw new IllegalArgumentException("unknown command '" + args[0] + "': expected prepare or run");
    }
    final Map<String, String> opts = new HashMap<>();
    for (int i = 1; i < args.length; i++) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("expected an option, got '" + args[i] + "'");
      }
      final boolean flag = i + 1 >= args.length || args[i + 1].startsWith("--");
      opts.put(args[i].substring(2), flag ? "true" : args[++i]);
    }
    final String engine = required(opts, "engine");
    final String dataset = required(opts, "dataset");
    final Path out = Paths.get(required(opts, "out")).resolve("jmh");
    Files.createDirectories(out);
    final Mode mode = Mode.current();
    final String efs = opts.getOrDefault("efs", mode.isSmoke() ? "16,64" : mode == Mode.QUICK ? QUICK_EFS : FULL_EFS);
    final String tag = dataset + "__" + engine;

    for (String t : opts.getOrDefault("threads", "1,2").split(",")) {
      final int threads = Integer.parseInt(t);
      // the 2-thread sweep may use fewer ef values (--ef2) to save time
      final String sweep = threads > 1 ? opts.getOrDefault("ef2", efs) : efs;
      run(mode, "SearchBenchmark", out.resolve(tag + "__search-t" + threads + ".json"), threads,
          Map.of("engine", engine, "dataset", dataset, "ef", sweep), false);
    }
    if (!opts.containsKey("no-build")) {
      run(mode, "BuildBenchmark", out.resolve(tag + "__build.json"), 1,
          Map.of("engine", engine, "dataset", dataset,
              "threads", opts.getOrDefault("build-threads", "1,2")), true);
    }
    if (opts.containsKey("shadow")) {
      run(mode, "ShadowBenchmark", out.resolve(dataset + "__trawl__shadow.json"), 1,
          Map.of("items", mode.isSmoke() ? "2000" : "50000"), false);
    }
    if (opts.containsKey("mixed")) {
      run(mode, "ConcurrentSearchInsertBenchmark", out.resolve(dataset + "__trawl__mixed.json"), 1,
          Map.of("dataset", dataset, "ef", opts.getOrDefault("mixed-ef", "64")), false);
    }
  }

  private static void run(
      Mode mode, String benchmark, Path json, int threads, Map<String, String> params, boolean singleShot)
      throws Exception {
    final ChainedOptionsBuilder options =
        new OptionsBuilder()
            .include("\\." + benchmark + "\\.")
            .forks(0)
            .threads(threads)
            .shouldFailOnError(true)
            .addProfiler(GCProfiler.class)
            .resultFormat(ResultFormatType.JSON)
            .result(json.toString());
    for (Map.Entry<String, String> p : params.entrySet()) {
      options.param(p.getKey(), p.getValue().split(","));
    }
    if (singleShot) {
      // quick: no warm-up build, the JVM has just built the whole dataset's index with the same code
      options.warmupIterations(mode == Mode.FULL ? 1 : 0)
          .measurementIterations(mode == Mode.FULL ? 3 : 1);
    } else if (mode.isSmoke()) {
      options.warmupIterations(1).warmupTime(TimeValue.milliseconds(200))
          .measurementIterations(1).measurementTime(TimeValue.milliseconds(300));
    } else if (mode == Mode.QUICK) {
      options.warmupIterations(1).warmupTime(TimeValue.seconds(1))
          .measurementIterations(2).measurementTime(TimeValue.seconds(1));
    } else {
      options.warmupIterations(3).warmupTime(TimeValue.seconds(2))
          .measurementIterations(5).measurementTime(TimeValue.seconds(2));
    }
    new Runner(options.build()).run();
  }

  private static String required(Map<String, String> opts, String key) {
    final String v = opts.get(key);
    if (v == null) {
      throw new IllegalArgumentException("missing --" + key);
    }
    return v;
  }

  static List<String> list(String csv) {
    return new ArrayList<>(Arrays.asList(csv.split(",")));
  }
}
