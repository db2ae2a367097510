package dev.trawl.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.index.SearchResults;
import dev.trawl.index.Searcher;
import dev.trawl.index.SourcePositions;
import dev.trawl.index.VectorIndex;
import dev.trawl.vector.Metric;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Two replicas each holding a shard (partitions 0 and 2, partitions 1 and 3) hold disjoint live sets
 * whose union is the stream's live set, and a request fanned out to both and merged by distance (the
 * recipe in docs/streaming.md) finds the same neighbours as one index holding everything.
 */
class ShardingTest {
  @Test
  void shardsAreDisjointCoverTheLiveSetAndMergeByDistanceToTheWholeIndexsRecall() throws Exception {
    final LocalBroker broker = LocalBroker.shared();
    broker.createTopic("shards", 4);
    final float[][] rows = Arrays.copyOf(TestData.siftBase(), 3_000);
    final float[][] queries = Arrays.copyOf(TestData.siftQueries(), 100);
    final StreamPlan plan =
        StreamPlan.builder(rows.length)
            .removeEvery(9)
            .updateEvery(4)
            .duplicateEvery(8)
            .shuffleWindow(30)
            .seed(5)
            .build();
    StreamFixture.produce(broker.bootstrap(), "shards", plan, rows);
    final long[] ends = broker.endOffsets("shards", 4);

    final VectorIndex even = consume(broker, ends[0] + ends[2], 0, 2);
    final VectorIndex odd = consume(broker, ends[1] + ends[3], 1, 3);
    assertThat(even.size()).isPositive();
    assertThat(odd.size()).isPositive();
    assertThat(even.size() + odd.size()).isEqualTo(plan.liveCount());
    for (long id : plan.liveIds()) {
      assertThat(even.contains(id) ^ odd.contains(id)).as("post %d in exactly one shard", id).isTrue();
    }

    // fan out, merge the two top-10 lists by distance, score against the exact top 10 of everything
    final VectorIndex truth = StreamFixture.freshBuild(plan, rows, Metric.L2, 8, 60);
    final Searcher exact = truth.newSearcher();
    final Searcher a = even.newSearcher();
    final Searcher b = odd.newSearcher();
    final SearchResults want = new SearchResults(10);
    final SearchResults ra = new SearchResults(10);
    final SearchResults rb = new SearchResults(10);
    double merged = 0;
    for (float[] q : queries) {
      exact.searchExact(q, 10, want);
      a.search(q, 10, 64, ra);
      b.search(q, 10, 64, rb);
      final Set<Long> top = new HashSet<>();
      int i = 0;
      int j = 0;
      while (top.size() < 10 && (i < ra.size() || j < rb.size())) {
        final boolean takeA =
            j >= rb.size() || (i < ra.size() && ra.distance(i) <= rb.distance(j));
        top.add(takeA ? ra.id(i++) : rb.id(j++));
      }
      int hit = 0;
      for (int k = 0; k < want.size(); k++) {
        hit += top.contains(want.id(k)) ? 1 : 0;
      }
      merged += hit / 10.0;
    }
    merged /= queries.length;
    final double whole = StreamFixture.recall(truth, truth, queries, 10, 64);
    System.out.printf("sharded recall@10 %.4f, one index %.4f%n", merged, whole);
    assertThat(merged).isGreaterThanOrEqualTo(whole - 0.01);
  }

  private static VectorIndex consume(LocalBroker broker, long events, int... partitions)
      throws Exception {
    final VectorIndex index = VectorIndex.builder(128, Metric.L2).m(8).efConstruction(60).build();
    try (PostStreamConsumer consumer =
        PostStreamConsumer.builder(broker.bootstrap(), "shards")
            .partitions(partitions)
            .index(index, SourcePositions.NONE)
            .build()) {
      consumer.start();
      assertThat(consumer.await(m -> m.received() == events, Duration.ofMinutes(3)))
          .as("%s", consumer.metrics())
          .isTrue();
      final ConsumerMetrics m = consumer.metrics();
      assertThat(m.partitionCount()).isEqualTo(partitions.length);
      for (int i = 0; i < partitions.length; i++) {
        assertThat(m.partition(i)).isEqualTo(partitions[i]);
      }
    }
    return index;
  }
}
