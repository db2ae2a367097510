package dev.trawl.examples.service;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code trawl serve}: builds a generated feed corpus, optionally follows a Kafka topic of post
 * events, and serves the home feed over GraphQL and JSON until SIGTERM or Ctrl-C, then drains.
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

  @Option(names = "--port", defaultValue = "8080", description = "Port (0: a free one). Default ${DEFAULT-VALUE}.")
  int port;

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind. Default ${DEFAULT-VALUE}.")
  String host;

  @Option(names = "--posts", defaultValue = "20000", description = "Posts in the generated corpus. Default ${DEFAULT-VALUE}.")
  int posts;

  @Option(names = "--users", defaultValue = "1000", description = "Users (ids 0..N-1). Default ${DEFAULT-VALUE}.")
  int users;

  @Option(names = "--dimension", defaultValue = "64", description = "Embedding dimension. Default ${DEFAULT-VALUE}.")
  int dimension;

  @Option(names = "--seed", defaultValue = "7", description = "Seed of the corpus. Default ${DEFAULT-VALUE}.")
  long seed;

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

  @Override
  public Integer call() throws Exception {
    final PrintWriter out = spec.commandLine().getOut();
    if (port < 0 || port > 65_535 || httpThreads < 1 || drainSeconds < 0) {
      throw new IllegalArgumentException("need --port in 0..65535, --http-threads >= 1, --drain-seconds >= 0");
    }
    final long t0 = System.nanoTime();
    final CorpusWorld world = CorpusWorld.build(CorpusWorld.options().posts(posts).users(users)
        .dimension(dimension).seed(seed).threads(buildThreads));
    out.printf(Locale.ROOT, "built %,d posts (%d dims) in %.1f s%n", posts, dimension,
        (System.nanoTime() - t0) / 1e9);
    final FeedApp app = FeedApp.start(world,
        kafka == null ? null : new FeedApp.Stream(kafka, topic, group),
        new FeedApp.Http(host, port, httpThreads, (long) (drainSeconds * 1000)));
    final Thread hook = new Thread(() -> {
      try {
        app.close();
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
