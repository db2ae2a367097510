package dev.trawl.redis.bench;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.trawl.fetch.NearCache;
import java.util.concurrent.TimeUnit;
import org.agrona.collections.LongHashSet;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One feed request's near-cache lookups: the 8-feature records of a batch of 1,000 distinct
 * candidates, drawn from a seeded Zipfian stream over a cache of {@code entries} posts, every one
 * cached. {@link NearCache#getAll} (one call per batch) beside a loop of Caffeine
 * {@code getIfPresent} plus copy. With a million entries the cache is far larger than the CPU caches,
 * so the cost is memory latency: this is the warm hit path of the fetch stage's 1,000-candidate batch.
 * Run with {@code -prof gc} for bytes per batch.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class NearCacheBatchBenchmark {
  private static final int WIDTH = 8;
  private static final int BATCH = 1_000;
  private static final int BATCHES = 256;

  @Param({"1000000"})
  public int entries;

  private NearCache near;
  private Cache<Long, float[]> caffeine;
  private long[][] batches;
  private int next;
  private final float[] rows = new float[BATCH * WIDTH];
  private final byte[] outcomes = new byte[BATCH];

  @Setup(Level.Trial)
  public void fill() {
    near = NearCache.builder(WIDTH).maxBytes((long) entries * 120).build();
    caffeine = Caffeine.newBuilder().maximumSize(entries).build();
    NearCacheBenchmark.fill(near, caffeine, entries);
    final Zipf zipf = new Zipf(entries, 0.99, 7);
    final LongHashSet distinct = new LongHashSet(2 * BATCH);
    batches = new long[BATCHES][BATCH];
    for (long[] batch : batches) {
      distinct.clear();
      for (int k = 0; k < BATCH; ) {
        final long id = zipf.next();
        if (distinct.add(id)) {
          batch[k++] = id;
        }
      }
      if (near.getAll(batch, 0, BATCH, 1, rows, outcomes) != BATCH) {
        throw new IllegalStateException("a batch key is not cached; raise maxBytes");
      }
    }
  }

  @Benchmark
  public int batchNearCache() {
    final long[] batch = batches[next++ & (BATCHES - 1)];
    return near.getAll(batch, 0, BATCH, 1, rows, outcomes);
  }

  @Benchmark
  public int batchCaffeine() {
    final long[] batch = batches[next++ & (BATCHES - 1)];
    int hits = 0;
    for (int i = 0; i < BATCH; i++) {
      final float[] v = caffeine.getIfPresent(batch[i]);
      if (v != null) {
        System.arraycopy(v, 0, rows, i * WIDTH, WIDTH);
        hits++;
      }
    }
    return hits;
  }
}
