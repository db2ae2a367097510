package dev.trawl.redis.bench;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.trawl.fetch.NearCache;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

/**
 * Heap bytes per cached 8-float record, Trawl's near cache beside Caffeine: the heap in use after a
 * full GC, before and after filling each with the same 200,000 records (kept reachable). Run:
 * {@code java -cp ... dev.trawl.redis.bench.FootprintProbe}.
 */
public final class FootprintProbe {
  private static final int N = 200_000;

  public static void main(String[] args) {
    final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    final float[] v = new float[8];
    long before = used(memory);
    final NearCache near = NearCache.builder(8).maxBytes(N * 80L).build();
    for (long k = 0; k < near.capacity(); k++) {
      near.put(k, 0, 0, v, 0);
    }
    final long nearBytes = used(memory) - before;
    System.out.printf("near cache: %d records, %.1f heap bytes/record (footprintBytes %.1f)%n",
        near.capacity(), (double) nearBytes / near.capacity(), (double) near.footprintBytes() / near.capacity());
    before = used(memory);
    final Cache<Long, float[]> caffeine = Caffeine.newBuilder().maximumSize(N).build();
    for (long k = 0; k < N; k++) {
      caffeine.put(k, v.clone());
    }
    caffeine.cleanUp();
    final long caffeineBytes = used(memory) - before;
    System.out.printf("caffeine:   %d records, %.1f heap bytes/record%n", caffeine.estimatedSize(),
        (double) caffeineBytes / N);
    if (near.size() == 0 || caffeine.estimatedSize() == 0) {
      throw new IllegalStateException("empty caches");
    }
  }

  private static long used(MemoryMXBean memory) {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return memory.getHeapMemoryUsage().getUsed();
  }
}
