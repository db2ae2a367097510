package dev.trawl.index;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trawl.vector.Metric;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Snapshots taken while other threads add, update and remove items. */
class ConcurrentSnapshotTest {
  private static final int DIM = 8;
  private static final int INITIAL = 1000;
  private static final int ADDED = 4000;

  @TempDir Path dir;

  /** The vector of {@code id} in its {@code version}: 0 when added, 1 after an update. */
  private static float[] vector(long id, int version) {
    final SplittableRandom random = new SplittableRandom(id * 31 + version);
    final float[] v = new float[DIM];
    for (int i = 0; i < DIM; i++) {
      v[i] = (float) random.nextDouble(-1, 1);
    }
    return v;
  }

  private static boolean updated(long id) {
    return id < INITIAL && id % 3 == 0;
  }

  private static boolean removed(long id) {
    return id < INITIAL && id % 5 == 0;
  }

  @Test
  void snapshotsTakenDuringWritesLoadAndHoldEveryItemAddedBeforeThem() throws Exception {
    final VectorIndex index = VectorIndex.builder(DIM, Metric.L2).m(8).efConstruction(40).build();
    for (long id = 0; id < INITIAL; id++) {
      index.add(id, vector(id, 0));
    }
    final AtomicInteger addsDone = new AtomicInteger();
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    final Thread adder =
        new Thread(
            () -> {
              for (long id = INITIAL; id < INITIAL + ADDED; id++) {
                index.add(id, vector(id, 0));
                addsDone.incrementAndGet();
              }
            });
    final Thread changer =
        new Thread(
            () -> {
              for (int round = 0; round < 3; round++) {
                for (long id = 0; id < INITIAL; id++) {
                  if (round == 0 && updated(id)) {
                    index.update(id, vector(id, 1));
                  } else if (round == 1 && removed(id) && index.contains(id)) {
                    index.remove(id);
                  } else if (round == 2 && updated(id) && !removed(id)) {
                    index.update(id, vector(id, 1)); // the same vector under a new ordinal
                  }
                }
              }
            });
    adder.setUncaughtExceptionHandler((t, e) -> failure.set(e));
    changer.setUncaughtExceptionHandler((t, e) -> failure.set(e));
    adder.start();
    changer.start();

    final List<Path> files = new ArrayList<>();
    final List<Integer> addedBefore = new ArrayList<>();
    while (adder.isAlive() || files.size() < 3) {
      final Path file = dir.resolve("s" + files.size() + ".trawl");
      addedBefore.add(addsDone.get());
      IndexSnapshot.write(index, file);
      files.add(file);
    }
    adder.join();
    changer.join();
    assertThat(failure.get()).isNull();
    assertThat(addedBefore.get(0)).as("the first snapshot raced the adder").isLessThan(ADDED);

    final float[] stored = new float[DIM];
    for (int s = 0; s < files.size(); s++) {
      final VectorIndex loaded = IndexSnapshot.load(files.get(s));
      final String what = "snapshot " + s + " of " + files.size();
      for (long id = 0; id < INITIAL + ADDED; id++) {
        final boolean mustBePresent =
            id < INITIAL ? !updated(id) && !removed(id) : id < INITIAL + addedBefore.get(s);
        if (mustBePresent) {
          assertThat(loaded.contains(id)).as(what + ": id " + id).isTrue();
        }
        if (loaded.contains(id)) {
          loaded.vector(id, stored);
          if (updated(id)) {
            assertThat(stored).as(what + ": id " + id).isIn(vector(id, 0), vector(id, 1));
          } else {
            assertThat(stored).as(what + ": id " + id).isEqualTo(vector(id, 0));
          }
        }
      }
      assertThat(recallAt10(loaded)).as(what).isGreaterThan(0.9);
      loaded.add(-1L, vector(-1, 0)); // a loaded index takes writes
      assertThat(loaded.contains(-1L)).isTrue();
    }
  }

  private static double recallAt10(VectorIndex index) {
    final Searcher searcher = index.newSearcher();
    final SearchResults approx = new SearchResults(10);
    final SearchResults exact = new SearchResults(10);
    int hits = 0;
    int total = 0;
    for (int q = 0; q < 50; q++) {
      final float[] query = vector(1_000_000 + q, 0);
      final int n = searcher.searchExact(query, 10, exact);
      final long[] truth = exact.idsCopy();
      searcher.search(query, 10, 64, approx);
      for (int i = 0; i < approx.size(); i++) {
        for (int j = 0; j < n; j++) {
          if (approx.id(i) == truth[j]) {
            hits++;
          }
        }
      }
      total += n;
    }
    return hits / (double) total;
  }
}
