package dev.trawl.cli;

import dev.trawl.filter.RequestFilter;
import dev.trawl.index.SearchResults;
import dev.trawl.index.Searcher;
import dev.trawl.index.VectorIndex;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import org.HdrHistogram.Histogram;

/**
 * Measures search quality and speed at one ef the way a benchmark would: recall@k from one untimed
 * pass over the queries; then, on {@code threads} searching threads, a warm-up, followed by several
 * repetitions that each loop over the query set for at least a minimum time (and at least one full
 * pass). Each repetition yields queries per second (over all threads), p50 and p99 latency (one
 * {@code nanoTime} pair per query) and bytes allocated per query on the searching threads, read
 * from {@link com.sun.management.ThreadMXBean#getThreadAllocatedBytes(long)}; the reported figure
 * is the median over the repetitions.
 *
 * <p>One bench per run; not thread-safe itself. Each lane (searching thread) owns its searcher,
 * results and histogram, reused across repetitions and ef values, so the timed loop allocates
 * nothing.
 */
final class SearchBench {
  /** How long to measure. */
  record Settings(long warmupMillis, long minMillis, int repetitions, int threads) {
    Settings {
      if (repetitions < 1) {
        throw new CliError("--repetitions must be positive, got " + repetitions);
      }
      if (threads < 1) {
        throw new CliError("--threads must be positive, got " + threads);
      }
      if (warmupMillis < 0 || minMillis < 0) {
        throw new CliError("warm-up and measurement times must not be negative");
      }
    }
  }

  /** One ef's figures; {@code allocBytesPerQuery} is NaN when the JVM cannot measure it. */
  record Result(
      int ef, double recall, double qps, double p50Us, double p99Us, double allocBytesPerQuery) {}

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  private final VectorIndex index;
  private final float[][] queries;
  private final long[][] excluded;
  private final int k;
  private final Settings settings;
  private final Lane[] lanes;

  SearchBench(VectorIndex index, float[][] queries, int k, Settings settings) {
    this(index, queries, null, k, settings);
  }

  /**
   * A bench whose query {@code q} excludes the items {@code excluded[q]} (external ids) through a
   * seen filter ({@link RequestFilter#andNotIds}), composed per query inside the timed loop as a
   * request would, and searched through the filter planner. {@code excluded} null: no filter.
   */
  SearchBench(VectorIndex index, float[][] queries, long[][] excluded, int k, Settings settings) {
    if (queries.length == 0) {
      throw new CliError("the query set is empty");
    }
    this.index = index;
    this.queries = queries;
    this.excluded = excluded;
    this.k = k;
    this.settings = settings;
    this.lanes = new Lane[settings.threads()];
    for (int t = 0; t < lanes.length; t++) {
      lanes[t] =
          new Lane(
              index, index.newSearcher(), new SearchResults(k), t * queries.length / lanes.length);
    }
    if (THREADS.isThreadAllocatedMemorySupported() && !THREADS.isThreadAllocatedMemoryEnabled()) {
      THREADS.setThreadAllocatedMemoryEnabled(true);
    }
  }

  /**
   * Mean recall@k at {@code ef}: for each query, the share of {@code truth[q][offset..offset+k)} among
   * the ids found (with this bench's exclusions applied).
   */
  double recall(long[][] truth, int offset, int ef) {
    final Lane lane = lanes[0];
    long hits = 0;
    for (int q = 0; q < queries.length; q++) {
      final int n = lane.search(queries, excluded, q, k, ef);
      for (int i = 0; i < n; i++) {
        final long id = lane.results.id(i);
        for (int j = offset; j < offset + k; j++) {
          if (truth[q][j] == id) {
            hits++;
            break;
          }
        }
      }
    }
    return hits / ((double) queries.length * k);
  }

  /** Times searches at {@code ef} and returns the medians, with {@code recall} passed through. */
  Result measure(int ef, double recall) {
    runLanes(ef, settings.warmupMillis());
    final int reps = settings.repetitions();
    final double[] qps = new double[reps];
    final double[] p50 = new double[reps];
    final double[] p99 = new double[reps];
    final double[] alloc = new double[reps];
    final Histogram merged = new Histogram(Lane.HIGHEST_NANOS, 3);
    for (int r = 0; r < reps; r++) {
      runLanes(ef, settings.minMillis());
      long ops = 0;
      long bytes = 0;
      long longest = 1;
      merged.reset();
      for (Lane lane : lanes) {
        ops += lane.ops;
        bytes += lane.allocated;
        longest = Math.max(longest, lane.elapsedNanos);
        merged.add(lane.latencies);
      }
      qps[r] = ops * 1e9 / longest;
      p50[r] = merged.getValueAtPercentile(50) / 1e3;
      p99[r] = merged.getValueAtPercentile(99) / 1e3;
      alloc[r] = bytes < 0 ? Double.NaN : bytes / (double) ops;
    }
    return new Result(ef, recall, median(qps), median(p50), median(p99), median(alloc));
  }

  private void runLanes(int ef, long millis) {
    final long nanos = millis * 1_000_000L;
    final Thread[] threads = new Thread[lanes.length];
    for (int t = 0; t < lanes.length; t++) {
      final Lane lane = lanes[t];
      threads[t] =
          new Thread(() -> lane.run(queries, excluded, k, ef, nanos), "trawl-eval-" + t);
      threads[t].start();
    }
    for (Thread thread : threads) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CliError("interrupted while measuring");
      }
    }
    for (Lane lane : lanes) {
      if (lane.failure != null) {
        throw lane.failure;
      }
    }
  }

  private static double median(double[] values) {
    final double[] sorted = values.clone();
    Arrays.sort(sorted);
    final int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  /** One searching thread's reusable state and its last run's figures. */
  private static final class Lane {
    static final long HIGHEST_NANOS = 60_000_000_000L;

    final VectorIndex index;
    final Searcher searcher;
    final SearchResults results;
    final RequestFilter filter;
    final Histogram latencies = new Histogram(HIGHEST_NANOS, 3);
    final int firstQuery;
    long ops;
    long elapsedNanos;
    long allocated;
    RuntimeException failure;

    Lane(VectorIndex index, Searcher searcher, SearchResults results, int firstQuery) {
      this.index = index;
      this.searcher = searcher;
      this.results = results;
      this.filter = index.newFilter();
      this.firstQuery = firstQuery;
    }

    /** One request: the plain search, or the seen filter composed and the planned search. */
    int search(float[][] queries, long[][] excluded, int q, int k, int ef) {
      if (excluded == null) {
        return searcher.search(queries[q], k, ef, results);
      }
      final long[] seen = excluded[q];
      filter.allowAll().andNotIds(seen, 0, seen.length, index);
      return searcher.search(queries[q], k, ef, filter, results);
    }

    /** Loops over the queries for at least {@code minNanos} and at least one full pass. */
    void run(float[][] queries, long[][] excluded, int k, int ef, long minNanos) {
      try {
        latencies.reset();
        final Histogram h = latencies;
        final int n = queries.length;
        final long thread = Thread.currentThread().getId();
        final long allocBefore = THREADS.getThreadAllocatedBytes(thread);
        final long start = System.nanoTime();
        final long deadline = start + minNanos;
        int q = firstQuery;
        long done = 0;
        long now = start;
        while (done < n || now < deadline) {
          final long t0 = System.nanoTime();
          search(queries, excluded, q, k, ef);
          now = System.nanoTime();
          h.recordValue(Math.min(now - t0, HIGHEST_NANOS));
          done++;
          if (++q == n) {
            q = 0;
          }
        }
        final long allocAfter = THREADS.getThreadAllocatedBytes(thread);
        elapsedNanos = now - start;
        ops = done;
        allocated = allocBefore < 0 || allocAfter < 0 ? -1 : allocAfter - allocBefore;
        failure = null;
      } catch (RuntimeException e) {
        failure = e;
      }
    }
  }
}
