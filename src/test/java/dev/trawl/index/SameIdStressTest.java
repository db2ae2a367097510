package dev.trawl.index;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.testing.Vectors;
import dev.trawl.vector.Metric;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;

/**
 * Four writers hammer the same 100 ids with versioned upserts and removals while two readers search.
 * No search may return an id twice, or an id whose removal had returned before the search started
 * (unless a newer upsert of it had started); afterwards every id holds exactly its newest write.
 *
 * <p>Slot reuse keeps the index within {@link #REUSE_BOUND} slots (380) plus the slots it took while
 * a stuck walk held reusable ones back ({@link VectorIndex#slotsGrownPastReuseLimit()}, an exact
 * count of new slots, not of writes). The second term depends on load by design: a search descheduled
 * for longer than a repair's wait for old walks counts as a stuck walk, which holds the slots freed
 * since it started, so writes then stop running a repair each (it would free nothing; {@link
 * VectorIndex#writesPastReuseLimit()} counts them) and may take a new slot instead of a reused one.
 * On a quiet machine it stays near 0. A fixed bound fails under load (2,022 to 2,440 slots seen
 * against 2,000) or says nothing on a quiet machine; with reuse broken the index takes a new slot for
 * every write while no walk is stuck, and the bound fails.
 *
 * <p>CI runs 200,000 writes; {@code -Dtrawl.stress.writes=1000000} (or more) is the long run:
 * {@code mvn -B test -Dtest=SameIdStressTest -Dtrawl.stress.writes=1000000}.
 */
class SameIdStressTest {
  private static final int DIM = 16;
  private static final int IDS = 100;
  private static final int POOL = 400;
  private static final int WRITERS = 4;
  private static final int READERS = 2;
  private static final long WRITES = Long.getLong("trawl.stress.writes", 200_000L);
  /**
   * Slots a reusing index needs for this load when no walk is stuck. A new slot is taken only when
   * none is free, so the graph then holds the live ids ({@code <= IDS}), the slots waiting for reuse
   * and the new one. Writers let at most the backpressure limit ({@code 2 * 0.1 * live + 256}) wait:
   * each runs a repair after a write that leaves more waiting, so beyond the limit wait at most the
   * writes of the other writers not yet followed by their repair, one each; with the new slot, one
   * per writer ({@code WRITERS}).
   */
  private static final long REUSE_BOUND = IDS + (2 * IDS / 10 + 256) + WRITERS;

  /** What one writer last did to each id: the version, and the pool vector or -1 for a removal. */
  private static final class Ledger {
    final long[] version = new long[IDS];
    final int[] vector = new int[IDS];
  }

  @Test
  void sameIdWritersNeverLeaveAnIdTwiceOrResurrectedAndTheNewestWriteWins() throws Exception {
    final float[][] pool = Vectors.clustered(POOL, DIM, 8, 31L);
    final VectorIndex index = VectorIndex.builder(DIM, Metric.L2).m(8).efConstruction(64).build();
    final AtomicLong versions = new AtomicLong();
    final AtomicLongArray upsertStarted = new AtomicLongArray(IDS);
    final AtomicLongArray removalReturned = new AtomicLongArray(IDS);
    final AtomicLong writesLeft = new AtomicLong(WRITES);
    final AtomicBoolean writing = new AtomicBoolean(true);
    final AtomicLong searches = new AtomicLong();
    final AtomicLong stale = new AtomicLong();
    final ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
    final ExecutorService threads = Executors.newFixedThreadPool(WRITERS + READERS);
    final CountDownLatch start = new CountDownLatch(1);
    final List<Future<Ledger>> writers = new ArrayList<>();
    for (int w = 0; w < WRITERS; w++) {
      final long seed = 1_000 + w;
      writers.add(threads.submit(() -> {
        final Ledger ledger = new Ledger();
        final SplittableRandom random = new SplittableRandom(seed);
        start.await();
        while (writesLeft.getAndDecrement() > 0) {
          final int id = random.nextInt(IDS);
          final long version = versions.incrementAndGet();
          final WriteOutcome outcome;
          if (random.nextInt(10) < 7) {
            final int v = random.nextInt(POOL);
            upsertStarted.accumulateAndGet(id, version, Math::max);
            outcome = index.upsert(id, version, pool[v], null);
            if (version > ledger.version[id]) {
              ledger.version[id] = version;
              ledger.vector[id] = v;
            }
          } else {
            outcome = index.remove(id, version);
            if (outcome != WriteOutcome.STALE) {
              removalReturned.accumulateAndGet(id, version, Math::max);
            }
            if (version > ledger.version[id]) {
              ledger.version[id] = version;
              ledger.vector[id] = -1;
            }
          }
          if (outcome == WriteOutcome.STALE) {
            stale.incrementAndGet();
          }
        }
        return ledger;
      }));
    }
    final List<Future<?>> readers = new ArrayList<>();
    for (int r = 0; r < READERS; r++) {
      final long seed = 2_000 + r;
      readers.add(threads.submit(() -> {
        final SplittableRandom random = new SplittableRandom(seed);
        final Searcher searcher = index.newSearcher();
        final SearchResults results = new SearchResults(IDS);
        final long[] removedBefore = new long[IDS];
        final int[] seenIn = new int[IDS];
        int search = 0;
        start.await();
        while (writing.get()) {
          for (int id = 0; id < IDS; id++) {
            removedBefore[id] = removalReturned.get(id);
          }
          search++;
          final int n = searcher.search(pool[random.nextInt(POOL)], 50, 64, results);
          for (int i = 0; i < n; i++) {
            final int id = (int) results.id(i);
            if (seenIn[id] == search) {
              violations.add("search " + search + " returned id " + id + " twice");
            }
            seenIn[id] = search;
            if (upsertStarted.get(id) < removedBefore[id]) {
              violations.add("id " + id + " returned after its removal (version "
                  + removedBefore[id] + ") returned, with no newer upsert started");
            }
          }
          searches.incrementAndGet();
        }
        return null;
      }));
    }
    start.countDown();
    final Ledger[] ledgers = new Ledger[WRITERS];
    for (int w = 0; w < WRITERS; w++) {
      ledgers[w] = writers.get(w).get(10, TimeUnit.MINUTES);
    }
    writing.set(false);
    for (Future<?> reader : readers) {
      reader.get(1, TimeUnit.MINUTES);
    }
    threads.shutdown();

    assertThat(violations).isEmpty();
    assertThat(searches.get()).isGreaterThan(100);
    assertThat(stale.get()).as("races between same-id writers happened").isPositive();

    // every id holds exactly its newest write
    final float[] stored = new float[DIM];
    int live = 0;
    for (int id = 0; id < IDS; id++) {
      long newest = 0;
      int vector = -2;
      for (Ledger ledger : ledgers) {
        if (ledger.version[id] > newest) {
          newest = ledger.version[id];
          vector = ledger.vector[id];
        }
      }
      assertThat(index.version(id)).as("version of %d", id).isEqualTo(newest);
      assertThat(index.contains(id)).as("id %d live", id).isEqualTo(vector >= 0);
      if (vector >= 0) {
        live++;
        index.vector(id, stored);
        assertThat(stored).as("vector of %d", id).containsExactly(pool[vector]);
      }
    }
    assertThat(index.size()).isEqualTo(live);

    // Every live id is a published, not tombstoned node (no ghost of a half-done write), and found by
    // its own vector. HNSW can leave a node without in-links under this much churn (seen once: 1 of
    // 71 live after 200,000 writes), so up to 2 may be unreachable; the state check above is exact.
    final Searcher searcher = index.newSearcher();
    final SearchResults results = new SearchResults(IDS);
    int found = 0;
    for (int id = 0; id < IDS; id++) {
      if (!index.contains(id)) {
        continue;
      }
      final int ordinal = index.ordinalOf(id);
      assertThat(index.graph().isPublished(ordinal)).as("id %d's node is published", id).isTrue();
      assertThat(index.graph().isDeleted(ordinal)).as("id %d's node is tombstoned", id).isFalse();
      index.vector(id, stored);
      final int n = searcher.search(stored, IDS, 128, results);
      for (int i = 0; i < n; i++) {
        if (results.id(i) == id) {
          found++;
          break;
        }
      }
    }
    assertThat(found).as("live ids found by their own vector").isGreaterThanOrEqualTo(live - 2);
    // Slots are reused (without reuse this run allocates one per upsert, about 140,000), and the
    // index grows past the reuse bound only by the slots taken while a stuck walk held reusable ones
    // back (see the class comment)
    final long grown = index.slotsGrownPastReuseLimit();
    System.out.printf("same-id stress: %d slots, bound %d + %d taken while a walk was stuck; %d writes"
        + " past the reuse limit%n", index.graph().size(), REUSE_BOUND, grown, index.writesPastReuseLimit());
    assertThat((long) index.graph().size())
        .as("slots, with %d taken while a walk was stuck (%d writes past the reuse limit)", grown,
            index.writesPastReuseLimit())
        .isLessThanOrEqualTo(REUSE_BOUND + grown);
  }
}
