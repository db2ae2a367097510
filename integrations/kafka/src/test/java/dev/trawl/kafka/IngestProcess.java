package dev.trawl.kafka;

import dev.trawl.index.SourcePositions;
import dev.trawl.index.VectorIndex;
import dev.trawl.vector.Metric;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A consumer in its own JVM, for the crash test: loads {@code DIR/latest.idx} if present, consumes,
 * snapshots often, and prints its progress; SIGTERM closes it (final snapshot), SIGKILL does not.
 *
 * <p>Arguments: bootstrap, topic, dimension, metric, snapshot directory, snapshot interval in ms.
 * Prints {@code start SUM} (the sum of the positions it starts from), then {@code progress RECEIVED
 * POSITION_SUM SNAPSHOTS} lines.
 */
public final class IngestProcess {
  private IngestProcess() {}

  public static void main(String[] args) throws Exception {
    final int dimension = Integer.parseInt(args[2]);
    final Metric metric = Metric.parse(args[3]);
    final PostStreamConsumer consumer =
        PostStreamConsumer.builder(args[0], args[1])
            .groupId("crash-test")
            .snapshotDir(Path.of(args[4]))
            .snapshotEvery(Duration.ofMillis(Long.parseLong(args[5])))
            .maxBatch(50)
            .newIndex(() -> VectorIndex.builder(dimension, metric).m(8).efConstruction(60).build())
            .build();
    Runtime.getRuntime().addShutdownHook(new Thread(consumer::close));
    System.out.println("start " + sum(consumer.startPositions()));
    consumer.start();
    while (true) {
      final ConsumerMetrics m = consumer.metrics();
      long positions = 0;
      for (int i = 0; i < m.partitionCount(); i++) {
        positions += Math.max(0, m.position(i));
      }
      System.out.println("progress " + m.received() + " " + positions + " " + m.snapshots());
      System.out.flush();
      if (m.state() == PostStreamConsumer.State.FAILED) {
        consumer.failure().printStackTrace();
        System.exit(3);
      }
      Thread.sleep(10);
    }
  }

  static long sum(SourcePositions positions) {
    long sum = 0;
    for (int i = 0; i < positions.size(); i++) {
      sum += positions.offset(i);
    }
    return sum;
  }
}
