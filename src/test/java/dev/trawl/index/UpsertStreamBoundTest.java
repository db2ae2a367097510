package dev.trawl.index;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.testing.Datasets;
import dev.trawl.testing.Datasets.Dataset;
import dev.trawl.testing.Recall;
import dev.trawl.vector.Metric;
import org.junit.jupiter.api.Test;

/**
 * An endless upsert stream over a fixed set of 10,000 ids (siftsmall's base vectors, each re-embedded
 * round after round) with the default builder: ordinals allocated and memory stay bounded, and
 * recall@10 stays within 0.01 of an index built fresh from the final vectors.
 *
 * <p>The bound: ordinals never exceed the live count times {@code 1 + 2 * repairThreshold} plus 256
 * (the point past which a writer runs a repair itself) plus one per concurrent writer (each checks
 * after its write); here {@code 10,000 * 1.2 + 256 + 1 = 12,257}. CI runs 6 rounds (60,000 upserts);
 * {@code -Dtrawl.stream.rounds=100} is the long run.
 */
class UpsertStreamBoundTest {
  private static final int ROUNDS = Integer.getInteger("trawl.stream.rounds", 6);
  private static final int EF = 32;

  private static VectorIndex.Builder builder(int n) {
    return VectorIndex.builder(128, Metric.L2).expectedItems(n);
  }

  private static double recall(VectorIndex index, Dataset data) {
    final Searcher searcher = index.newSearcher();
    final SearchResults out = new SearchResults(10);
    double sum = 0;
    for (int q = 0; q < data.queries().length; q++) {
      final int n = searcher.search(data.queries()[q], 10, EF, out);
      sum += Recall.atK(out.idsCopy(), n, data.truth()[q], 10);
    }
    return sum / data.queries().length;
  }

  @Test
  void ordinalsAndMemoryStayBoundedAndRecallHoldsUnderAnEndlessUpsertStream() throws Exception {
    final Dataset data = Datasets.siftSmall();
    final float[][] base = data.base();
    final int n = base.length;
    final VectorIndex index = builder(n).build();
    long version = 0;
    long memoryAfterSecondRound = 0;
    int maxOrdinals = 0;
    for (int round = 0; round < ROUNDS; round++) {
      // every id gets another id's vector, except in the last round, which writes the true ones
      final int shift = round == ROUNDS - 1 ? 0 : 1 + round;
      for (int i = 0; i < n; i++) {
        index.upsert(i, ++version, base[(i + shift) % n], null);
        if ((i & 255) == 0) {
          maxOrdinals = Math.max(maxOrdinals, index.graph().size());
        }
      }
      maxOrdinals = Math.max(maxOrdinals, index.graph().size());
      if (round == 1) {
        memoryAfterSecondRound = index.memoryBytes();
      }
    }
    assertThat(index.size()).isEqualTo(n);
    // + 1: a writer checks the limit after the write that crosses it (one such write per writer)
    assertThat(maxOrdinals).isLessThanOrEqualTo((int) (n * 1.2) + 256 + 1);
    // no growth after the second round: pages are reused, not added (one page of slack)
    assertThat(index.memoryBytes()).isLessThanOrEqualTo(memoryAfterSecondRound + 1024L * 128 * 4 * 2);

    final VectorIndex fresh = builder(n).build();
    for (int i = 0; i < n; i++) {
      fresh.add(i, base[i]);
    }
    final double streamed = recall(index, data);
    final double rebuilt = recall(fresh, data);
    System.out.printf("upsert-stream: rounds %d, ordinals max %d, memory %d B, recall@10 ef %d %.4f vs fresh %.4f%n",
        ROUNDS, maxOrdinals, index.memoryBytes(), EF, streamed, rebuilt);
    assertThat(streamed).isGreaterThanOrEqualTo(rebuilt - 0.01);
  }
}
