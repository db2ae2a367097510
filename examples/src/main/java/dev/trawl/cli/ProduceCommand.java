package dev.trawl.cli;

import dev.trawl.filter.ItemAttributes;
import dev.trawl.kafka.EventFormat;
import dev.trawl.kafka.PostEventPublisher;
import dev.trawl.kafka.StreamPlan;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code trawl produce}: writes a vector file to a Kafka topic as a realistic, replayable stream of
 * post events ({@link StreamPlan}).
 */
@Command(
    name = "produce",
    mixinStandardHelpOptions = true,
    description = {
      "Writes a vector file's rows to a Kafka topic as post events (docs/streaming.md): one create"
          + " per row, plus deterministic re-embeddings, removes, redeliveries and bounded"
          + " reordering, so that anyone can replay the same realistic stream.",
      "Prints how many events of each kind were sent and how many posts are live at the end."
    })
final class ProduceCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--bootstrap",
      required = true,
      paramLabel = "HOST:PORT",
      description = "Kafka bootstrap servers.")
  String bootstrap;

  @Option(names = "--topic", required = true, paramLabel = "T", description = "Topic to write.")
  String topic;

  @Option(
      names = "--vectors",
      required = true,
      paramLabel = "FILE",
      description = "Vectors (.fvecs, .bvecs, .npy float32 or .csv), one post per row.")
  Path vectors;

  @Option(
      names = "--ids",
      paramLabel = "FILE",
      description = "Post ids, one per line, one per row. Default: row numbers.")
  Path ids;

  @Option(
      names = "--remove-every",
      defaultValue = "0",
      paramLabel = "N",
      description = "Remove a random live post after every N-th create (0: never).")
  int removeEvery;

  @Option(
      names = "--update-every",
      defaultValue = "0",
      paramLabel = "N",
      description = "Re-embed a random live post after every N-th create (0: never).")
  int updateEvery;

  @Option(
      names = "--duplicate-every",
      defaultValue = "0",
      paramLabel = "N",
      description = "Deliver every N-th event twice (0: never).")
  int duplicateEvery;

  @Option(
      names = "--shuffle-window",
      defaultValue = "0",
      paramLabel = "N",
      description = "Move each event by at most N places (0: in order).")
  int shuffleWindow;

  @Option(
      names = "--seed",
      defaultValue = "42",
      description = "Seed of every random choice. Default ${DEFAULT-VALUE}.")
  long seed;

  @Option(
      names = "--create-partitions",
      paramLabel = "N",
      description = "Create the topic with N partitions first if it does not exist.")
  Integer createPartitions;

  @Option(
      names = "--rate",
      paramLabel = "EVENTS_PER_SECOND",
      description = "Send at this constant rate (event i at start + i / rate) instead of as fast as"
          + " possible: a live stream.")
  Double rate;

  @Override
  public Integer call() throws Exception {
    if (rate != null && !(rate > 0 && rate < 1e9)) {
      throw new CliError("--rate must be positive, got " + rate);
    }
    final PrintWriter out = spec.commandLine().getOut();
    final VectorFile file = VectorFile.open(vectors);
    final StreamPlan plan;
    try {
      final StreamPlan.Builder b =
          StreamPlan.builder(file.count())
              .removeEvery(removeEvery)
              .updateEvery(updateEvery)
              .duplicateEvery(duplicateEvery)
              .shuffleWindow(shuffleWindow)
              .seed(seed);
      if (ids != null) {
        b.ids(InputFiles.readIds(ids, file.count()));
      }
      plan = b.build();
    } catch (IllegalArgumentException e) {
      throw new CliError(e.getMessage(), e);
    }
    if (createPartitions != null) {
      createTopic();
    }
    final int dim = file.dimension();
    final float[] vector = new float[dim];
    final float[] scratch = new float[dim];
    final ItemAttributes attrs = new ItemAttributes();
    long upserts = 0;
    long removes = 0;
    final long start = System.nanoTime();
    try (PostEventPublisher publisher = PostEventPublisher.create(bootstrap, topic)) {
      final List<Future<?>> window = new ArrayList<>();
      for (int i = 0; i < plan.size(); i++) {
        if (rate != null) {
          final long due = start + Math.round(i * 1e9 / rate);
          for (long left; (left = due - System.nanoTime()) > 0; ) {
            java.util.concurrent.locks.LockSupport.parkNanos(left);
          }
        }
        if (plan.op(i) == EventFormat.REMOVE) {
          window.add(publisher.remove(plan.id(i), plan.version(i)));
          removes++;
        } else {
          plan.vector(i, file::read, scratch, vector);
          plan.attributes(i, attrs);
          window.add(
              publisher.upsert(plan.id(i), plan.version(i), plan.createdAt(i), attrs, vector));
          upserts++;
        }
        if (window.size() == 10_000) {
          await(window);
        }
      }
      publisher.flush();
      await(window);
    }
    final double seconds = (System.nanoTime() - start) / 1e9;
    out.printf(
        Locale.ROOT,
        "produced %,d events to %s in %.2f s: %,d upserts, %,d removes (over %,d posts, %d"
            + " dimensions); %,d posts live at the end%n",
        plan.size(),
        topic,
        seconds,
        upserts,
        removes,
        file.count(),
        dim,
        plan.liveCount());
    out.flush();
    return 0;
  }

  /** Waits for every send in {@code window}; a failed one fails the command. */
  private void await(List<Future<?>> window) throws InterruptedException {
    for (Future<?> f : window) {
      try {
        f.get(2, TimeUnit.MINUTES);
      } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
        final Throwable cause = e.getCause() != null ? e.getCause() : e;
        throw new CliError(
            "cannot write to " + topic + " at " + bootstrap + ": " + cause.getMessage(), e);
      }
    }
    window.clear();
  }

  private void createTopic() throws InterruptedException {
    if (createPartitions < 1) {
      throw new CliError("--create-partitions must be positive, got " + createPartitions);
    }
    final Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(props)) {
      try {
        admin
            .createTopics(List.of(new NewTopic(topic, createPartitions, (short) -1)))
            .all()
            .get(2, TimeUnit.MINUTES);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw new CliError("cannot create topic " + topic + ": " + e.getCause().getMessage(), e);
        }
      }
      // creation returns before the leaders serve the partitions; an idempotent producer sending in
      // that gap can have its first batches rejected: wait until every partition answers
      final Map<TopicPartition, OffsetSpec> request = new HashMap<>();
      for (int p = 0; p < createPartitions; p++) {
        request.put(new TopicPartition(topic, p), OffsetSpec.latest());
      }
      final long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
      while (true) {
        try {
          admin.listOffsets(request).all().get(30, TimeUnit.SECONDS);
          break;
        } catch (ExecutionException e) {
          if (System.nanoTime() > deadline) {
            throw new CliError(
                "topic " + topic + " is not served: " + e.getCause().getMessage(), e);
          }
          Thread.sleep(100);
        }
      }
    } catch (java.util.concurrent.TimeoutException e) {
      throw new CliError("cannot reach " + bootstrap + " to create topic " + topic, e);
    }
  }
}
