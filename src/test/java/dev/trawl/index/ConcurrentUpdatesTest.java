package dev.trawl.index;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.testing.Reachability;
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
 * Writers add, update and remove while readers search. Readers must never see a removed item whose
 * removal completed before their search began, never see an id twice, and afterwards every live item
 * must be found by its own vector.
 */
class ConcurrentUpdatesTest {
  private static final int DIM = 24;
  private static final int ITEMS = 12_000;
  private static final int WRITERS = 3;
  private static final int READERS = 3;

  @Test
  void readersNeverSeeCompletedRemovalsAndLiveItemsStayFindable() throws Exception {
    final float[][] data = Vectors.clustered(ITEMS, DIM, 30, 21);
    final float[][] updated = Vectors.clustered(ITEMS, DIM, 30, 22);
    final VectorIndex index = VectorIndex.builder(DIM, Metric.L2).m(12).efConstruction(100).build();
    // removal sequence number per id (0 = not removed); a reader compares it with the sequence
    // number it read before searching
    final AtomicLongArray removedAt = new AtomicLongArray(ITEMS);
    final AtomicLong sequence = new AtomicLong();
    final boolean[] isUpdated = new boolean[ITEMS];
    final AtomicBoolean writing = new AtomicBoolean(true);
    final ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
    final ExecutorService pool = Executors.newFixedThreadPool(WRITERS + READERS);
    final CountDownLatch start = new CountDownLatch(1);
    final List<Future<?>> writers = new ArrayList<>();
    for (int w = 0; w < WRITERS; w++) {
      final int writer = w;
      writers.add(pool.submit(() -> {
        start.await();
        final SplittableRandom random = new SplittableRandom(100 + writer);
        for (int i = writer; i < ITEMS; i += WRITERS) {
          index.add(i, data[i]);
          if (i > 50 && random.nextInt(10) == 0) {
            final int victim = i - 3 * WRITERS; // an id this writer added earlier
            if (removedAt.get(victim) == 0) {
              if (random.nextBoolean()) {
                index.remove(victim);
                removedAt.set(victim, sequence.incrementAndGet());
              } else {
                index.update(victim, updated[victim]);
                isUpdated[victim] = true;
              }
            }
          }
        }
        return null;
      }));
    }
    final List<Future<?>> readers = new ArrayList<>();
    for (int r = 0; r < READERS; r++) {
      final int reader = r;
      readers.add(pool.submit(() -> {
        start.await();
        final Searcher searcher = index.newSearcher();
        final SearchResults results = new SearchResults(20);
        final SplittableRandom random = new SplittableRandom(200 + reader);
        int searches = 0;
        while (writing.get() || searches < 500) {
          final long seenSequence = sequence.get();
          searcher.search(data[random.nextInt(ITEMS)], 20, 40, results);
          for (int i = 0; i < results.size(); i++) {
            final long id = results.id(i);
            final long removed = removedAt.get((int) id);
            if (removed != 0 && removed <= seenSequence) {
              violations.add("search returned id " + id + " removed before it started");
            }
            for (int j = 0; j < i; j++) {
              if (results.id(j) == id) {
                violations.add("search returned id " + id + " twice");
              }
            }
          }
          searches++;
        }
        return null;
      }));
    }
    start.countDown();
    for (Future<?> f : writers) {
      f.get(5, TimeUnit.MINUTES);
    }
    writing.set(false);
    for (Future<?> f : readers) {
      f.get(5, TimeUnit.MINUTES);
    }
    pool.shutdown();
    assertThat(violations).isEmpty();

    // Every live item must still be reachable: searched by its own vector with a wide beam, it is
    // among the 10 results. HNSW leaves the odd node without in-links even when built on one thread,
    // so the concurrent index may lose no more than a sequential build of the same final items does,
    // plus 5 (out of ~11,000; a loose 1% would hide ~110 lost items).
    final VectorIndex sequential = VectorIndex.builder(DIM, Metric.L2).m(12).efConstruction(100).build();
    for (int id = 0; id < ITEMS; id++) {
      if (removedAt.get(id) == 0) {
        sequential.add(id, isUpdated[id] ? updated[id] : data[id]);
      }
    }
    final int sequentialLost = sequential.size() - Reachability.foundByOwnVector(sequential, ITEMS, 256, id -> isUpdated[id] ? updated[id] : data[id]);
    int live = 0;
    for (int id = 0; id < ITEMS; id++) {
      if (removedAt.get(id) != 0) {
        assertThat(index.contains(id)).isFalse();
      } else {
        live++;
      }
    }
    assertThat(index.size()).isEqualTo(live);
    final int foundSelf = Reachability.foundByOwnVector(index, ITEMS, 256, id -> isUpdated[id] ? updated[id] : data[id]);
    System.out.printf("concurrent updates: %d live, %d not found by their own vector (sequential build: %d)%n",
        live, live - foundSelf, sequentialLost);
    assertThat(live - foundSelf).as("live items lost").isLessThanOrEqualTo(sequentialLost + 5);
  }
}
