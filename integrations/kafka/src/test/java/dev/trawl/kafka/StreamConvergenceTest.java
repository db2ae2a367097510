package dev.trawl.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.index.SourcePositions;
import dev.trawl.index.VectorIndex;
import dev.trawl.vector.Metric;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Real datasets produced to a real broker as a realistic stream (creates, re-embeddings, removes,
 * redeliveries, bounded reordering, four partitions) and consumed by two apply threads: the index
 * holds exactly the expected live set with its vectors, attributes and versions, and its recall@10
 * is within 0.01 of a fresh build of that set. {@code -Dtrawl.kafka.full=true} streams all of
 * wordnet (20,000 x 384) instead of its first 4,000 rows.
 */
class StreamConvergenceTest {
  private static final boolean FULL = Boolean.getBoolean("trawl.kafka.full");
  private static final int M = 16;
  private static final int EF_CONSTRUCTION = 100;

  @Test
  void siftsmallStreamConvergesToTheLiveSetWithFreshBuildRecall() throws Exception {
    converge("siftsmall", TestData.siftBase(), TestData.siftQueries(), Metric.L2, 11);
  }

  @Test
  void wordnetStreamConvergesToTheLiveSetWithFreshBuildRecall() throws Exception {
    final float[][] base = TestData.wordnetBase();
    converge(
        "wordnet",
        FULL ? base : Arrays.copyOf(base, 4_000),
        Arrays.copyOf(TestData.wordnetQueries(), 200),
        Metric.COSINE,
        12);
  }

  private static void converge(
      String name, float[][] rows, float[][] queries, Metric metric, long seed) throws Exception {
    final LocalBroker broker = LocalBroker.shared();
    final String topic = "converge-" + name;
    broker.createTopic(topic, 4);
    final StreamPlan plan =
        StreamPlan.builder(rows.length)
            .removeEvery(10)
            .updateEvery(5)
            .duplicateEvery(7)
            .shuffleWindow(50)
            .seed(seed)
            .build();
    StreamFixture.produce(broker.bootstrap(), topic, plan, rows);
    assertThat(Arrays.stream(broker.endOffsets(topic, 4)).sum()).isEqualTo(plan.size());

    final VectorIndex index =
        VectorIndex.builder(rows[0].length, metric).m(M).efConstruction(EF_CONSTRUCTION).build();
    try (PostStreamConsumer consumer =
        PostStreamConsumer.builder(broker.bootstrap(), topic)
            .groupId("converge-" + name)
            .index(index, SourcePositions.NONE)
            .applyThreads(2)
            .build()) {
      consumer.start();
      assertThat(consumer.await(m -> m.received() == plan.size(), Duration.ofMinutes(5)))
          .as("all %d events received: %s", plan.size(), consumer.metrics())
          .isTrue();
      final ConsumerMetrics metrics = consumer.metrics();
      assertThat(metrics.deadLettered()).isZero();
      assertThat(metrics.stale()).as("redeliveries and reordered events are stale").isPositive();
      assertThat(metrics.absent())
          .as("removes that overtook their create")
          .isGreaterThanOrEqualTo(0);
      assertThat(consumer.await(m -> m.totalLag() == 0, Duration.ofSeconds(30))).isTrue();
      assertThat(metrics.applyNanos().getTotalCount())
          .isEqualTo(metrics.applied() + metrics.stale() + metrics.absent());
    }

    final VectorIndex fresh = StreamFixture.freshBuild(plan, rows, metric, M, EF_CONSTRUCTION);
    StreamFixture.assertEndState(index, fresh, plan);
    final double streamed = StreamFixture.recall(index, fresh, queries, 10, 40);
    final double built = StreamFixture.recall(fresh, fresh, queries, 10, 40);
    System.out.printf(
        "%s: %d events, %d live; recall@10 at ef 40: streamed %.4f, fresh build %.4f%n",
        name, plan.size(), plan.liveCount(), streamed, built);
    assertThat(streamed).isGreaterThanOrEqualTo(built - 0.01);
  }
}
