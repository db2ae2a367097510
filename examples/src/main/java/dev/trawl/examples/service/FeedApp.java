package dev.trawl.examples.service;

import dev.trawl.index.SourcePositions;
import dev.trawl.kafka.ConsumerMetrics;
import dev.trawl.kafka.PostStreamConsumer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;

/**
 * The whole feed service wired together: the {@link CorpusWorld}, the Kafka stream feeding it (when
 * configured), the {@link FeedService} and its {@link FeedServer}. {@code trawl serve} runs one; tests
 * start one in-process.
 *
 * <p>Ready once the index is built and, with a stream, once every partition has been applied to its
 * end (checked on each readiness probe; it stays ready afterwards, as a lagging replica still serves).
 * {@link #close} drains the HTTP server first, then stops the stream.
 *
 * <p><b>Thread-safety:</b> start and close from one thread. <b>Allocation:</b> see the parts.
 */
public final class FeedApp implements AutoCloseable {
  private final CorpusWorld world;
  private final FeedService service;
  private final FeedServer server;
  private final PostStreamConsumer stream;
  private volatile boolean caughtUp;

  /** Where the stream comes from: bootstrap servers, topic and consumer group. */
  public record Stream(String bootstrap, String topic, String group) {}

  /** HTTP settings. */
  public record Http(String host, int port, int threads, long drainMillis) {}

  private FeedApp(CorpusWorld world, Stream stream, Http http) throws IOException {
    this.world = world;
    final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    this.service = new FeedService(world, meters);
    Gauge.builder("trawl.index.size", world.index(), i -> i.size())
        .description("live posts in the index").register(meters);
    if (stream != null) {
      this.stream =
          PostStreamConsumer.builder(stream.bootstrap(), stream.topic())
              .groupId(stream.group())
              .index(world.index(), SourcePositions.NONE)
              .listener(world.listener())
              .build();
      Gauge.builder("trawl.ingest.lag", this.stream, s -> s.metrics().totalLag())
          .description("events not yet applied, over all partitions").register(meters);
      Gauge.builder("trawl.ingest.applied", this.stream, s -> s.metrics().applied())
          .description("events applied since start").register(meters);
    } else {
      this.stream = null;
      caughtUp = true;
    }
    this.server = new FeedServer(service, meters, this::ready, http.host(), http.port(),
        http.threads(), http.drainMillis());
  }

  /** Starts the stream (if any) and the HTTP server over an already built world. */
  public static FeedApp start(CorpusWorld world, Stream stream, Http http) throws Exception {
    final FeedApp app = new FeedApp(world, stream, http);
    if (app.stream != null) {
      app.stream.start();
    }
    try {
      app.server.start();
    } catch (Exception e) {
      app.close();
      throw e;
    }
    return app;
  }

  /** Whether the service is ready: the index is built and the stream has caught up once. */
  public boolean ready() {
    if (!caughtUp && stream.state() == PostStreamConsumer.State.RUNNING) {
      caughtUp = caughtUp(stream.metrics());
    }
    return caughtUp;
  }

  /** Every partition known and applied to its end (a lag of -1 means not yet known). */
  private static boolean caughtUp(ConsumerMetrics m) {
    return m.partitionCount() > 0
        && java.util.stream.IntStream.range(0, m.partitionCount()).allMatch(i -> m.lag(i) == 0);
  }

  /** The port the HTTP server listens on. */
  public int port() {
    return server.port();
  }

  /** The service behind the endpoints. */
  public FeedService service() {
    return service;
  }

  /** The world served. */
  public CorpusWorld world() {
    return world;
  }

  /** The stream consumer, or null without a stream. */
  public PostStreamConsumer stream() {
    return stream;
  }

  /** Blocks until the HTTP server stops. */
  public void join() throws InterruptedException {
    server.join();
  }

  /** Drains and stops the HTTP server, then stops the stream. */
  @Override
  public void close() throws Exception {
    try {
      server.close();
    } finally {
      if (stream != null) {
        stream.close();
      }
    }
  }
}
