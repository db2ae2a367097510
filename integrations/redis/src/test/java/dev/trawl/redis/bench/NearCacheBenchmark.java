package dev.trawl.redis.bench;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.trawl.fetch.NearCache;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One near-cache hit: look a post's 8-feature record up and copy it into the caller's row buffer,
 * Trawl's {@link NearCache} beside Caffeine ({@code Cache<Long, float[]>}, the same entry count,
 * {@code getIfPresent} then a copy). Keys are a seeded Zipfian stream over the cached posts, all
 * present, so every operation is a hit. Run with {@code -prof gc} for bytes per hit.
 *
 * <p>{@code hitLatency*} is one thread; {@code contended*} two threads on the same cache.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class NearCacheBenchmark {
  private static final int WIDTH = 8;
  private static final int STREAM = 1 << 16;

  @Param({"100000"})
  public int entries;

  private NearCache near;
  private Cache<Long, float[]> caffeine;
  private long[] keys;

  /** Per-thread cursor and row buffer (caller-owned, as on the request path). */
  @State(Scope.Thread)
  public static class Cursor {
    int next;
    final float[] row = new float[WIDTH];
  }

  @Setup(Level.Trial)
  public void fill() {
    near = NearCache.builder(WIDTH).maxBytes((long) entries * 120).build();
    caffeine = Caffeine.newBuilder().maximumSize(entries).build();
    fill(near, caffeine, entries);
    final Zipf zipf = new Zipf(entries, 0.99, 7);
    keys = new long[STREAM];
    for (int i = 0; i < STREAM; i++) {
      keys[i] = zipf.next();
    }
    // every streamed key must be a hit in both, or the comparison measures misses
    final float[] row = new float[WIDTH];
    for (long k : keys) {
      if (near.get(k, 1, row, 0) != NearCache.HIT || caffeine.getIfPresent(k) == null) {
        throw new IllegalStateException("key " + k + " is not cached; raise maxBytes");
      }
    }
  }

  /** Caches posts {@code 0 .. entries-1} in both caches, each record's first feature its id. */
  static void fill(NearCache near, Cache<Long, float[]> caffeine, int entries) {
    final float[] v = new float[WIDTH];
    for (long k = 0; k < entries; k++) {
      v[0] = k;
      near.put(k, 0, 0, v, 0);
      caffeine.put(k, v.clone());
    }
  }

  @Benchmark
  public float hitLatencyNearCache(Cursor c) {
    final long k = keys[c.next++ & (STREAM - 1)];
    near.get(k, 1, c.row, 0);
    return c.row[0];
  }

  @Benchmark
  public float hitLatencyCaffeine(Cursor c) {
    final long k = keys[c.next++ & (STREAM - 1)];
    final float[] v = caffeine.getIfPresent(k);
    System.arraycopy(v, 0, c.row, 0, WIDTH);
    return c.row[0];
  }

  @Benchmark
  @Threads(2)
  public float contendedNearCache(Cursor c) {
    return hitLatencyNearCache(c);
  }

  @Benchmark
  @Threads(2)
  public float contendedCaffeine(Cursor c) {
    return hitLatencyCaffeine(c);
  }
}
