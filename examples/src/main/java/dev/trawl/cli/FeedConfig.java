package dev.trawl.cli;

import dev.trawl.examples.feed.HomeFeedVariant;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * A pipeline configuration for {@code trawl shadow}: which posts (a generated demo corpus or an index
 * snapshot) and which variant of the home feed ({@link HomeFeedVariant}) runs over them. Read from a
 * Java properties file; every key is optional and unknown keys are errors (a typo must not silently
 * compare the baseline with itself). See {@code docs/shadow.md} and {@code examples/shadow/}.
 *
 * <pre>
 * name = ef-100                   # shown in the report title (default: the file name)
 * base = baseline.properties      # read this file first (relative to this one), then override
 * corpus = demo                   # or the path of an index snapshot (trawl build --out)
 * demo.posts = 20000              # demo corpus: posts, dimension, communities, seed
 * demo.dimension = 64
 * demo.communities = 40
 * demo.seed = 42
 * sources = interest, fresh, trending
 * exclude = seen, blocked, muted, taken-down   # what is excluded; "none" for nothing
 * selectors = author-cap, community-cap, mmr
 * interest.k = 500
 * interest.ef = 600
 * fresh.count = 300
 * weight.source = 1.0
 * weight.affinity = 0.4
 * weight.fresh-boost = 0.05
 * freshness.half-life-hours = 24
 * cap.author = 2
 * cap.community = 8
 * mmr.lambda = 0.7
 * mmr.pool = 200
 * page.size = 50
 * timeout.ms = 1000
 * source-timeout.ms = 0                    # 0: sources are bounded by the request deadline only
 * </pre>
 *
 * <p>Immutable once loaded. {@link #variant()} returns a fresh builder each time, so each pipeline
 * instance (baseline, candidate, A/A re-run) is built separately.
 */
final class FeedConfig {
  static final List<String> KEYS = List.of(
      "name", "base", "corpus", "demo.posts", "demo.dimension", "demo.communities", "demo.seed",
      "sources", "exclude", "selectors", "interest.k", "interest.ef", "fresh.count", "weight.source",
      "weight.affinity", "weight.fresh-boost", "freshness.half-life-hours", "cap.author",
      "cap.community", "mmr.lambda", "mmr.pool", "page.size", "timeout.ms", "source-timeout.ms");

  private static final int MAX_BASE_DEPTH = 8;

  /** Where the posts come from: the generated demo corpus or a snapshot; equal specs share one corpus. */
  record CorpusSpec(Path snapshot, int posts, int dimension, int communities, long seed) {
    static CorpusSpec demo(int posts, int dimension, int communities, long seed) {
      return new CorpusSpec(null, posts, dimension, communities, seed);
    }

    boolean isDemo() {
      return snapshot == null;
    }

    String describe() {
      return isDemo()
          ? String.format(Locale.ROOT, "demo corpus (%,d posts, %d dims, %d communities, seed %d)",
              posts, dimension, communities, seed)
          : "snapshot " + snapshot;
    }
  }

  private final String name;
  private final String source;
  private final Map<String, String> values;
  private final CorpusSpec corpus;

  private FeedConfig(String name, String source, Map<String, String> values) {
    this.name = name;
    this.source = source;
    this.values = values;
    this.corpus = parseCorpus();
    variant(); // validates every pipeline key now, so errors name the file before any work starts
  }

  /** The built-in demo baseline: every stage on, over the default demo corpus. */
  static FeedConfig defaults(String name) {
    return new FeedConfig(name, "built-in config '" + name + "'", new LinkedHashMap<>());
  }

  /** {@code config} with one key changed (for built-in demo candidates). */
  FeedConfig with(String newName, String key, String value) {
    final Map<String, String> v = new LinkedHashMap<>(values);
    v.put(key, value);
    return new FeedConfig(newName, "built-in config '" + newName + "'", v);
  }

  /**
   * Reads a configuration file (and its {@code base} chain).
   *
   * @throws CliError naming the file and the key when the file is missing or a key or value is wrong
   */
  static FeedConfig load(Path file) {
    final Map<String, String> values = new LinkedHashMap<>();
    read(file, values, 0);
    values.remove("base");
    final String fileName = file.getFileName().toString();
    final String name = values.getOrDefault("name",
        fileName.endsWith(".properties") ? fileName.substring(0, fileName.length() - 11) : fileName);
    return new FeedConfig(name, file.toString(), values);
  }

  private static void read(Path file, Map<String, String> into, int depth) {
    if (depth > MAX_BASE_DEPTH) {
      throw new CliError(file + ": 'base' chain deeper than " + MAX_BASE_DEPTH + " files (a cycle?)");
    }
    final Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    } catch (NoSuchFileException e) {
      throw new CliError(file + ": no such file");
    } catch (IOException | IllegalArgumentException e) {
      throw new CliError(file + ": cannot read the configuration: " + e.getMessage(), e);
    }
    final List<String> unknown = new ArrayList<>();
    for (String key : p.stringPropertyNames()) {
      if (!KEYS.contains(key)) {
        unknown.add(key);
      }
    }
    if (!unknown.isEmpty()) {
      unknown.sort(null);
      throw new CliError(file + ": unknown key" + (unknown.size() > 1 ? "s " : " ") + unknown
          + " (known keys: " + String.join(", ", KEYS) + ")");
    }
    final String base = p.getProperty("base");
    if (base != null && !base.isBlank()) {
      final Path parent = file.toAbsolutePath().getParent();
      read(parent.resolve(base.strip()), into, depth + 1);
    }
    for (String key : p.stringPropertyNames()) {
      // a name belongs to its own file: a candidate based on the baseline is not called "baseline"
      if (depth == 0 || !key.equals("name")) {
        into.put(key, p.getProperty(key).strip());
      }
    }
    // the corpus path is relative to the file that names it
    final String corpus = p.getProperty("corpus");
    if (corpus != null && !corpus.isBlank() && !corpus.strip().equals("demo")) {
      into.put("corpus", file.toAbsolutePath().getParent().resolve(corpus.strip()).normalize().toString());
    }
  }

  String name() {
    return name;
  }

  /** Where the configuration came from (a path or "built-in ..."), for error messages. */
  String source() {
    return source;
  }

  CorpusSpec corpus() {
    return corpus;
  }

  /** A new variant with every pipeline key of this configuration applied. */
  HomeFeedVariant variant() {
    final HomeFeedVariant v = new HomeFeedVariant().name(name);
    // defaults that differ from the live home feed: replays must not time out on a busy machine
    v.timeoutMillis(1000);
    for (Map.Entry<String, String> e : values.entrySet()) {
      final String key = e.getKey();
      final String value = e.getValue();
      try {
        apply(v, key, value);
      } catch (IllegalArgumentException ex) {
        throw new CliError(source + ": " + key + " = '" + value + "': " + ex.getMessage());
      }
    }
    return v;
  }

  private static void apply(HomeFeedVariant v, String key, String value) {
    switch (key) {
      case "sources" -> v.sources(list(value));
      case "exclude" -> v.exclusions(list(value));
      case "selectors" -> v.selectors(list(value));
      case "interest.k" -> v.interestK(integer(value));
      case "interest.ef" -> v.interestEf(integer(value));
      case "fresh.count" -> v.freshCount(integer(value));
      case "weight.source" -> v.sourceWeight(real(value));
      case "weight.affinity" -> v.affinityWeight(real(value));
      case "weight.fresh-boost" -> v.freshBoost(real(value));
      case "freshness.half-life-hours" -> v.freshnessHalfLifeMillis(Math.round(real(value) * 3_600_000.0));
      case "cap.author" -> v.authorCap(integer(value));
      case "cap.community" -> v.communityCap(integer(value));
      case "mmr.lambda" -> v.mmrLambda(real(value));
      case "mmr.pool" -> v.mmrPool(integer(value));
      case "page.size" -> v.pageSize(integer(value));
      case "timeout.ms" -> v.timeoutMillis(longValue(value));
      case "source-timeout.ms" -> v.sourceTimeoutMillis(longValue(value));
      default -> { } // name, corpus and demo.* are not pipeline keys
    }
  }

  private CorpusSpec parseCorpus() {
    final String corpusValue = values.getOrDefault("corpus", "demo");
    if (!corpusValue.equals("demo")) {
      for (String k : values.keySet()) {
        if (k.startsWith("demo.")) {
          throw new CliError(source + ": " + k + " only applies to corpus = demo, but corpus = " + corpusValue);
        }
      }
      return new CorpusSpec(Path.of(corpusValue), 0, 0, 0, 0);
    }
    final int posts = demoInt("demo.posts", 20_000, 100, 10_000_000);
    final int dim = demoInt("demo.dimension", 64, 2, 4096);
    final int communities = demoInt("demo.communities", 40, 4, 100_000);
    final long seed;
    try {
      seed = Long.parseLong(values.getOrDefault("demo.seed", "42"));
    } catch (NumberFormatException e) {
      throw new CliError(source + ": demo.seed = '" + values.get("demo.seed") + "': not an integer");
    }
    return CorpusSpec.demo(posts, dim, communities, seed);
  }

  private int demoInt(String key, int def, int min, int max) {
    final String v = values.get(key);
    if (v == null) {
      return def;
    }
    final int n;
    try {
      n = Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new CliError(source + ": " + key + " = '" + v + "': not an integer");
    }
    if (n < min || n > max) {
      throw new CliError(source + ": " + key + " = " + n + ": must be in [" + min + ", " + max + "]");
    }
    return n;
  }

  /** Names separated by commas and/or spaces; empty or {@code none} is the empty list. */
  static List<String> list(String value) {
    final String v = value.strip();
    if (v.isEmpty() || v.equals("none")) {
      return List.of();
    }
    return Arrays.asList(v.split("[,\\s]+"));
  }

  private static int integer(String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not an integer");
    }
  }

  private static long longValue(String value) {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not an integer");
    }
  }

  private static float real(String value) {
    try {
      return Float.parseFloat(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a number");
    }
  }
}
