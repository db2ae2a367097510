package dev.trawl.cli;

import dev.trawl.filter.ItemAttributes;
import dev.trawl.index.VectorIndex;
import dev.trawl.vector.Metric;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Builds a {@link VectorIndex} from a {@link VectorFile} on several threads, each claiming chunks
 * of rows. With one thread the insertion order is the row order, so the graph is reproducible; with
 * more it depends on scheduling (recall does not). Stateless.
 */
final class Indexing {
  private static final int CHUNK = 64;

  private Indexing() {}

  /** Parameters of a build. */
  record Params(Metric metric, int m, int efConstruction, long seed, int threads) {
    Params {
      if (m < 2 || m > 512) {
        throw new CliError("--m must be in [2, 512], got " + m);
      }
      if (efConstruction < 1) {
        throw new CliError("--ef-construction must be positive, got " + efConstruction);
      }
      if (threads < 1) {
        throw new CliError("--threads must be positive, got " + threads);
      }
    }
  }

  /**
   * Where rows come from: a file or arrays in memory. Must be safe to call from several threads.
   */
  interface Rows {
    int count();

    int dimension();

    /** Writes row {@code row} into {@code out[0..dimension)}. */
    void read(int row, float[] out);

    /** Names the source in error messages. */
    String name();

    /**
     * Writes row {@code row}'s filter attributes into {@code out} and returns true, or returns false
     * when rows have none (the default).
     */
    default boolean attributes(int row, ItemAttributes out) {
      return false;
    }
  }

  /** The rows of a vector file. */
  static Rows of(VectorFile file) {
    return new Rows() {
      @Override
      public int count() {
        return file.count();
      }

      @Override
      public int dimension() {
        return file.dimension();
      }

      @Override
      public void read(int row, float[] out) {
        file.read(row, out);
      }

      @Override
      public String name() {
        return file.path().toString();
      }
    };
  }

  /** The rows of an in-memory array. */
  static Rows of(float[][] vectors, String name) {
    return new Rows() {
      @Override
      public int count() {
        return vectors.length;
      }

      @Override
      public int dimension() {
        return vectors.length == 0 ? 1 : vectors[0].length;
      }

      @Override
      public void read(int row, float[] out) {
        System.arraycopy(vectors[row], 0, out, 0, out.length);
      }

      @Override
      public String name() {
        return name;
      }
    };
  }

  /**
   * Adds every row, under {@code ids[row]} or, when {@code ids} is null, under the row number.
   *
   * @throws CliError when a row is rejected by the index (non-finite values, a zero vector under
   *     cosine), naming the row
   */
  static VectorIndex build(Rows vectors, long[] ids, Params p, Progress progress) {
    final VectorIndex index =
        VectorIndex.builder(vectors.dimension(), p.metric())
            .m(p.m())
            .efConstruction(p.efConstruction())
            .seed(p.seed())
            .expectedItems(vectors.count())
            .build();
    final AtomicInteger next = new AtomicInteger();
    final AtomicReference<RuntimeException> failure = new AtomicReference<>();
    final Runnable worker =
        () -> {
          final float[] row = new float[vectors.dimension()];
          final ItemAttributes attributes = new ItemAttributes();
          final int n = vectors.count();
          for (int start = next.getAndAdd(CHUNK); start < n; start = next.getAndAdd(CHUNK)) {
            final int end = Math.min(n, start + CHUNK);
            for (int r = start; r < end; r++) {
              if (failure.get() != null) {
                return;
              }
              vectors.read(r, row);
              try {
                final long id = ids == null ? r : ids[r];
                index.add(id, row, vectors.attributes(r, attributes.clear()) ? attributes : null);
              } catch (IllegalArgumentException e) {
                failure.compareAndSet(
                    null, new CliError(vectors.name() + ": row " + r + ": " + e.getMessage(), e));
                return;
              } catch (RuntimeException e) {
                failure.compareAndSet(null, e);
                return;
              }
            }
            progress.advance(end - start);
          }
        };
    final List<Thread> threads = new ArrayList<>();
    for (int t = 1; t < p.threads(); t++) {
      final Thread thread = new Thread(worker, "trawl-build-" + t);
      thread.start();
      threads.add(thread);
    }
    worker.run();
    for (Thread thread : threads) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CliError("interrupted while building");
      }
    }
    if (failure.get() != null) {
      throw failure.get();
    }
    return index;
  }
}
