package dev.trawl.cli;

import dev.trawl.index.VectorIndex;
import dev.trawl.pipeline.Pipeline;
import dev.trawl.shadow.ComparisonConfig;
import dev.trawl.shadow.DriftReport;
import dev.trawl.shadow.DriftWindow;
import dev.trawl.shadow.FlagPolicy;
import dev.trawl.shadow.PipelineLane;
import dev.trawl.shadow.PipelineShadow;
import dev.trawl.shadow.RequestLog;
import dev.trawl.shadow.RequestRecord;
import dev.trawl.shadow.RunRecord;
import dev.trawl.shadow.ShadowReplay;
import dev.trawl.shadow.ShadowReport;
import dev.trawl.shadow.ShadowSchema;
import dev.trawl.shadow.Verdict;
import dev.trawl.shadow.metrics.FixedBins;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code trawl shadow}: replays a recorded request log ({@link RequestLog}) through two pipeline
 * configurations ({@link FeedConfig}) with {@link ShadowReplay} and prints the shadow report (text,
 * JSON or HTML). {@code --record-demo FILE} writes a seeded demo request log and {@code --demo} runs a
 * whole comparison on generated data, so a first run needs no files.
 *
 * <p>Every request is first replayed {@code --warmup} times through all lanes unreported (JIT
 * compilation, caches), then once more for the report: baseline, candidate and, with {@code
 * --noise-floor}, the baseline again with a second seed, one after another on this thread in an order
 * drawn per request from {@code --seed}. With {@code --fail-on GATE} the command exits with
 * {@value #EXIT_GATE} when the report trips the gate, so CI can block a release on it.
 *
 * <p>Not thread-safe (a picocli command object, used once). Replaying allocates (the log is read into
 * memory, lanes trace their runs for the filter funnel): it is an offline tool.
 */
@Command(
    name = "shadow",
    mixinStandardHelpOptions = true,
    description = {
      "Replays recorded requests through a baseline and a candidate pipeline configuration and reports"
          + " how the candidate's pages and cost differ, flagging differences above the noise floor.",
      "No files yet? 'trawl shadow --demo' compares the demo feed with the same feed that no longer excludes blocked authors;"
          + " 'trawl shadow --record-demo FILE' writes demo requests to replay with your own configs.",
      "--fail-on regression|change exits with status 4 when the report's verdicts trip the gate (CI);"
          + " --drift --reference FILE --current FILE compares two request logs through one configuration.",
      "CONFIG is a properties file (corpus, ef, sources/exclusions/selectors on or off, weights, caps, page"
          + " size); see docs/shadow.md and examples/shadow/*.properties."
    })
final class ShadowCommand implements Callable<Integer> {
  /** Exit status when {@code --fail-on} trips (beyond {@link TrawlCli}'s 0-3). */
  static final int EXIT_GATE = 4;

  @Spec CommandSpec spec;

  @Option(names = "--requests", paramLabel = "FILE", description = "Request log to replay (RequestLog format).")
  Path requests;

  @Option(names = "--baseline", paramLabel = "CONFIG", description = "The primary's configuration (side A).")
  Path baseline;

  @Option(names = "--candidate", paramLabel = "CONFIG", description = "The changed configuration (side B).")
  Path candidate;

  @Option(
      names = "--noise-floor",
      description = "Also replay the baseline a second time with another seed (A/A) and flag only"
          + " differences larger than that run-to-run noise.")
  boolean noiseFloor;

  @Option(names = "--json", description = "Print the report as JSON instead of text.")
  boolean json;

  @Option(names = "--html", paramLabel = "OUT", description = "Also write the report as an HTML page with plots.")
  Path html;

  @Option(
      names = "--demo",
      description = "Generate demo requests instead of --requests; without --baseline/--candidate, compare"
          + " the built-in demo feed with the same feed that no longer excludes blocked authors. Implies"
          + " --noise-floor.")
  boolean demo;

  @Option(
      names = "--record-demo",
      paramLabel = "FILE",
      description = "Write seeded demo requests to FILE and exit (for the demo corpus of --baseline, or the"
          + " built-in one).")
  Path recordDemo;

  @Option(
      names = "--demo-requests",
      paramLabel = "N",
      defaultValue = "500",
      description = "Demo requests to generate. Default ${DEFAULT-VALUE}.")
  int demoRequests;

  @Option(
      names = "--demo-community",
      paramLabel = "C",
      defaultValue = "-1",
      description = "With --record-demo: only users whose primary community is C (a shifted population, to"
          + " try --drift). Default: all users.")
  int demoCommunity;

  @Option(
      names = "--drift",
      description = "Drift instead of A/B: replay --reference and --current request logs through --baseline"
          + " (the live configuration; default the demo feed) and compare what the pipeline saw and answered"
          + " (query components, score distribution, source mix, latency, errors).")
  boolean drift;

  @Option(names = "--reference", paramLabel = "FILE", description = "With --drift: the reference request log.")
  Path reference;

  @Option(names = "--current", paramLabel = "FILE", description = "With --drift: the current request log.")
  Path current;

  @Option(
      names = "--seed",
      defaultValue = "11",
      description = "Seed of the demo requests and of the per-request run order. Default ${DEFAULT-VALUE}.")
  long seed;

  @Option(
      names = "--warmup",
      paramLabel = "N",
      defaultValue = "1",
      description = "Unreported replays of the whole log before the measured one (JIT, caches)."
          + " Default ${DEFAULT-VALUE}.")
  int warmup;

  @Option(names = "--overlap-k", defaultValue = "10", description = "k of overlap@k. Default ${DEFAULT-VALUE}.")
  int overlapK;

  @Option(names = "--rbo-p", defaultValue = "0.9", description = "Persistence p of RBO. Default ${DEFAULT-VALUE}.")
  double rboP;

  @Option(
      names = "--score-range",
      paramLabel = "LO:HI[:BINS]",
      defaultValue = "0:1.5:30",
      description = "Bins of the score histograms (PSI, KS). Default ${DEFAULT-VALUE}.")
  String scoreRange;

  @Option(
      names = "--fail-on",
      paramLabel = "GATE",
      description = "Exit with status " + EXIT_GATE + " when the gate trips: 'regression' (a latency or error"
          + " rate verdict WORSE), 'change' (any verdict BETTER, WORSE or CHANGED) or, with --drift,"
          + " 'drift' (any drifted metric). The one-screen summary heads the report.")
  String failOn;

  @Option(
      names = "--family-wise-error",
      paramLabel = "ALPHA",
      defaultValue = "0.05",
      description = "Chance, at most, that a report of identical pipelines shows any change (Bonferroni over"
          + " the metrics tested). Default ${DEFAULT-VALUE}.")
  double familyWiseError;

  @Override
  public Integer call() {
    final PrintWriter out = spec.commandLine().getOut();
    final PrintWriter err = spec.commandLine().getErr();
    if (demoRequests < 1) {
      throw new CliError("--demo-requests must be positive, got " + demoRequests);
    }
    if (warmup < 0) {
      throw new CliError("--warmup must be >= 0, got " + warmup);
    }
    if (recordDemo != null) {
      return record(err);
    }
    if (drift) {
      return drift(out, err);
    }
    if (reference != null || current != null) {
      throw new CliError("--reference and --current belong to --drift");
    }
    if (requests == null && !demo) {
      throw new CliError("give --requests FILE (or --demo to generate requests, or --record-demo FILE)");
    }
    if (requests != null && demo) {
      throw new CliError("--requests and --demo exclude each other");
    }
    if (!demo && (baseline == null || candidate == null)) {
      throw new CliError("a replay needs both --baseline CONFIG and --candidate CONFIG");
    }
    final boolean aa = noiseFloor || demo;
    final ComparisonConfig comparison = comparison();
    final ShadowReport.Gate gate = gate();
    final FlagPolicy policy = policy();
    final FeedConfig a = baseline != null ? FeedConfig.load(baseline) : FeedConfig.defaults("demo");
    final FeedConfig b = candidate != null
        ? FeedConfig.load(candidate)
        : a.with("demo-without-blocked", "exclude", "seen, taken-down");

    final Map<FeedConfig.CorpusSpec, ShadowCorpus> corpora = new HashMap<>();
    final ShadowCorpus corpusA = corpora.computeIfAbsent(a.corpus(), s -> ShadowCorpus.of(s, err));
    final ShadowCorpus corpusB = corpora.computeIfAbsent(b.corpus(), s -> ShadowCorpus.of(s, err));
    final List<RequestRecord> log = demo ? corpusA.demoRequests(demoRequests, seed) : read(requests);
    checkDimensions(log, a, corpusA.index());
    checkDimensions(log, b, corpusB.index());

    final Pipeline pa = corpusA.pipeline(a.variant());
    final Pipeline pb = corpusB.pipeline(b.variant());
    final ShadowSchema schema = PipelineShadow.schema(pa, pb);
    final ShadowReplay.Builder replay = ShadowReplay.builder(schema)
        .baseline(PipelineLane.replay(pa, schema))
        .candidate(PipelineLane.replay(pb, schema))
        .config(comparison)
        .policy(policy)
        .orderSeed(seed)
        .title(a.name() + " -> " + b.name());
    if (aa) {
      replay.noiseFloor(PipelineLane.replay(corpusA.pipeline(a.variant()), schema));
    }
    final ShadowReplay run = replay.build();
    err.printf(Locale.ROOT, "replaying %,d requests: %s (%s) vs %s (%s)%s%n", log.size(), a.name(),
        a.source(), b.name(), b.source(), aa ? ", with the A/A noise floor" : "");
    err.flush();
    for (int i = 0; i < warmup; i++) {
      run.run(log);
    }
    final ShadowReport report = run.run(log);
    out.print(json ? report.toJson() : report.toText());
    out.flush();
    if (html != null) {
      try {
        Files.writeString(html, report.toHtml());
      } catch (IOException e) {
        throw new CliError(html + ": cannot write the HTML report: " + e.getMessage(), e);
      }
      err.println("wrote " + html);
      err.flush();
    }
    if (gate != null && report.trips(gate)) {
      err.printf(Locale.ROOT, "gate --fail-on %s tripped by %d metric(s)%n", failOn, report.tripping(gate).size());
      err.flush();
      return EXIT_GATE;
    }
    return 0;
  }

  /**
   * {@code --drift}: replays the reference and the current log through the baseline configuration,
   * interleaved in a seeded order (so warm-up favours neither window), after {@code --warmup}
   * unreported passes, and prints the {@link DriftReport}.
   */
  private int drift(PrintWriter out, PrintWriter err) {
    if (reference == null || current == null) {
      throw new CliError("--drift needs --reference FILE and --current FILE");
    }
    if (requests != null || demo || candidate != null) {
      throw new CliError("--drift compares two request logs through one configuration:"
          + " --requests, --demo and --candidate do not apply");
    }
    if (failOn != null && !List.of("drift", "change", "regression").contains(failOn)) {
      throw new CliError("--fail-on must be regression, change or drift, got '" + failOn + "'");
    }
    final FeedConfig config = baseline != null ? FeedConfig.load(baseline) : FeedConfig.defaults("demo");
    final ShadowCorpus corpus = ShadowCorpus.of(config.corpus(), err);
    final List<RequestRecord> ref = read(reference);
    final List<RequestRecord> cur = read(current);
    checkDimensions(ref, config, corpus.index());
    checkDimensions(cur, config, corpus.index());
    final Pipeline pipeline = corpus.pipeline(config.variant());
    final ShadowSchema schema = PipelineShadow.schema(pipeline);
    final ComparisonConfig comparison = comparison();
    final int dimension = ref.get(0).hasVector() ? corpus.index().dimension() : 0;
    final DriftWindow refWindow = new DriftWindow(schema, comparison, dimension);
    final DriftWindow curWindow = new DriftWindow(schema, comparison, dimension);
    final DriftReplay replay = new DriftReplay(PipelineLane.replay(pipeline, schema), schema);
    err.printf(Locale.ROOT, "drift of %,d current vs %,d reference requests through %s (%s)%n", cur.size(),
        ref.size(), config.name(), config.source());
    err.flush();
    for (int pass = 0; pass <= warmup; pass++) {
      final boolean measured = pass == warmup;
      final SplittableRandom order = new SplittableRandom(seed);
      int i = 0;
      int j = 0;
      while (i < ref.size() || j < cur.size()) {
        final boolean takeRef = j >= cur.size() || (i < ref.size() && order.nextBoolean());
        if (takeRef) {
          replay.run(ref.get(i++), measured ? refWindow : null);
        } else {
          replay.run(cur.get(j++), measured ? curWindow : null);
        }
      }
    }
    final DriftReport report = DriftReport.of(config.name() + ": " + reference.getFileName() + " -> "
        + current.getFileName(), refWindow, curWindow, policy());
    out.print(json ? report.toJson() : report.toText());
    out.flush();
    final boolean tripped = failOn != null && (failOn.equals("regression")
        ? report.rows().stream().anyMatch(r -> r.verdict() == Verdict.WORSE)
        : report.hasDrift());
    if (tripped) {
      err.printf(Locale.ROOT, "gate --fail-on %s tripped%n", failOn);
      err.flush();
      return EXIT_GATE;
    }
    return 0;
  }

  /** One lane with its state and run record, replaying requests into a drift window. */
  private static final class DriftReplay {
    private final PipelineLane<RequestRecord> lane;
    private final PipelineLane.State state;
    private final RunRecord run;

    DriftReplay(PipelineLane<RequestRecord> lane, ShadowSchema schema) {
      this.lane = lane;
      this.state = lane.newState();
      this.run = new RunRecord(schema, 64);
    }

    void run(RequestRecord request, DriftWindow into) {
      lane.capture(request, state);
      run.clear();
      final long start = System.nanoTime();
      try {
        lane.run(state, 0L, run);
      } catch (Exception e) {
        run.clear();
        run.outcome(RunRecord.FAILED);
      }
      if (run.totalNanos() == 0) {
        run.totalNanos(System.nanoTime() - start);
      }
      if (into != null) {
        into.add(run);
        if (request.hasVector()) {
          into.addQuery(request.vector());
        }
      }
    }
  }

  /** The gate of {@code --fail-on} for a page-vs-page comparison, {@code null} without one. */
  private ShadowReport.Gate gate() {
    if (failOn == null) {
      return null;
    }
    return switch (failOn) {
      case "regression" -> ShadowReport.Gate.REGRESSION;
      case "change" -> ShadowReport.Gate.CHANGE;
      case "drift" -> throw new CliError("--fail-on drift needs --drift (it gates a drift report)");
      default -> throw new CliError("--fail-on must be regression, change or drift, got '" + failOn + "'");
    };
  }

  private FlagPolicy policy() {
    try {
      return FlagPolicy.builder().familyWiseErrorRate(familyWiseError).build();
    } catch (IllegalArgumentException e) {
      throw new CliError("--family-wise-error: " + e.getMessage());
    }
  }

  /** {@code --record-demo}: demo requests for the corpus of {@code --baseline} (or the built-in one). */
  private int record(PrintWriter err) {
    final FeedConfig config = baseline != null ? FeedConfig.load(baseline) : FeedConfig.defaults("demo");
    if (!config.corpus().isDemo()) {
      throw new CliError("--record-demo needs a demo corpus, but " + config.source() + " uses "
          + config.corpus().describe());
    }
    final ShadowCorpus corpus = ShadowCorpus.of(config.corpus(), err);
    final List<RequestRecord> records = corpus.demoRequests(demoRequests, seed, demoCommunity);
    try {
      RequestLog.writeAll(recordDemo, records);
    } catch (IOException e) {
      throw new CliError(recordDemo + ": cannot write the request log: " + e.getMessage(), e);
    }
    spec.commandLine().getOut().printf(Locale.ROOT, "wrote %,d demo requests (seed %d) for the %s to %s%n",
        records.size(), seed, config.corpus().describe(), recordDemo);
    spec.commandLine().getOut().flush();
    return 0;
  }

  private static List<RequestRecord> read(Path file) {
    final List<RequestRecord> records;
    try {
      records = RequestLog.readAll(file);
    } catch (NoSuchFileException e) {
      throw new CliError(file + ": no such file");
    } catch (IOException e) {
      throw new CliError(file + ": not a readable request log: " + e.getMessage(), e);
    }
    if (records.isEmpty()) {
      throw new CliError(file + ": holds no requests");
    }
    return records;
  }

  private static void checkDimensions(List<RequestRecord> log, FeedConfig config, VectorIndex index) {
    for (int i = 0; i < log.size(); i++) {
      final RequestRecord r = log.get(i);
      if (r.hasVector() && r.vector().length != index.dimension()) {
        throw new CliError(String.format(Locale.ROOT,
            "request %d has a %d-dim query vector, but the index of %s (%s) has %d dims",
            i + 1, r.vector().length, config.name(), config.corpus().describe(), index.dimension()));
      }
    }
  }

  private ComparisonConfig comparison() {
    final String[] parts = scoreRange.split(":");
    final double lo;
    final double hi;
    final int bins;
    try {
      if (parts.length < 2 || parts.length > 3) {
        throw new NumberFormatException();
      }
      lo = Double.parseDouble(parts[0]);
      hi = Double.parseDouble(parts[1]);
      bins = parts.length == 3 ? Integer.parseInt(parts[2]) : 20;
    } catch (NumberFormatException e) {
      throw new CliError("--score-range must be LO:HI or LO:HI:BINS, got '" + scoreRange + "'");
    }
    try {
      return ComparisonConfig.builder().overlapDepth(overlapK).rboP(rboP)
          .scoreBins(FixedBins.of(lo, hi, bins)).build();
    } catch (IllegalArgumentException e) {
      throw new CliError(e.getMessage());
    }
  }
}
