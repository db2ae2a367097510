package dev.trawl.index;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.testing.Builds;
import dev.trawl.testing.Datasets;
import dev.trawl.testing.Datasets.Dataset;
import dev.trawl.testing.Recall;
import dev.trawl.vector.Metric;
import org.junit.jupiter.api.Test;

/** Recall@10 at M = 16, efConstruction = 200, ef = 64 on real data with published ground truth. */
class RealDataRecallTest {

  static double recallAt10(Dataset data, Metric metric, int ef, int queries) throws Exception {
    final VectorIndex index =
        VectorIndex.builder(data.base()[0].length, metric).m(16).efConstruction(200).seed(7).build();
    Builds.addAll(index, data.base(), 2);
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
