package dev.trawl.index;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.testing.SharedIndexes;
import dev.trawl.testing.Datasets;
import dev.trawl.testing.Datasets.Dataset;
import dev.trawl.testing.Recall;
import dev.trawl.vector.Metric;
import org.junit.jupiter.api.Test;

/** Recall@10 at M = 16, efConstruction = 200, ef = 64 on real data with published ground truth. */
class RealDataRecallTest {

  static double recallAt10(Dataset data, Metric metric, int ef, int queries) throws Exception {
    final VectorIndex index = SharedIndexes.of(data, metric);
    final Searcher searcher = index.newSearcher();
    final SearchResults results = new SearchResults(10);
    double sum = 0;
    final int n = Math.min(queries, data.queries().length);
    for (int q = 0; q < n; q++) {
      searcher.search(data.queries()[q], 10, ef, results);
      sum += Recall.atK(results.idsCopy(), results.size(), data.truth()[q], 10);
    }
    return sum / n;
  }

  /**
   * Issue target: bytes per item (vectors + graph + id map) at most 1.25x the raw vector bytes plus 4
   * bytes per stored link.
   */
  static void assertMemoryWithinBudget(Dataset data) throws Exception {
    final int dim = data.base()[0].length;
    final VectorIndex index = SharedIndexes.of(data, Metric.L2);
    final long items = data.base().length;
    final double perItem = index.memoryBytes() / (double) items;
    final double links = index.graph().linkCount() / (double) items;
    final double slots = index.graph().linkSlotCount() / (double) items;
    final double budget = 1.25 * dim * Float.BYTES + 4 * slots;
    System.out.printf(
        "%s: %.1f bytes/item (raw vector %d, %.1f link slots/item, %.1f stored links/item,"
            + " budget %.1f)%n",
        data.name(), perItem, dim * Float.BYTES, slots, links, budget);
    assertThat(perItem).isLessThanOrEqualTo(budget);
  }

  @Test
  void siftSmallMemoryPerItemIsWithinBudget() throws Exception {
    assertMemoryWithinBudget(Datasets.siftSmall());
  }

  @Test
  void fashionMnistMemoryPerItemIsWithinBudget() throws Exception {
    assertMemoryWithinBudget(Datasets.fashionMnist());
  }

  @Test
  void siftSmallReachesRecall099AtEf64() throws Exception {
    assertThat(recallAt10(Datasets.siftSmall(), Metric.L2, 64, 100)).isGreaterThanOrEqualTo(0.99);
  }

  @Test
  void wordnetCosineReachesRecall0985AtEf64() throws Exception {
    assertThat(recallAt10(Datasets.wordnet(), Metric.COSINE, 64, 1000))
        .isGreaterThanOrEqualTo(0.985);
  }

  @Test
  void wordnetInnerProductOnUnitVectorsMatchesCosineRecall() throws Exception {
    // The vectors are unit length, so inner-product order equals cosine order and the same truth holds.
    assertThat(recallAt10(Datasets.wordnet(), Metric.INNER_PRODUCT, 64, 1000))
        .isGreaterThanOrEqualTo(0.985);
  }

  @Test
  void fashionMnistReachesRecall098AtEf64() throws Exception {
    assertThat(recallAt10(Datasets.fashionMnist(), Metric.L2, 64, 2000))
        .isGreaterThanOrEqualTo(0.98);
  }
}
