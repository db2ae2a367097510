package dev.trawl.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trawl.pipeline.testkit.Allocations;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The near cache's behaviour. Its allocation tests assert 0 bytes over a window of operations after
 * {@link Allocations#steadyStateBytes}'s warm-up (until windows in a row ran with no JIT compilation
 * and allocated nothing), on the calling thread and the shared maintenance thread that replays the
 * recorded hits; beside each, a positive control runs the same operations plus one 16-byte object
 * every {@value #CONTROL_EVERY} runs, and must fail the same check.
 */
class NearCacheTest {
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
  private static final int LOOKUPS = 2_000;
  private static final int CONTROL_EVERY = 25;
  static final String MAINTENANCE_THREAD = "trawl-near-cache-maintenance";

  private static float[] record(long key, int width) {
    final float[] r = new float[width];
    for (int j = 0; j < width; j++) {
      r[j] = (key % 100_000) * 8 + j;
    }
    return r;
  }

  @Test
  void aStoredRecordIsCopiedOutAndAnUnknownKeyMisses() {
    final NearCache cache = NearCache.builder(4).maxBytes(1 << 20).build();
    cache.put(42, 0, 0, new float[] {1, 2, 3, 4}, 0);
    final float[] out = new float[6];
    assertThat(cache.get(42, 1, out, 2)).isEqualTo(NearCache.HIT);
    assertThat(out).containsExactly(0, 0, 1, 2, 3, 4);
    assertThat(cache.get(43, 1, out, 0)).isEqualTo(NearCache.MISS);
    final NearCache.Stats s = cache.stats();
    assertThat(s.hits()).isEqualTo(1);
    assertThat(s.misses()).isEqualTo(1);
    assertThat(s.puts()).isEqualTo(1);
    assertThat(s.size()).isEqualTo(1);
  }

  @Test
  void aPutReplacesTheRecordAndInvalidateRemovesIt() {
    final NearCache cache = NearCache.builder(2).maxBytes(1 << 20).build();
    final float[] out = new float[2];
    cache.put(7, 0, 0, new float[] {1, 1}, 0);
    cache.put(7, 0, 0, new float[] {2, 3}, 0);
    assertThat(cache.get(7, 0, out, 0)).isEqualTo(NearCache.HIT);
    assertThat(out).containsExactly(2, 3);
    assertThat(cache.size()).isEqualTo(1);
    assertThat(cache.invalidate(7)).isTrue();
    assertThat(cache.invalidate(7)).isFalse();
    assertThat(cache.get(7, 0, out, 0)).isEqualTo(NearCache.MISS);
    assertThat(cache.size()).isZero();
  }

  @Test
  void eachKindExpiresAfterItsOwnTimeToLive() {
    final NearCache cache = NearCache.builder(1).maxBytes(1 << 20)
        .ttl(0, 10, TimeUnit.SECONDS).ttl(1, 1, TimeUnit.SECONDS).build();
    final float[] v = {5};
    cache.put(1, 0, 0, v, 0);
    cache.put(2, 1, 0, v, 0);
    final float[] out = new float[1];
    assertThat(cache.get(2, SECOND - 1, out, 0)).isEqualTo(NearCache.HIT);
    assertThat(cache.get(2, 2 * SECOND, out, 0)).isEqualTo(NearCache.MISS);
    assertThat(cache.get(1, 2 * SECOND, out, 0)).isEqualTo(NearCache.HIT);
    assertThat(cache.get(1, 10 * SECOND, out, 0)).isEqualTo(NearCache.MISS);
    assertThat(cache.stats().expiredReads()).isEqualTo(2);
  }

  @Test
  void aKindWithoutATimeToLiveNeverExpires() {
    final NearCache cache = NearCache.builder(1).maxBytes(1 << 20).ttl(1, 1, TimeUnit.SECONDS).build();
    cache.put(1, 0, 0, new float[] {1}, 0);
    assertThat(cache.get(1, Long.MAX_VALUE >>> 2, new float[1], 0)).isEqualTo(NearCache.HIT);
  }

  @Test
  void aNegativeEntryReadsAbsentUntilTheNegativeTimeToLivePasses() {
    final NearCache cache = NearCache.builder(3).maxBytes(1 << 20)
        .negativeTtl(5, TimeUnit.SECONDS).build();
    cache.putAbsent(9, 0);
    final float[] out = new float[3];
    assertThat(cache.get(9, 4 * SECOND, out, 0)).isEqualTo(NearCache.ABSENT);
    assertThat(cache.get(9, 5 * SECOND, out, 0)).isEqualTo(NearCache.MISS);
    cache.put(9, 0, 6 * SECOND, new float[] {1, 2, 3}, 0);
    assertThat(cache.get(9, 6 * SECOND, out, 0)).isEqualTo(NearCache.HIT);
    assertThat(cache.stats().absentHits()).isEqualTo(1);
  }

  @Test
  void theByteBoundHoldsAndAScanOfTenTimesTheCapacityAllocatesNothing() {
    final long bound = 2L << 20;
    final long beforeBuild = Allocations.currentThreadBytes();
    final NearCache cache = NearCache.builder(8).maxBytes(bound).ttl(1, 1, TimeUnit.MINUTES).build();
    final long built = Allocations.currentThreadBytes() - beforeBuild;
    // everything the cache will ever hold was allocated by build(), within the bound
    assertThat(built).as("bytes allocated by build()").isLessThanOrEqualTo(bound);
    assertThat(cache.footprintBytes()).isLessThanOrEqualTo(bound).isGreaterThan(bound * 9 / 10);
    final int capacity = cache.capacity();
    final float[] v = new float[8];
    final float[] out = new float[8];
    final long[] key = {0};
    final Runnable scanStep = () -> {
      final long k = key[0]++;
      v[0] = k;
      cache.put(k, (int) (k & 1), k, v, 0);
      cache.get(k - 1, k, out, 0);
      cache.get(k >>> 3, k, out, 0);
    };
    final long[] maintenance = maintenanceThread(scanStep);
    final long evictionsBefore = cache.stats().evictions();
    assertThat(Allocations.steadyStateBytes(10 * capacity, scanStep, maintenance))
        .as("bytes allocated by a scan of 10x capacity, writer and maintenance thread").isZero();
    assertThat(cache.size()).isLessThanOrEqualTo(capacity);
    assertThat(cache.stats().evictions() - evictionsBefore).isGreaterThanOrEqualTo(9L * capacity);
    assertThat(Allocations.total(10 * capacity, Allocations.allocatingEvery(CONTROL_EVERY, scanStep),
        maintenance)).as("positive control, one object every %d steps", CONTROL_EVERY).isPositive();
  }

  @Test
  void theCapacityIsTheLargestThatFitsTheBound() {
    for (long bound : new long[] {64 << 10, 1 << 20, 3 << 20, 100 << 20}) {
      final NearCache cache = NearCache.builder(8).maxBytes(bound).build();
      assertThat(cache.footprintBytes()).as("bound " + bound).isLessThanOrEqualTo(bound);
      // per entry: 32 bytes of values plus ~45 of key, expiry, links, index and sketch
      assertThat(cache.capacity()).as("bound " + bound).isGreaterThan((int) (bound / 100));
    }
  }

  @Test
  void aHotSetSurvivesAScanOfOneHitWonders() {
    // one segment, hits replayed on this thread: admission decisions are exact and repeatable
    final NearCache cache = NearCache.builder(1).maxBytes(64 << 10).executor(Runnable::run).build();
    final int capacity = cache.capacity();
    final int hot = capacity / 2;
    final float[] v = new float[1];
    final float[] out = new float[1];
    long now = 0;
    for (int round = 0; round < 5; round++) {
      for (int k = 0; k < hot; k++) {
        if (cache.get(k, now, out, 0) == NearCache.MISS) {
          cache.put(k, 0, now, v, 0);
        }
      }
    }
    // a scan of 10x the capacity, each key read once, interleaved with the hot set
    long scanKey = 1_000_000;
    int hotHits = 0;
    int hotReads = 0;
    for (int i = 0; i < 10 * capacity; i++) {
      final long k = scanKey++;
      if (cache.get(k, now, out, 0) == NearCache.MISS) {
        cache.put(k, 0, now, v, 0);
      }
      if (i % 10 == 0) {
        final long h = (i / 10) % hot;
        hotReads++;
        if (cache.get(h, now, out, 0) == NearCache.HIT) {
          hotHits++;
        } else {
          cache.put(h, 0, now, v, 0);
        }
      }
    }
    assertThat((double) hotHits / hotReads).as("hot-set hit ratio during the scan").isGreaterThan(0.95);
    int resident = 0;
    for (int k = 0; k < hot; k++) {
      resident += cache.get(k, now, out, 0) == NearCache.HIT ? 1 : 0;
    }
    assertThat(resident).as("hot keys resident after the scan").isGreaterThan(hot * 95 / 100);
    assertThat(cache.stats().rejections()).isGreaterThan(capacity);
  }

  @Test
  void aNewPopularSetDisplacesAnOldOneOnceTheSketchAges() {
    final NearCache cache = NearCache.builder(1).maxBytes(64 << 10).executor(Runnable::run).build();
    final int capacity = cache.capacity();
    final int set = capacity * 3 / 4;
    final float[] v = new float[1];
    final float[] out = new float[1];
    accessRepeatedly(cache, 0, set, 8, v, out);
    // the workload moves to other keys; without aging the old set's counts would keep them out
    accessRepeatedly(cache, 10_000_000, set, 40, v, out);
    int resident = 0;
    for (int k = 0; k < set; k++) {
      resident += cache.get(10_000_000 + k, 0, out, 0) == NearCache.HIT ? 1 : 0;
    }
    assertThat(resident).as("new popular keys resident").isGreaterThan(set * 9 / 10);
    assertThat(cache.stats().sketchResets()).isPositive();
  }

  private static void accessRepeatedly(NearCache cache, long base, int n, int rounds, float[] v,
      float[] out) {
    for (int round = 0; round < rounds; round++) {
      for (int k = 0; k < n; k++) {
        if (cache.get(base + k, 0, out, 0) == NearCache.MISS) {
          cache.put(base + k, 0, 0, v, 0);
        }
      }
    }
  }

  @Test
  void concurrentReadersNeverSeeATornRecord() throws Exception {
    final int width = 8;
    final NearCache cache = NearCache.builder(width).maxBytes(256 << 10).build();
    final int keys = cache.capacity() * 2;
    final int threads = 4;
    final long[] torn = new long[threads];
    final long[] lookups = new long[threads];
    final Thread[] ts = new Thread[threads];
    for (int t = 0; t < threads; t++) {
      final int id = t;
      ts[t] = new Thread(() -> {
        final SplittableRandom rnd = new SplittableRandom(17 + id);
        final float[] out = new float[width];
        for (int i = 0; i < 400_000; i++) {
          final long k = rnd.nextInt(keys);
          lookups[id]++;
          final int r = cache.get(k, 0, out, 0);
          if (r == NearCache.HIT) {
            final float[] want = record(k, width);
            for (int j = 0; j < width; j++) {
              if (out[j] != want[j]) {
                torn[id]++;
                break;
              }
            }
          } else if (r == NearCache.MISS) {
            if ((k & 7) == 0) {
              cache.putAbsent(k, 0);
            } else {
              cache.put(k, 0, 0, record(k, width), 0);
            }
          } else if ((k & 7) != 0) {
            torn[id]++;
          }
        }
      });
      ts[t].start();
    }
    for (Thread t : ts) {
      t.join();
    }
    long all = 0;
    for (int t = 0; t < threads; t++) {
      assertThat(torn[t]).as("torn reads of thread " + t).isZero();
      all += lookups[t];
    }
    final NearCache.Stats s = cache.stats();
    assertThat(s.hits() + s.absentHits() + s.misses()).isEqualTo(all);
    assertThat(s.size()).isLessThanOrEqualTo(s.capacity());
    assertThat(s.hits()).isPositive();
  }

  @Test
  void badArgumentsAreRejectedWithTheReason() {
    assertThatThrownBy(() -> NearCache.builder(0)).hasMessageContaining("width");
    assertThatThrownBy(() -> NearCache.builder(8).maxBytes(1000).build())
        .hasMessageContaining("at least");
    assertThatThrownBy(() -> NearCache.builder(1).ttl(64, 1, TimeUnit.SECONDS))
        .hasMessageContaining("kind");
    final NearCache cache = NearCache.builder(4).maxBytes(1 << 20).build();
    assertThatThrownBy(() -> cache.put(1, 1, 0, new float[4], 0)).hasMessageContaining("kind 1");
    assertThatThrownBy(() -> cache.get(1, 0, new float[4], 1))
        .isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> cache.put(1, 0, 0, new float[3], 0))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void aBatchLookupAnswersLikeOneGetPerKeyAndCountsOnce() {
    final int width = 3;
    final NearCache cache = NearCache.builder(width).maxBytes(1 << 20).negativeTtl(1, TimeUnit.HOURS)
        .build();
    final long[] keys = new long[40];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = 1_000 + i;
      if (i % 4 == 0) {
        cache.put(keys[i], 0, 0, record(keys[i], width), 0);
      } else if (i % 4 == 1) {
        cache.putAbsent(keys[i], 0);
      }
    }
    final float[] out = new float[keys.length * width];
    final byte[] outcomes = new byte[keys.length];
    // a sub-range: keys[4 .. 36)
    assertThat(cache.getAll(keys, 4, 32, 1, out, outcomes)).isEqualTo(8);
    final float[] one = new float[width];
    for (int i = 0; i < 32; i++) {
      final long key = keys[4 + i];
      final int expected = cache.get(key, 1, one, 0);
      assertThat((int) outcomes[i]).as("key " + key).isEqualTo(expected);
      if (expected == NearCache.HIT) {
        for (int j = 0; j < width; j++) {
          assertThat(out[i * width + j]).isEqualTo(one[j]);
        }
      }
    }
    final NearCache.Stats s = cache.stats();
    assertThat(s.hits()).isEqualTo(8 + 8);
    assertThat(s.absentHits()).isEqualTo(8 + 8);
    assertThat(s.misses()).isEqualTo(16 + 16);
    assertThatThrownBy(() -> cache.getAll(keys, 0, 40, 1, new float[10], outcomes))
        .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("do not fit");
    assertThatThrownBy(() -> cache.getAll(keys, 30, 20, 1, out, outcomes))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void aWarmBatchLookupAllocatesNothingOnTheReaderOrTheMaintenanceThread() {
    final int width = 8;
    final int batch = 1_000;
    final NearCache cache = NearCache.builder(width).maxBytes(8 << 20).build();
    final long[] keys = new long[batch];
    for (int i = 0; i < batch; i++) {
      keys[i] = i * 7919L;
      cache.put(keys[i], 0, 0, record(keys[i], width), 0);
    }
    final float[] out = new float[batch * width];
    final byte[] outcomes = new byte[batch];
    final int[] hits = new int[1];
    final Runnable lookup = () -> hits[0] = cache.getAll(keys, 0, batch, 1, out, outcomes);
    // the hits recorded by the lookups are replayed on the maintenance thread: measured too
    final long[] maintenance = maintenanceThread(lookup);
    assertThat(Allocations.steadyStateBytes(LOOKUPS, lookup, maintenance))
        .as("bytes over %d batch lookups of %d keys, reader and maintenance thread", LOOKUPS, batch)
        .isZero();
    assertThat(hits[0]).as("every key is a hit").isEqualTo(batch);
    assertThat(Allocations.total(LOOKUPS, Allocations.allocatingEvery(CONTROL_EVERY, lookup), maintenance))
        .as("positive control, one object every %d lookups", CONTROL_EVERY).isPositive();
  }

  /**
   * The id of the near caches' shared maintenance thread, started by running {@code reads} (hits)
   * until it exists.
   */
  static long[] maintenanceThread(Runnable reads) {
    long[] ids = Allocations.threadIds(MAINTENANCE_THREAD);
    for (int i = 0; i < 1_000 && ids.length == 0; i++) {
      reads.run();
      ids = Allocations.threadIds(MAINTENANCE_THREAD);
    }
    assertThat(ids).as("the maintenance thread runs").hasSize(1);
    return ids;
  }
}
