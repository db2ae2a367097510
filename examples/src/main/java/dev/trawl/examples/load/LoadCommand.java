package dev.trawl.examples.load;

import dev.trawl.examples.service.CorpusWorld;
import dev.trawl.examples.service.FeedService;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code trawl load}: drives the feed service at a constant arrival rate ({@link OpenLoopLoad}) over
 * GraphQL, plain JSON, or in-process calls of {@link FeedService} (no HTTP, the floor the two APIs
 * are compared with), and prints latency percentiles measured from each request's intended send
 * time. Not thread-safe (a command runs once).
 */
@Command(
    name = "load",
    mixinStandardHelpOptions = true,
    description = {
      "Open-loop load on the feed service: --rate requests per second whatever the latency, each"
          + " timed from when it was due (no coordinated omission); prints p50/p99/p99.9/max and"
          + " errors of the measured window.",
      "--api graphql|json load a running `trawl serve` at --url; --api in-process builds the same"
          + " corpus in this JVM and calls the service directly."
    })
public final class LoadCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--api", defaultValue = "graphql", description = "graphql, json or in-process. Default ${DEFAULT-VALUE}.")
  String api;

  @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", description = "Service base URL. Default ${DEFAULT-VALUE}.")
  String url;

  @Option(names = "--rate", required = true, description = "Requests per second.")
  double rate;

  @Option(names = "--duration", defaultValue = "10", description = "Measured seconds. Default ${DEFAULT-VALUE}.")
  double duration;

  @Option(names = "--warmup", defaultValue = "3", description = "Seconds sent first, not measured. Default ${DEFAULT-VALUE}.")
  double warmup;

  @Option(names = "--users", defaultValue = "1000", description = "Requests cycle through users 0..N-1. Default ${DEFAULT-VALUE}.")
  int users;

  @Option(names = "--first", defaultValue = "10", description = "Posts per page. Default ${DEFAULT-VALUE}.")
  int first;

  @Option(names = "--max-in-flight", defaultValue = "256", description = "Outstanding requests at most. Default ${DEFAULT-VALUE}.")
  int maxInFlight;

  @Option(names = "--timeout", defaultValue = "10", description = "Seconds before a request counts as an error. Default ${DEFAULT-VALUE}.")
  double timeout;

  @Option(names = "--posts", defaultValue = "20000", description = "in-process: posts of the corpus. Default ${DEFAULT-VALUE}.")
  int posts;

  @Option(names = "--seed", defaultValue = "7", description = "in-process: seed of the corpus. Default ${DEFAULT-VALUE}.")
  long seed;

  @Option(names = "--threads", defaultValue = "32", description = "in-process: serving threads. Default ${DEFAULT-VALUE}.")
  int threads;

  @Option(names = "--json", description = "Print one JSON object.")
  boolean json;

  @Option(names = "--series", paramLabel = "FILE", description = "Write the run second by second"
      + " (warm-up included) as CSV: " + LoadSeries.CSV_HEADER + ", by the second each request was due.")
  Path series;

  static final String GRAPHQL_QUERY =
      "query Feed($userId: ID!, $first: Int) { feed(userId: $userId, first: $first) {"
          + " degraded posts { id source score author community } } }";

  @Override
  public Integer call() throws Exception {
    if (users < 1 || first < 1 || threads < 1 || timeout <= 0) {
      throw new IllegalArgumentException("need --users, --first and --threads >= 1 and --timeout > 0");
    }
    final OpenLoopLoad load = new OpenLoopLoad(OpenLoopLoad.Clock.SYSTEM, rate,
        (long) (duration * 1e9), (long) (warmup * 1e9), maxInFlight);
    final OpenLoopLoad.Result result;
    switch (api) {
      case "graphql", "json" -> result = overHttp(load);
      case "in-process" -> result = inProcess(load);
      default -> throw new IllegalArgumentException("--api must be graphql, json or in-process, got " + api);
    }
    final PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.printf(Locale.ROOT,
          "{\"api\":\"%s\",\"rate\":%.1f,\"measured\":%d,\"errors\":%d,\"degraded\":%d,\"p50_ms\":%.3f,"
              + "\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"max_ms\":%.3f,\"max_send_lag_ms\":%.3f}%n",
          api, rate, result.measured(), result.errors(), result.degraded(), result.millisAt(50),
          result.millisAt(99),
          result.millisAt(99.9), result.latency().getMaxValue() / 1e6, result.maxSendLagNanos() / 1e6);
    } else {
      out.printf(Locale.ROOT,
          "%s at %.0f requests/s for %.0f s (after %.0f s warm-up): %,d measured, %,d errors, %,d"
              + " degraded; latency from intended send time p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms,"
              + " max %.2f ms (sender at most %.2f ms late)%n",
          api, rate, duration, warmup, result.measured(), result.errors(), result.degraded(),
          result.millisAt(50),
          result.millisAt(99), result.millisAt(99.9), result.latency().getMaxValue() / 1e6,
          result.maxSendLagNanos() / 1e6);
    }
    out.flush();
    if (series != null) {
      try (Writer w = Files.newBufferedWriter(series)) {
        result.series().writeCsv(w);
      }
    }
    return 0;
  }

  private OpenLoopLoad.Result overHttp(OpenLoopLoad load) throws InterruptedException {
    final ExecutorService pool = Executors.newFixedThreadPool(4);
    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .executor(pool).connectTimeout(Duration.ofSeconds(5)).build();
    final String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    final Duration requestTimeout = Duration.ofMillis((long) (timeout * 1000));
    final boolean graphql = api.equals("graphql");
    final URI graphqlUri = URI.create(base + "/graphql");
    try {
      announceStart();
      return load.run((sequence, intended, done) -> {
        final long user = sequence % users;
        final HttpRequest request = graphql
            ? HttpRequest.newBuilder(graphqlUri).timeout(requestTimeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"query\":\"" + GRAPHQL_QUERY
                    + "\",\"variables\":{\"userId\":\"" + user + "\",\"first\":" + first + "}}"))
                .build()
            : HttpRequest.newBuilder(URI.create(base + "/feed?userId=" + user + "&first=" + first))
                .timeout(requestTimeout).GET().build();
        client.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
            .whenComplete((response, error) -> done.complete(intended,
                error == null && response.statusCode() == 200 ? outcome(response.body(), graphql)
                    : OpenLoopLoad.Completion.ERROR));
      });
    } finally {
      pool.shutdown();
      pool.awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  /**
   * Tells a script driving faults during the run when the run's second 0 is (the series counts from
   * it): one line on standard error, so that {@code --json} output stays one object.
   */
  private void announceStart() {
    final PrintWriter err = spec.commandLine().getErr();
    err.printf(Locale.ROOT, "load started at epoch millisecond %d%n", System.currentTimeMillis());
    err.flush();
  }

  /**
   * A 200 answer's outcome: with GraphQL, an {@code errors} member is a failed request even with
   * status 200; a page marked degraded counts as such.
   */
  private static int outcome(byte[] body, boolean graphql) {
    final String text = new String(body, java.nio.charset.StandardCharsets.UTF_8);
    if (graphql && text.contains("\"errors\"")) {
      return OpenLoopLoad.Completion.ERROR;
    }
    return text.contains("\"degraded\":true") ? OpenLoopLoad.Completion.DEGRADED
        : OpenLoopLoad.Completion.OK;
  }

  private OpenLoopLoad.Result inProcess(OpenLoopLoad load) throws InterruptedException {
    final CorpusWorld world = CorpusWorld.build(
        CorpusWorld.options().posts(posts).users(users).seed(seed).threads(2));
    final FeedService service = new FeedService(world, new SimpleMeterRegistry());
    final ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      announceStart();
      return load.run((sequence, intended, done) -> pool.execute(() -> {
        int outcome;
        try {
          outcome = service.feed(sequence % users, first, null).degraded()
              ? OpenLoopLoad.Completion.DEGRADED : OpenLoopLoad.Completion.OK;
        } catch (RuntimeException e) {
          outcome = OpenLoopLoad.Completion.ERROR;
        }
        done.complete(intended, outcome);
      }));
    } finally {
      pool.shutdown();
      pool.awaitTermination(10, TimeUnit.SECONDS);
    }
  }
}
