package dev.trawl.index;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.testing.Builds;
import dev.trawl.testing.Datasets;
import dev.trawl.testing.Datasets.Dataset;
import dev.trawl.testing.Recall;
import dev.trawl.vector.Int8Store;
import dev.trawl.vector.Metric;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Int7-quantized indexes on real data: recall@10 against the exact float truth at ef 160 after the
 * float rerank, and memory against the float index of the same data (M = 16, efConstruction = 200).
 *
 * <p>The cost is the builds (queries take about a second each). siftsmall and wordnet-minilm-384 run
 * on every build; Fashion-MNIST (60,000 x 784, two thirds of the class's time) runs only with
 * {@code -Dtrawl.test.allRecallSets=true}, as in {@code mvn -Dtest=QuantizedRecallTest
 * -Dtrawl.test.allRecallSets=true test} (docs/quantization.md).
 */
class QuantizedRecallTest {
  private static final int SAMPLE = 2000;

  private static VectorIndex quantized(Dataset data, Metric metric) throws Exception {
    final float[][] base = data.base();
    final VectorIndex index =
        VectorIndex.builder(base[0].length, metric)
            .m(16).efConstruction(200).seed(7).expectedItems(base.length)
            .quantizeInt8(Arrays.copyOf(base, Math.min(SAMPLE, base.length)))
            .build();
    Builds.addAll(index, base, 2);
    return index;
  }

  private static double recallAt10(VectorIndex index, Dataset data, int ef, int queries) {
    final Searcher searcher = index.newSearcher();
    final SearchResults results = new SearchResults(10);
    final int n = Math.min(queries, data.queries().length);
    double sum = 0;
    for (int q = 0; q < n; q++) {
      searcher.search(data.queries()[q], 10, ef, results);
      sum += Recall.atK(results.idsCopy(), results.size(), data.truth()[q], 10);
    }
    return sum / n;
  }

  private static void check(
      Dataset data, Metric metric, int queries, double minRecall, double maxMemory)
      throws Exception {
    final VectorIndex index = quantized(data, metric);
    final double recall = recallAt10(index, data, 160, queries);
    // the same index with float32 vectors: the codes' pages swapped for float pages of equal capacity
    final Int8Store codes = index.graph().codes();
    final long floatBytes =
        index.memoryBytes() - codes.memoryBytes()
            + codes.capacity() * codes.dimension() * Float.BYTES;
    final double memory = index.memoryBytes() / (double) floatBytes;
    System.out.printf(
        "%s int8: recall@10 ef160 %.4f; memory %.3fx of float (%d vs %d bytes)%n",
        data.name(), recall, memory, index.memoryBytes(), floatBytes);
    assertThat(index.quantized()).isTrue();
    assertThat(index.kernels()).startsWith("int7 codes");
    assertThat(recall).isGreaterThanOrEqualTo(minRecall);
    assertThat(memory).isLessThanOrEqualTo(maxMemory);
  }

  @Test
  void siftSmallQuantizedReachesRecall098AtEf160InHalfTheFloatMemory() throws Exception {
    // 128 dims: the links (33 ints per node) weigh as much as the codes, so the saving is smaller
    check(Datasets.siftSmall(), Metric.L2, 100, 0.98, 0.50);
  }

  @Test
  void wordnetQuantizedReachesRecall098AtEf160InUnder036OfFloatMemory() throws Exception {
    check(Datasets.wordnet(), Metric.COSINE, 1000, 0.98, 0.36);
  }

  @Test
  @EnabledIfSystemProperty(named = "trawl.test.allRecallSets", matches = "true")
  void fashionMnistQuantizedReachesRecall098AtEf160InUnder031OfFloatMemory() throws Exception {
    check(Datasets.fashionMnist(), Metric.L2, 1000, 0.98, 0.31);
  }
}
