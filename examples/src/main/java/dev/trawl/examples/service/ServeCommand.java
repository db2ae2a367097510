package dev.trawl.examples.service;

import dev.trawl.cli.CorpusOptions;
import dev.trawl.cli.FeedCorpus;
import dev.trawl.cli.RedisDemo;
import dev.trawl.cli.Snapshots;
import dev.trawl.examples.feed.HomeFeedVariant;
import dev.trawl.index.LoadedSnapshot;
import dev.trawl.index.SourcePositions;
import dev.trawl.pipeline.StageOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code trawl serve}: builds a generated feed corpus (or loads its index from a snapshot),
 * optionally follows a Kafka topic of post events, and serves the home feed over GraphQL and JSON
 * until SIGTERM or Ctrl-C, then drains, stops the stream and writes the snapshot.
 * Not thread-safe (a command runs once).
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Serves the home feed of a generated corpus: POST /graphql, GET /feed?userId=U&first=N (plain"
          + " JSON), GET /health, /ready, /metrics (Prometheus) and a page at /.",
      "With --kafka, post events of the topic (docs/streaming.md) are applied to the index as they"
          + " arrive; use post ids from --posts upwards for new posts."
    })
public final class ServeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin CorpusOptions corpusOptions;

  @Option(names = "--port", defaultValue = "8080", description = "Port (0: a free one). Default ${DEFAULT-VALUE}.")
  int port;

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind. Default ${DEFAULT-VALUE}.")
  String host;

  @Option(names = "--build-threads", defaultValue = "2", description = "Threads building the index. Default ${DEFAULT-VALUE}.")
  int buildThreads;

  @Option(names = "--http-threads", defaultValue = "32", description = "Request threads. Default ${DEFAULT-VALUE}.")
  int httpThreads;

  @Option(names = "--drain-seconds", defaultValue = "10", description = "Time in-flight requests get on shutdown. Default ${DEFAULT-VALUE}.")
  double drainSeconds;

  @Option(names = "--kafka", paramLabel = "HOST:PORT", description = "Kafka bootstrap servers: follow the post stream.")
  String kafka;

  @Option(names = "--topic", defaultValue = "posts", description = "Topic of post events. Default ${DEFAULT-VALUE}.")
  String topic;

  @Option(names = "--group", defaultValue = "trawl-serve", description = "Consumer group. Default ${DEFAULT-VALUE}.")
  String group;

  @Option(names = "--ingest-yield-ms", defaultValue = "0", description = "With --kafka: while a request"
      + " is in flight, the stream waits before each event, at most this long, so requests get the"
      + " CPU first (0: apply at once). Default ${DEFAULT-VALUE}.")
  double ingestYieldMillis;

  @Option(names = "--snapshot", paramLabel = "FILE", description = "Load the index and the stream"
      + " positions from FILE when it exists (instead of building the index; same corpus options as"
      + " the run that wrote it), and write them to FILE on shutdown.")
  Path snapshot;

  @Option(names = "--redis", paramLabel = "HOST:PORT|local", description = "Read the users' seen posts"
      + " and blocks and a post feature from Redis (loaded into it at start; 'local' starts a"
      + " redis-server on a free port), post features through a near cache.")
  String redis;

  @Option(names = "--redis-timeout-ms", defaultValue = "40", description = "Time each Redis stage"
      + " waits per request before the page is served degraded. Default ${DEFAULT-VALUE}.")
  long redisTimeoutMillis;

  @Option(names = "--shadow-rate", paramLabel = "R", description = "Run a candidate variant of the"
      + " feed beside the live one on this fraction of requests (0..1; POST /admin/shadow-rate?rate=R"
      + " changes it while serving).")
  Double shadowRate;

  @Option(names = "--shadow-ef", defaultValue = "500", description = "The candidate's beam width of"
      + " the interest search (the live feed uses 600; raised to k = 500 when smaller). Default ${DEFAULT-VALUE}.")
  int shadowEf;

  @Option(names = "--fault-stage", description = "Add a stage that hangs on demand (POST"
      + " /admin/hang?on=true, released with on=false), for fault drills; while released it costs one"
      + " hand-off to the stage pool per request. With --shadow-rate, the candidate also gets a"
      + " fail-closed stage that throws on demand (POST /admin/candidate-throws?on=true|false).")
  boolean faultStage;

  @Override
  public Integer call() throws Exception {
    final PrintWriter out = spec.commandLine().getOut();
    if (!(ingestYieldMillis >= 0 && ingestYieldMillis <= 10_000)) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "--ingest-yield-ms must be between 0 and 10000, got " + ingestYieldMillis);
    }
    if (port < 0 || port > 65_535 || httpThreads < 1 || drainSeconds < 0) {
      throw new IllegalArgumentException("need --port in 0..65535, --http-threads >= 1, --drain-seconds >= 0");
    }
    // checked before anything starts (a local redis-server, a built index)
    if (shadowRate != null && !(shadowRate >= 0 && shadowRate <= 1)) {
      throw new IllegalArgumentException("--shadow-rate must be between 0 and 1, got " + shadowRate);
    }
    if (redisTimeoutMillis < 1) {
      throw new IllegalArgumentException("--redis-timeout-ms must be positive, got " + redisTimeoutMillis);
    }
    final long t0 = System.nanoTime();
    final CorpusWorld.Options options = CorpusWorld.options().posts(corpusOptions.posts())
        .users(corpusOptions.users()).dimension(corpusOptions.dimension()).seed(corpusOptions.seed())
        .threads(buildThreads);
    SourcePositions from = SourcePositions.NONE;
    final boolean resuming = snapshot != null && Files.exists(snapshot);
    if (resuming) {
      final LoadedSnapshot loaded = Snapshots.loadWithPositions(snapshot);
      options.index(loaded.index());
      from = loaded.positions();
      out.printf(Locale.ROOT, "loaded %s: %,d live posts, stream positions %s%n", snapshot,
          loaded.index().size(), from.size() == 0 ? "none" : from);
      try {
        options.streamedCreatedAt(StreamedPostTimes.read(StreamedPostTimes.fileFor(snapshot), from));
      } catch (IOException e) {
        // the index is good without it: streamed posts then rank as posts of unknown age
        out.printf(Locale.ROOT, "warning: streamed posts restored without creation times: %s%n",
            e instanceof NoSuchFileException ? e.getMessage() + " is missing" : e.getMessage());
      }
    }
    final RedisDemo store = redis == null ? null : RedisDemo.open(redis, redisTimeoutMillis);
    final HangingStage fault = faultStage ? new HangingStage() : null;
    final CorpusWorld world;
    try {
      if (store != null || fault != null) {
        options.stages(v -> {
          final HomeFeedVariant with = store == null ? v : store.addStages(v);
          return fault == null ? with : with.extraHydrator(HangingStage.NAME, fault);
        }, store != null);
      }
      world = CorpusWorld.build(options);
      if (store != null) {
        final FeedCorpus.User[] people = new FeedCorpus.User[corpusOptions.users()];
        for (int u = 0; u < corpusOptions.users(); u++) {
          people[u] = world.user(u);
        }
        store.load(world.corpus(), people, out);
      }
    } catch (RuntimeException | InterruptedException e) {
      if (store != null) {
        store.close();
      }
      throw e;
    }
    out.printf(Locale.ROOT, "%s %,d posts (%d dims) in %.1f s%n", resuming ? "ready with" : "built",
        world.index().size(), corpusOptions.dimension(),
        (System.nanoTime() - t0) / 1e9);
    final FeedApp.Builder b = FeedApp.builder(world,
        new FeedApp.Http(host, port, httpThreads, (long) (drainSeconds * 1000)));
    if (kafka != null) {
      b.stream(new FeedApp.Stream(kafka, topic, group), from);
      b.ingestYield(java.time.Duration.ofNanos((long) (ingestYieldMillis * 1e6)));
    }
    if (snapshot != null) {
      b.snapshotOnClose(snapshot);
    }
    if (store != null) {
      b.redis(store);
    }
    if (fault != null) {
      b.fault(fault);
    }
    if (shadowRate != null) {
      final HomeFeedVariant candidate = new HomeFeedVariant().interestEf(shadowEf);
      if (faultStage) {
        final ThrowingStage candidateFault = new ThrowingStage();
        candidate.extraHydrator(ThrowingStage.NAME, candidateFault, StageOptions.failClosed());
        b.candidateFault(candidateFault);
      }
      b.shadow(FeedShadow.of(world, candidate, shadowRate));
    }
    final FeedApp app = b.start();
    final Thread hook = new Thread(() -> {
      try {
        app.close();
        if (app.snapshotWritten() != null) {
          out.printf(Locale.ROOT, "wrote %s: %,d live posts, stream positions %s%n", snapshot,
              app.snapshotWritten().liveItems(), app.stream() == null ? "none" : app.stream().positions());
          out.flush();
        }
      } catch (Exception e) {
        e.printStackTrace();
      }
    }, "trawl-serve-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    out.printf(Locale.ROOT, "serving on http://%s:%d/ (GraphQL at /graphql, JSON at /feed)%s%n", host,
        app.port(), kafka == null ? "" : ", following " + topic + " at " + kafka);
    out.flush();
    app.join();
    return 0;
  }
}
