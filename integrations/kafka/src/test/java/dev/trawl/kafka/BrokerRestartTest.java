package dev.trawl.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.index.SourcePositions;
import dev.trawl.index.VectorIndex;
import dev.trawl.vector.Metric;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker is stopped while the consumer is mid-stream and started again on the same data: the
 * consumer rides through the outage without failing, resumes, and ends with exactly the live set of
 * the whole stream (nothing lost, nothing applied twice in effect).
 */
class BrokerRestartTest {
  @TempDir Path dir;

  @Test
  void consumerResumesAfterTheBrokerRestartsMidStreamAndLosesNothing() throws Exception {
    final float[][] rows = Arrays.copyOf(TestData.siftBase(), 3_000);
    final StreamPlan plan =
        StreamPlan.builder(rows.length)
            .removeEvery(8)
            .updateEvery(5)
            .duplicateEvery(9)
            .shuffleWindow(40)
            .seed(21)
            .build();
    final int firstPart = plan.size() * 6 / 10;
    final VectorIndex index = VectorIndex.builder(128, Metric.L2).m(8).efConstruction(60).build();
    try (LocalBroker broker = LocalBroker.start(dir.resolve("broker"))) {
      broker.createTopic("restart", 2);
      StreamFixture.produce(broker.bootstrap(), "restart", plan, rows, 0, firstPart);
      try (PostStreamConsumer consumer =
          PostStreamConsumer.builder(broker.bootstrap(), "restart")
              .groupId("restart")
              .index(index, SourcePositions.NONE)
              .maxBatch(50)
              .snapshotDir(dir.resolve("snapshots"))
              .snapshotEvery(Duration.ofMillis(500))
              .kafkaProperty("reconnect.backoff.max.ms", "500")
              .build()) {
        consumer.start();
        assertThat(consumer.await(m -> m.received() >= plan.size() / 5, Duration.ofMinutes(2)))
            .isTrue();

        broker.stop();
        final long atStop = consumer.metrics().received();
        System.out.printf("broker stopped after %,d of %,d events%n", atStop, plan.size());
        Thread.sleep(3_000); // the consumer polls a dead broker meanwhile
        assertThat(consumer.state()).isEqualTo(PostStreamConsumer.State.RUNNING);
        broker.restart();

        StreamFixture.produce(broker.bootstrap(), "restart", plan, rows, firstPart, plan.size());
        assertThat(consumer.await(m -> m.received() == plan.size(), Duration.ofMinutes(3)))
            .as("%s", consumer.metrics())
            .isTrue();
        assertThat(consumer.metrics().deadLettered()).isZero();
        assertThat(consumer.state()).isEqualTo(PostStreamConsumer.State.RUNNING);
        final long[] ends = broker.endOffsets("restart", 2);
        assertThat(consumer.positions().offset("restart", 0)).isEqualTo(ends[0]);
        assertThat(consumer.positions().offset("restart", 1)).isEqualTo(ends[1]);
      }
    }
    StreamFixture.assertEndState(
        index, StreamFixture.freshBuild(plan, rows, Metric.L2, 8, 60), plan);
  }
}
