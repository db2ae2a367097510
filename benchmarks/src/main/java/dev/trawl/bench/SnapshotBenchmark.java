package dev.trawl.bench;

import dev.trawl.bench.data.Dataset;
import dev.trawl.bench.data.DatasetLoader;
import dev.trawl.index.IndexSnapshot;
import dev.trawl.index.SearchResults;
import dev.trawl.index.Searcher;
import dev.trawl.index.SnapshotInfo;
import dev.trawl.index.VectorIndex;
import dev.trawl.vector.Metric;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Snapshot write and load times ({@link IndexSnapshot}) for a real and a generated index.
 *
 * <p>Indexes: {@code siftsmall} (the whole base set, M = 16, efConstruction = 200) and
 * {@code random-128}: Gaussian random 128-dimensional vectors (seeded), L2, M = 16 and
 * efConstruction = 40 (a snapshot's size and cost depend on M and the item count, not on the graph's
 * quality, so the cheaper build is enough), 200,000 items in quick mode, 1,000,000 in full, 5,000 in
 * smoke. Both built on 2 threads in trial setup.
 *
 * <p><b>Operations</b> (single shot, milliseconds):
 * <ul>
 *   <li>{@code write}: {@link IndexSnapshot#write} of the index to a file in {@code
 *       -Dtrawl.bench.snapshots=DIR} (default {@code java.io.tmpdir}): temporary file, fsync, atomic
 *       rename over the previous one, directory fsync;
 *   <li>{@code load}: {@link IndexSnapshot#load} of that file onto the heap. This is the only load
 *       mode the library has: sections are read through read-only memory mappings (small ones with a
 *       plain read) and copied into heap pages, after every checksum and structural check. There is no
 *       mode that serves searches from the mapped file (see {@code docs/format.md});
 *   <li>{@code readInfo}: {@link IndexSnapshot#readInfo}, header and section table only (what
 *       {@code trawl inspect} needs before deciding to load).
 * </ul>
 * The file is in the OS page cache when loaded (it was just written), so {@code load} measures
 * checking and copying, not the disk. Bytes per operation come from {@code -prof gc}.
 *
 * <p>Correctness, checked at setup in every mode: the loaded index answers 100 queries with exactly
 * the same ids and distances as the original. State per trial; not thread-safe.
 */
@State(Scope.Thread)
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class SnapshotBenchmark {
  /** File size in bytes per dataset, for the launcher's MB/s. Thread-safe. */
  static final Map<String, Long> FILE_BYTES = new ConcurrentHashMap<>();
  /** Items per dataset, for the launcher's table. Thread-safe. */
  static final Map<String, Integer> ITEMS = new ConcurrentHashMap<>();

  private static final Map<String, VectorIndex> INDEXES = new ConcurrentHashMap<>();
  private static final long RANDOM_SEED = 5_150L;

  @Param({"siftsmall", "random-128"})
  public String dataset;

  private VectorIndex index;
  private Path file;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    index = INDEXES.computeIfAbsent(dataset, SnapshotBenchmark::build);
    final Path dir = Paths.get(System.getProperty("trawl.bench.snapshots", System.getProperty("java.io.tmpdir")));
    Files.createDirectories(dir);
    file = dir.resolve("trawl-bench-" + dataset + "-" + ProcessHandle.current().pid() + ".trawl");
    final SnapshotInfo info = IndexSnapshot.write(index, file);
    FILE_BYTES.put(dataset, info.fileBytes());
    ITEMS.put(dataset, index.size());
    checkRoundTrip(index, IndexSnapshot.load(file), dataset);
    Records.write("snapshot", "engine", "trawl", "dataset", dataset, "items", index.size(),
        "dimension", index.dimension(), "fileBytes", info.fileBytes(), "file", file.toString());
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    Files.deleteIfExists(file);
  }

  /** Writes the index to the snapshot file (atomic replace). */
  @Benchmark
  public SnapshotInfo write() throws IOException {
    return IndexSnapshot.write(index, file);
  }

  /** Loads the snapshot file onto the heap. */
  @Benchmark
  public VectorIndex load() throws IOException {
    return IndexSnapshot.load(file);
  }

  /** Reads the header and section table only. */
  @Benchmark
  public SnapshotInfo readInfo() throws IOException {
    return IndexSnapshot.readInfo(file);
  }

  /** The same 100 queries return the same ids and distances, bit for bit, from both indexes. */
  static void checkRoundTrip(VectorIndex original, VectorIndex loaded, String dataset) {
    if (loaded.size() != original.size()) {
      throw new IllegalStateException(
          "snapshot of " + dataset + " loaded " + loaded.size() + " items, wrote " + original.size());
    }
    final Searcher a = original.newSearcher();
    final Searcher b = loaded.newSearcher();
    final SearchResults ra = new SearchResults(Dataset.K);
    final SearchResults rb = new SearchResults(Dataset.K);
    final Random random = new Random(RANDOM_SEED + 1);
    final float[] q = new float[original.dimension()];
    for (int i = 0; i < 100; i++) {
      original.vector(random.nextInt(original.size()), q);
      for (int j = 0; j < q.length; j++) {
        q[j] += 0.01f * (float) random.nextGaussian();
      }
      final int na = a.search(q, Dataset.K, 64, ra);
      final int nb = b.search(q, Dataset.K, 64, rb);
      boolean same = na == nb && na > 0;
      for (int j = 0; same && j < na; j++) {
        same = ra.id(j) == rb.id(j)
            && Float.floatToIntBits(ra.distance(j)) == Float.floatToIntBits(rb.distance(j));
      }
      if (!same) {
        throw new IllegalStateException("the loaded snapshot of " + dataset
            + " answers query " + i + " differently from the original index");
      }
    }
  }

  private static VectorIndex build(String dataset) {
    try {
      final long start = System.nanoTime();
      final VectorIndex index;
      if (dataset.equals("random-128")) {
        final Mode mode = Mode.current();
        final int n = mode.isSmoke() ? 5_000 : mode == Mode.QUICK ? 200_000 : 1_000_000;
        final Random random = new Random(RANDOM_SEED);
        final float[][] vectors = new float[n][128];
        for (float[] v : vectors) {
          for (int j = 0; j < v.length; j++) {
            v[j] = (float) random.nextGaussian();
          }
        }
        index = VectorIndex.builder(128, Metric.L2).m(16).efConstruction(40).seed(42L).expectedItems(n).build();
        FilterFixture.addAll(index, vectors, n, IndexCache.BUILD_THREADS);
      } else {
        final Dataset data = DatasetLoader.get(dataset);
        index = VectorIndex.builder(data.dimension(), data.metric() == Dataset.Metric.L2 ? Metric.L2 : Metric.COSINE)
            .m(16).efConstruction(200).seed(42L).expectedItems(data.size()).build();
        FilterFixture.addAll(index, data.base(), data.size(), IndexCache.BUILD_THREADS);
      }
      System.out.printf("snapshot index %s: %d items built in %.1f s%n",
          dataset, index.size(), (System.nanoTime() - start) / 1e9);
      return index;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while building " + dataset, e);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("building " + dataset + " failed", e);
    }
  }
}
