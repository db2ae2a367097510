package dev.trawl.testing;

import dev.trawl.index.VectorIndex;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.ArrayList;
import java.util.List;

/** Builds indexes for tests, items added as ids 0..n-1 from several threads. */
public final class Builds {
  private Builds() {}

  public static void addAll(VectorIndex index, float[][] vectors, int threads) throws Exception {
    final AtomicInteger next = new AtomicInteger();
    final ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      final List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        futures.add(pool.submit(() -> {
          for (int i = next.getAndIncrement(); i < vectors.length; i = next.getAndIncrement()) {
            index.add(i, vectors[i]);
          }
        }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
  }
}
