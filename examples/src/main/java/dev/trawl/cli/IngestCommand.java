package dev.trawl.cli;

import dev.trawl.index.SnapshotInfo;
import dev.trawl.index.SourcePositions;
import dev.trawl.index.VectorIndex;
import dev.trawl.kafka.ConsumerMetrics;
import dev.trawl.kafka.PostStreamConsumer;
import dev.trawl.vector.Metric;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code trawl ingest}: consumes a Kafka topic of post events into an index, snapshotting it with
 * its stream positions, until SIGTERM (or, with {@code --until-caught-up}, until it has applied
 * every partition to its end).
 */
@Command(
    name = "ingest",
    mixinStandardHelpOptions = true,
    description = {
      "Consumes a Kafka topic of post events (docs/streaming.md) into an index. Loads"
          + " DIR/latest.idx when present and resumes each partition from the offset stored in it;"
          + " otherwise starts a new index from the beginning of every partition.",
      "Writes DIR/latest.idx (atomically replaced) every --snapshot-every seconds and on SIGTERM or"
          + " Ctrl-C. Poison records go to TOPIC.dlq with the reason in a header."
    })
final class IngestCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--bootstrap",
      required = true,
      paramLabel = "HOST:PORT",
      description = "Kafka bootstrap servers.")
  String bootstrap;

  @Option(
      names = "--topic",
      required = true,
      paramLabel = "T",
      description = "Topic of post events.")
  String topic;

  @Option(
      names = "--group",
      required = true,
      paramLabel = "G",
      description = "Consumer group the applied offsets are committed under (one per replica).")
  String group;

  @Option(
      names = "--dimension",
      required = true,
      paramLabel = "D",
      description = "Vector dimension.")
  int dimension;

  @Option(
      names = "--metric",
      required = true,
      converter = MetricConverter.class,
      paramLabel = "M",
      description = "Distance: l2, cosine or dot.")
  Metric metric;

  @Option(
      names = "--snapshot-dir",
      required = true,
      paramLabel = "DIR",
      description = "Where latest.idx is kept.")
  Path snapshotDir;

  @Option(
      names = "--snapshot-every",
      defaultValue = "300",
      paramLabel = "SECONDS",
      description = "Seconds between snapshots. Default ${DEFAULT-VALUE}.")
  double snapshotEvery;

  @Option(
      names = "--partitions",
      split = ",",
      paramLabel = "LIST",
      description = "Consume only these partitions (a shard), e.g. 0,2. Default: all.")
  List<Integer> partitions;

  @Option(
      names = "--apply-threads",
      defaultValue = "1",
      paramLabel = "N",
      description = "Threads applying each batch. Default ${DEFAULT-VALUE}.")
  int applyThreads;

  @Option(
      names = "--m",
      defaultValue = "16",
      description = "Links per node of a new index. Default ${DEFAULT-VALUE}.")
  int m;

  @Option(
      names = "--ef-construction",
      defaultValue = "200",
      description = "Beam width while inserting, for a new index. Default ${DEFAULT-VALUE}.")
  int efConstruction;

  @Option(
      names = "--dead-letter-topic",
      paramLabel = "T",
      description = "Where poison records go. Default: TOPIC.dlq.")
  String deadLetterTopic;

  @Option(
      names = "--status-every",
      defaultValue = "10",
      paramLabel = "SECONDS",
      description = "Seconds between status lines. Default ${DEFAULT-VALUE}.")
  double statusEvery;

  @Option(
      names = "--until-caught-up",
      description =
          "Stop (with a final snapshot) once every partition is applied to its end, instead of"
              + " running until SIGTERM.")
  boolean untilCaughtUp;

  @Override
  public Integer call() throws Exception {
    final PrintWriter out = spec.commandLine().getOut();
    if (dimension <= 0) {
      throw new CliError("--dimension must be positive, got " + dimension);
    }
    if (snapshotEvery <= 0 || statusEvery <= 0) {
      throw new CliError("--snapshot-every and --status-every must be positive");
    }
    final Path latest = snapshotDir.resolve(PostStreamConsumer.LATEST);
    if (Files.exists(latest)) {
      final SnapshotInfo info = Snapshots.info(latest);
      if (info.dimension() != dimension || info.metric() != metric) {
        throw new CliError(
            latest
                + " holds a "
                + info.dimension()
                + "-dimensional "
                + info.metric().name().toLowerCase(Locale.ROOT)
                + " index, but --dimension "
                + dimension
                + " --metric "
                + metric.name().toLowerCase(Locale.ROOT)
                + " was given");
      }
    }
    final PostStreamConsumer.Builder builder =
        PostStreamConsumer.builder(bootstrap, topic)
            .groupId(group)
            .snapshotDir(snapshotDir)
            .snapshotEvery(Duration.ofMillis((long) (snapshotEvery * 1000)))
            .applyThreads(applyThreads)
            .newIndex(
                () ->
                    VectorIndex.builder(dimension, metric)
                        .m(m)
                        .efConstruction(efConstruction)
                        .build());
    if (partitions != null && !partitions.isEmpty()) {
      builder.partitions(partitions.stream().mapToInt(Integer::intValue).toArray());
    }
    if (deadLetterTopic != null) {
      builder.deadLetterTopic(deadLetterTopic);
    }
    final PostStreamConsumer consumer;
    try {
      consumer = builder.build();
    } catch (IOException e) {
      throw new CliError(
          latest
              + ": cannot load the snapshot ("
              + e.getMessage()
              + "); move it away to start over",
          e);
    }
    final SourcePositions start = consumer.startPositions();
    out.printf(
        Locale.ROOT,
        "%s: %,d live posts, resuming at %s%n",
        start.size() > 0 || Files.exists(latest) ? "loaded " + latest : "new index",
        consumer.index().size(),
        start.size() == 0 ? "the beginning of every partition" : start.toString());
    out.flush();

    final AtomicBoolean closed = new AtomicBoolean();
    final Thread hook =
        new Thread(
            () -> {
              if (closed.compareAndSet(false, true)) {
                consumer.close();
                out.println("stopped: " + status(consumer.metrics()));
                out.flush();
              }
            },
            "trawl-ingest-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    consumer.start();
    final long statusNanos = (long) (statusEvery * 1e9);
    long nextStatus = System.nanoTime() + statusNanos;
    try {
      while (true) {
        Thread.sleep(50);
        final ConsumerMetrics metrics = consumer.metrics();
        final PostStreamConsumer.State state = metrics.state();
        if (state == PostStreamConsumer.State.FAILED) {
          throw new CliError(
              "the consumer stopped: " + consumer.failure().getMessage(), consumer.failure());
        }
        if (state == PostStreamConsumer.State.CLOSED) {
          return 0; // closed by the shutdown hook
        }
        if (untilCaughtUp && state == PostStreamConsumer.State.RUNNING && caughtUp(metrics)) {
          break;
        }
        if (System.nanoTime() >= nextStatus) {
          out.println(status(metrics));
          out.flush();
          nextStatus += statusNanos;
        }
      }
    } finally {
      if (closed.compareAndSet(false, true)) {
        consumer.close();
        out.println("stopped: " + status(consumer.metrics()));
        out.flush();
      }
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // the JVM is already shutting down: the hook is running
      }
    }
    return 0;
  }

  private static boolean caughtUp(ConsumerMetrics m) {
    if (m.partitionCount() == 0) {
      return false;
    }
    for (int i = 0; i < m.partitionCount(); i++) {
      if (m.lag(i) != 0) {
        return false;
      }
    }
    return true;
  }

  static String status(ConsumerMetrics m) {
    return String.format(
        Locale.ROOT,
        "applied %,d, stale %,d, absent %,d, dead-lettered %,d; lag %,d; snapshots %,d; apply p50"
            + " %.0f µs, p99 %.0f µs",
        m.applied(),
        m.stale(),
        m.absent(),
        m.deadLettered(),
        m.totalLag(),
        m.snapshots(),
        m.applyNanos().getValueAtPercentile(50) / 1e3,
        m.applyNanos().getValueAtPercentile(99) / 1e3);
  }
}
