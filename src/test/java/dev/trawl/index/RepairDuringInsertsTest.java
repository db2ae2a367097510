package dev.trawl.index;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.testing.Vectors;
import dev.trawl.vector.Metric;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Repair passes running while another thread inserts: the inserts add reverse links to ordinals
 * allocated after the pass started, which the pass must be able to hold in its scratch.
 */
class RepairDuringInsertsTest {
  @Test
  void repairPassesSurviveConcurrentInsertsAndRemovals() throws Exception {
    final int n = 6000;
    final float[][] vectors = Vectors.clustered(n, 8, 10, 41);
    final VectorIndex index =
        VectorIndex.builder(8, Metric.L2).m(6).efConstruction(30).repairThreshold(1.0).build();
    for (int i = 0; i < 500; i++) {
      index.add(i, vectors[i]);
    }
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    final Thread writer =
        new Thread(
            () -> {
              for (int i = 500; i < n; i++) {
                index.add(i, vectors[i]);
                if (i % 3 == 0) {
                  index.remove(i - 250);
                }
              }
            });
    writer.setUncaughtExceptionHandler((t, e) -> failure.set(e));
    writer.start();
    int passes = 0;
    while (writer.isAlive()) {
      index.repair(); // throws here if the pass trips over a newer ordinal
      passes++;
    }
    writer.join();
    assertThat(failure.get()).isNull();
    assertThat(passes).isPositive();
    assertThat(index.repairsCompleted()).isEqualTo(passes);
  }
}
