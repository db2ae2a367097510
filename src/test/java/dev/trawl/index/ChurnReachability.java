package dev.trawl.index;

import dev.trawl.testing.Reachability;
import dev.trawl.testing.Vectors;
import dev.trawl.vector.Metric;
import java.util.Arrays;

/**
 * Not a test: a clock-free measurement behind docs/writes.md ("Repairs racing writes"). The churn of
 * {@code RepairDuringInsertsTest} (6,000 clustered 8-dimensional items, M = 6, efConstruction = 30;
 * after the first 500, every third item is removed 250 inserts after it was added, leaving 4,167 live)
 * with slot reuse off and on, counting the live items a search with beam 128 for their own vector
 * does not return:
 * <ul>
 *   <li><b>serialised</b>: the writing thread runs a repair pass after every 10 inserts; for each data
 *       seed, 12 graph seeds, so the counts are exact and repeatable;
 *   <li><b>concurrent</b>: one thread writes while the calling thread runs repair passes back to back,
 *       as in the test; {@code -Druns=N} runs (default 25) per mode, on the test's data, first all
 *       with the test's graph (its default seed), then with graph seeds 1 to N.
 * </ul>
 * Run after {@code mvn test-compile}:
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes:$(deps) \
 *   [-Druns=25] dev.trawl.index.ChurnReachability
 * </pre>
 *
 * where {@code $(deps)} is the test class path ({@code mvn dependency:build-classpath
 * -Dmdep.includeScope=test}).
 */
final class ChurnReachability {
  private static final int N = 6_000;
  private static final int LIVE = 4_167;

  private ChurnReachability() {}

  public static void main(String[] args) throws Exception {
    for (long data : new long[] {41, 42}) {
      final float[][] vectors = Vectors.clustered(N, 8, 10, data);
      for (boolean reuse : new boolean[] {false, true}) {
        final int[] lost = new int[12];
        for (int g = 0; g < lost.length; g++) {
          final VectorIndex index = newIndex(reuse).seed(g + 1).build();
          for (int i = 0; i < N; i++) {
            write(index, vectors, i);
            if (i >= 500 && i % 10 == 0) {
              index.repair();
            }
          }
          index.repair();
          lost[g] = lost(index, vectors);
        }
        print("serialised, data seed " + data, reuse, lost);
      }
    }
    final int runs = Integer.getInteger("runs", 25);
    final float[][] vectors = Vectors.clustered(N, 8, 10, 41);
    for (boolean seeded : new boolean[] {false, true}) {
      for (boolean reuse : new boolean[] {false, true}) {
        concurrent(vectors, runs, seeded, reuse);
      }
    }
  }

  /**
   * {@code runs} concurrent churns: with the test's graph (the default seed) each time, or with
   * graph seeds 1 to {@code runs}, so that one graph's luck does not stand for the mode's.
   */
  private static void concurrent(float[][] vectors, int runs, boolean seeded, boolean reuse)
      throws InterruptedException {
    final int[] lost = new int[runs];
    for (int r = 0; r < runs; r++) {
      final VectorIndex.Builder builder = newIndex(reuse);
      final VectorIndex index = (seeded ? builder.seed(r + 1) : builder).build();
      for (int i = 0; i < 500; i++) {
        write(index, vectors, i);
      }
      final Thread writer = new Thread(() -> {
        for (int i = 500; i < N; i++) {
          write(index, vectors, i);
        }
      });
      writer.start();
      while (writer.isAlive()) {
        index.repair();
      }
      writer.join();
      index.repair();
      lost[r] = lost(index, vectors);
    }
    print("concurrent, data seed 41, " + (seeded ? "graph seeds 1.." + runs : "the test's graph"),
        reuse, lost);
  }

  private static VectorIndex.Builder newIndex(boolean reuse) {
    return VectorIndex.builder(8, Metric.L2).m(6).efConstruction(30).repairThreshold(1.0)
        .reuseOrdinals(reuse);
  }

  private static void write(VectorIndex index, float[][] vectors, int i) {
    index.add(i, vectors[i]);
    if (i >= 500 && i % 3 == 0) {
      index.remove(i - 250);
    }
  }

  private static int lost(VectorIndex index, float[][] vectors) {
    if (index.size() != LIVE) {
      throw new AssertionError("expected " + LIVE + " live items, found " + index.size());
    }
    return LIVE - Reachability.foundByOwnVector(index, N, 128, id -> vectors[id]);
  }

  private static void print(String what, boolean reuse, int[] lost) {
    final int[] sorted = lost.clone();
    Arrays.sort(sorted);
    System.out.printf("%s, reuse %-5b: lost %s; median %d, max %d, total %d of %d runs x %,d live%n",
        what, reuse, Arrays.toString(lost), sorted[sorted.length / 2], sorted[sorted.length - 1],
        Arrays.stream(lost).sum(), lost.length, LIVE);
  }
}
