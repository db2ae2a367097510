package dev.trawl.bench;

import dev.trawl.vector.Metric;
import dev.trawl.vector.VectorStore;
import java.lang.management.ManagementFactory;

/**
 * Evidence for a memory note in {@code docs/benchmarks.md}: the heap that Trawl's vector pages
 * (1,024 vectors each) really occupy, as the JVM accounts it, against their raw size. Under G1 an
 * array larger than half a heap region is "humongous" and occupies whole regions, so a page of
 * 1,024 x 784 floats (3.2 MB) takes two 2 MB regions (4 MB) at a 4 GB heap.
 *
 * <p>Run: {@code java -Xms4g -Xmx4g -cp benchmarks/target/benchmarks.jar dev.trawl.bench.PageFootprint}
 * (compare {@code -XX:G1HeapRegionSize=8m} or {@code -XX:+UseParallelGC}). Not thread-safe (a main).
 */
public final class PageFootprint {
  private PageFootprint() {}

  public static void main(String[] args) {
    final int items = 60_000;
    for (int dim : new int[] {96, 128, 384, 784}) {
      final long before = usedAfterGc();
      final VectorStore store = new VectorStore(dim, Metric.L2);
      store.ensureCapacity(items);
      final long after = usedAfterGc();
      System.out.printf(
          "dim %4d: page %,9d bytes; raw %,5d B/item; pages %,5.0f B/item; heap used %,5.0f B/item"
              + " (%.2fx raw)%n",
          dim, VectorStore.PAGE_SIZE * dim * 4, dim * 4, store.capacity() * dim * 4.0 / items,
          (after - before) / (double) items, (after - before) / (items * dim * 4.0));
    }
  }

  private static long usedAfterGc() {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      System.gc();
      used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}
