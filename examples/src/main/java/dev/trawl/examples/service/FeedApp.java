package dev.trawl.examples.service;

import dev.trawl.cli.RedisDemo;
import dev.trawl.index.IndexSnapshot;
import dev.trawl.index.SnapshotInfo;
import dev.trawl.index.SourcePositions;
import dev.trawl.kafka.ConsumerMetrics;
import dev.trawl.kafka.PostStreamConsumer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The whole feed service wired together: the {@link CorpusWorld}, the Kafka stream feeding it (when
 * configured), the {@link FeedService} and its {@link FeedServer}. {@code trawl serve} runs one; tests
 * start one in-process.
 *
 * <p>Ready once the index is built and, with a stream, once every partition has been applied to its
 * end (checked on each readiness probe; it stays ready afterwards, as a lagging replica still serves).
 *
 * <p>{@link #close} shuts down in an order that loses nothing: the HTTP server stops accepting and
 * drains the requests in flight, then the stream consumer finishes its batch and stops, then (with
 * {@link Builder#snapshotOnClose}) the index is written with the stream positions it has applied up
 * to, and beside it the streamed posts' creation times ({@link StreamedPostTimes}). Nothing writes
 * the index at that point, so the snapshot is an exact cut of the stream: a service started from it
 * ({@link Builder#stream(Stream, SourcePositions)} with the stored positions) applies every later
 * event once and none of the earlier ones again.
 *
 * <p><b>Thread-safety:</b> start and close from one thread ({@link #close} is idempotent).
 * <b>Allocation:</b> see the parts.
 */
public final class FeedApp implements AutoCloseable {
  private final CorpusWorld world;
  private final FeedService service;
  private final FeedServer server;
  private final PostStreamConsumer stream;
  private final Path snapshot;
  private final List<AutoCloseable> closeLast;
  private volatile boolean caughtUp;
  private volatile SnapshotInfo written;
  private boolean closed;

  /** Where the stream comes from: bootstrap servers, topic and consumer group. */
  public record Stream(String bootstrap, String topic, String group) {}

  /** HTTP settings. */
  public record Http(String host, int port, int threads, long drainMillis) {}

  private FeedApp(Builder b) throws IOException {
    this.world = b.world;
    this.snapshot = b.snapshot;
    this.closeLast = List.copyOf(b.closeLast);
    final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    this.service = new FeedService(world, meters, b.shadow);
    if (b.shadow != null) {
      b.shadow.bind(meters);
    }
    Gauge.builder("trawl.index.size", world.index(), i -> i.size())
        .description("live posts in the index").register(meters);
    if (b.stream != null) {
      final PostStreamConsumer.Builder consumer =
          PostStreamConsumer.builder(b.stream.bootstrap(), b.stream.topic())
              .groupId(b.stream.group())
              .index(world.index(), b.from)
              .listener(world.listener());
      if (b.ingestYield != null) {
        consumer.yieldWhile(this::requestsInFlight, b.ingestYield);
      }
      this.stream = consumer.build();
      Gauge.builder("trawl.ingest.lag", this.stream, s -> s.metrics().totalLag())
          .description("events not yet applied, over all partitions").register(meters);
      Gauge.builder("trawl.ingest.applied", this.stream, s -> s.metrics().applied())
          .description("events applied since start").register(meters);
    } else {
      this.stream = null;
      caughtUp = true;
    }
    for (Consumer<MeterRegistry> binder : b.metrics) {
      binder.accept(meters);
    }
    if (b.fault != null) {
      final HangingStage fault = b.fault;
      Gauge.builder("trawl.fault.hanging", fault, f -> f.hanging() ? 1 : 0)
          .description("1 while the fault stage hangs (POST /admin/hang)").register(meters);
      Gauge.builder("trawl.fault.blocked", fault, HangingStage::blocked)
          .description("calls blocked in the fault stage now (stage-pool threads it holds)")
          .register(meters);
    }
    if (b.candidateFault != null) {
      Gauge.builder("trawl.fault.candidate.throwing", b.candidateFault, f -> f.throwing() ? 1 : 0)
          .description("1 while the shadow candidate's fault stage throws (POST /admin/candidate-throws)")
          .register(meters);
    }
    this.server = new FeedServer(service, meters, this::ready, b.http.host(), b.http.port(),
        b.http.threads(), b.http.drainMillis(), b.fault, b.candidateFault);
  }

  /** Whether an HTTP request is being handled; the server is built after the stream, none before. */
  private boolean requestsInFlight() {
    final FeedServer s = server;
    return s != null && s.inFlight() > 0;
  }

  /** Starts the stream (if any) and the HTTP server over an already built world. */
  public static FeedApp start(CorpusWorld world, Stream stream, Http http) throws Exception {
    final Builder b = builder(world, http);
    if (stream != null) {
      b.stream(stream, SourcePositions.NONE);
    }
    return b.start();
  }

  /** Starts describing a service over an already built world. */
  public static Builder builder(CorpusWorld world, Http http) {
    return new Builder(world, http);
  }

  /** What to wire besides the world and HTTP. Not thread-safe; one {@link #start} per builder. */
  public static final class Builder {
    private final CorpusWorld world;
    private final Http http;
    private Stream stream;
    private SourcePositions from = SourcePositions.NONE;
    private Path snapshot;
    private Duration ingestYield;
    private FeedShadow shadow;
    private HangingStage fault;
    private ThrowingStage candidateFault;
    private final List<Consumer<MeterRegistry>> metrics = new ArrayList<>();
    private final List<AutoCloseable> closeLast = new ArrayList<>();

    private Builder(CorpusWorld world, Http http) {
      this.world = Objects.requireNonNull(world, "world");
      this.http = Objects.requireNonNull(http, "http");
    }

    /**
     * Follows {@code stream}, each partition from its position in {@code from} (partitions without
     * one from the beginning of the log): the positions of the snapshot the world was loaded from.
     */
    public Builder stream(Stream stream, SourcePositions from) {
      this.stream = Objects.requireNonNull(stream, "stream");
      this.from = Objects.requireNonNull(from, "from");
      return this;
    }

    /**
     * Lets requests have the CPU before the stream: while an HTTP request is in flight, the stream's
     * apply thread waits before each event, at most {@code maxHold} (see {@link
     * PostStreamConsumer.Builder#yieldWhile}). Null or zero: apply at once.
     */
    public Builder ingestYield(Duration maxHold) {
      this.ingestYield = maxHold == null || maxHold.isZero() ? null : maxHold;
      return this;
    }

    /**
     * Writes the index and the stream positions to {@code file} (atomically) on {@link #close}, and
     * the streamed posts' creation times to {@link StreamedPostTimes#fileFor}{@code (file)}.
     */
    public Builder snapshotOnClose(Path file) {
      this.snapshot = Objects.requireNonNull(file, "file");
      return this;
    }

    /** Registers more meters (store hit ratios, shadow verdicts) beside the service's own. */
    public Builder metrics(Consumer<MeterRegistry> binder) {
      metrics.add(Objects.requireNonNull(binder, "binder"));
      return this;
    }

    /**
     * The Redis stores the world's pipeline reads (built with {@link RedisDemo#addStages}): exports
     * the post features' near-cache hit ratio and the degraded reads of both stages, and closes the
     * stores last.
     */
    public Builder redis(RedisDemo redis) {
      metrics.add(meters -> {
        Gauge.builder("trawl.redis.near.cache.hit.ratio", redis, r -> r.featureStats().hitRatio())
            .description("post-feature lookups answered by the near cache, since start")
            .register(meters);
        Gauge.builder("trawl.redis.feature.lookups", redis, r -> r.featureStats().lookups())
            .description("post-feature lookups, since start").register(meters);
        Gauge.builder("trawl.redis.feature.degraded", redis, r -> r.features().degradedRequests())
            .description("requests whose post features were incomplete (timeout, error, open breaker)")
            .register(meters);
        Gauge.builder("trawl.redis.user.state.degraded", redis, r -> r.userState().degradedReads())
            .description("requests served without complete user state").register(meters);
      });
      return closeLast(redis);
    }

    /** Runs {@code shadow}'s candidate beside the live feed; exports its metrics; closes it last. */
    public Builder shadow(FeedShadow shadow) {
      this.shadow = Objects.requireNonNull(shadow, "shadow");
      return closeLast(shadow);
    }

    /**
     * The fault stage the world's pipeline holds (added through {@link
     * CorpusWorld.Options#stages}): exported as metrics and switched through {@code POST
     * /admin/hang}; released on close, so no thread stays blocked in it.
     */
    public Builder fault(HangingStage stage) {
      this.fault = Objects.requireNonNull(stage, "stage");
      return closeLast(stage::release);
    }

    /**
     * The fault stage the shadow candidate's pipeline holds (added to the candidate variant given to
     * {@link FeedShadow#of}): exported as a metric and switched through {@code POST
     * /admin/candidate-throws}.
     */
    public Builder candidateFault(ThrowingStage stage) {
      this.candidateFault = Objects.requireNonNull(stage, "stage");
      return this;
    }

    /** Closes {@code resource} after everything else (a store the pipeline reads). */
    public Builder closeLast(AutoCloseable resource) {
      closeLast.add(Objects.requireNonNull(resource, "resource"));
      return this;
    }

    /** Starts the stream (if any) and the HTTP server. */
    public FeedApp start() throws Exception {
      final FeedApp app = new FeedApp(this);
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

  /** The HTTP server. */
  public FeedServer server() {
    return server;
  }

  /** The world served. */
  public CorpusWorld world() {
    return world;
  }

  /** The stream consumer, or null without a stream. */
  public PostStreamConsumer stream() {
    return stream;
  }

  /** What the snapshot written on close holds, or null before close or without a snapshot file. */
  public SnapshotInfo snapshotWritten() {
    return written;
  }

  /** Blocks until the HTTP server stops. */
  public void join() throws InterruptedException {
    server.join();
  }

  /**
   * Drains and stops the HTTP server, stops the stream, writes the snapshot (if configured), closes
   * the stores. Idempotent.
   *
   * @throws IOException when the snapshot cannot be written (the previous file stays as it was)
   */
  @Override
  public synchronized void close() throws Exception {
    if (closed) {
      return;
    }
    closed = true;
    try {
      server.close();
    } finally {
      try {
        if (stream != null) {
          stream.close();
        }
        if (snapshot != null) {
          final Path parent = snapshot.toAbsolutePath().getParent();
          if (parent != null) {
            Files.createDirectories(parent);
          }
          final SourcePositions cut = stream != null ? stream.positions() : SourcePositions.NONE;
          written = IndexSnapshot.write(world.index(), snapshot, cut);
          StreamedPostTimes.write(StreamedPostTimes.fileFor(snapshot), cut,
              world.streamedCreatedAt());
        }
      } finally {
        for (AutoCloseable c : closeLast) {
          c.close();
        }
      }
    }
  }
}
