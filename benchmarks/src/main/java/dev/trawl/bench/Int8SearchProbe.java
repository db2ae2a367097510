package dev.trawl.bench;

import dev.trawl.bench.data.Dataset;
import dev.trawl.bench.data.DatasetLoader;
import dev.trawl.bench.data.Recall;
import dev.trawl.bench.engine.Parallel;
import dev.trawl.index.IndexSnapshot;
import dev.trawl.index.SearchResults;
import dev.trawl.index.Searcher;
import dev.trawl.index.VectorIndex;
import dev.trawl.vector.Int8Store;
import dev.trawl.vector.Kernels;
import dev.trawl.vector.Metric;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;

/**
 * Where a quantized search's time goes, by counting and by this thread's CPU time (robust on a
 * shared machine): builds a float and an int7 index of one prepared dataset in this JVM (so both use
 * the float kernels this JVM chose: scalar without {@code --add-modules jdk.incubator.vector}), then
 * per ef prints for each index the queries per CPU-second, recall@10 and nodes scored per query; and,
 * on the codes of the whole base set, the CPU cost of one code distance, one float-to-codes rerank
 * distance and one query encode. Cost per quantized query is about scored x code distance +
 * {@code 3 k} x rerank distance + encode + the walk's own work (heaps, visited set, links).
 *
 * <p>Run: {@code java -Xmx4g -Dtrawl.bench.mode=quick -Dtrawl.bench.data=benchmarks/target/data-quick
 * -cp benchmarks/target/benchmarks.jar dev.trawl.bench.Int8SearchProbe wordnet-minilm-384 24,160 [both|int8|float] [SNAPSHOT_DIR]}
 * after {@code Suite prepare}; the built indexes are saved as snapshots in SNAPSHOT_DIR (default
 * {@code benchmarks/target}) and loaded from there by later runs, so that A/B runs of JVM flags search
 * the same graphs. Not thread-safe (a main).
 */
public final class Int8SearchProbe {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private static double sink;

  private Int8SearchProbe() {}

  public static void main(String[] args) throws Exception {
    final Dataset data = DatasetLoader.get(args[0]);
    final int[] efs = Arrays.stream(args[1].split(",")).mapToInt(Integer::parseInt).toArray();
    final Metric metric = data.metric() == Dataset.Metric.L2 ? Metric.L2 : Metric.COSINE;
    final float[][] base = data.base();
    final float[][] sample = Arrays.copyOf(base, Math.min(2000, base.length));
    final String which = args.length > 2 ? args[2] : "both";
    final Path snapshots = Paths.get(args.length > 3 ? args[3] : "benchmarks/target");
    System.out.println(Kernels.describe());
    final VectorIndex floats =
        which.equals("int8") ? null : cached(data, metric, null, snapshots.resolve(args[0] + "-float.snap"));
    final VectorIndex codes =
        which.equals("float") ? null : cached(data, metric, sample, snapshots.resolve(args[0] + "-int8.snap"));
    for (int ef : efs) {
      for (int round = 0; round < 2; round++) { // the first round warms up
        final String f = floats == null ? "-" : measure(floats, data, ef);
        final String c = codes == null ? "-" : measure(codes, data, ef);
        if (round == 1) {
          System.out.printf("ef %3d  float: %s%n        int8:  %s%n", ef, f, c);
        }
      }
    }
    if (codes != null) {
      kernelCosts(data, metric, sample);
    }
    System.out.println(sink == 42 ? "" : "done");
  }

  /** The index from its snapshot when one was saved by an earlier run, else built and saved. */
  private static VectorIndex cached(Dataset data, Metric metric, float[][] sample, Path snapshot)
      throws Exception {
    if (Files.exists(snapshot)) {
      return IndexSnapshot.load(snapshot);
    }
    final VectorIndex index = build(data, metric, sample);
    Files.createDirectories(snapshot.getParent());
    IndexSnapshot.write(index, snapshot);
    return index;
  }

  private static VectorIndex build(Dataset data, Metric metric, float[][] sample) throws Exception {
    final VectorIndex.Builder builder =
        VectorIndex.builder(data.dimension(), metric).m(16).efConstruction(200).seed(42L)
            .expectedItems(data.size());
    if (sample != null) {
      builder.quantizeInt8(sample);
    }
    final VectorIndex index = builder.build();
    final float[][] base = data.base();
    Parallel.forEach(base.length, 2, i -> index.add(i, base[i]));
    return index;
  }

  /** Searches every query for at least 2 CPU-seconds; "q/CPU-s, recall, scored/query". */
  private static String measure(VectorIndex index, Dataset data, int ef) {
    final Searcher searcher = index.newSearcher();
    final SearchResults results = new SearchResults(Dataset.K);
    final float[][] queries = data.queries();
    double recall = 0;
    long scored = 0;
    long done = 0;
    final long start = THREADS.getCurrentThreadCpuTime();
    long cpu;
    do {
      for (int q = 0; q < queries.length; q++) {
        searcher.search(queries[q], Dataset.K, ef, results);
        if (done < queries.length) {
          final long[] ids = results.idsCopy();
          final int[] found = new int[ids.length];
          for (int i = 0; i < ids.length; i++) {
            found[i] = (int) ids[i];
          }
          recall += Recall.atK(found, found.length, data.truth()[q], Dataset.K);
          scored += searcher.visitedCount();
        }
        done++;
      }
      cpu = THREADS.getCurrentThreadCpuTime() - start;
    } while (cpu < 2_000_000_000L);
    return String.format("%,8.0f q/CPU-s  recall %.4f  scored/query %.0f",
        done / (cpu / 1e9), recall / queries.length, scored / (double) queries.length);
  }

  /** CPU ns of one code distance, one rerank distance and one encode, over the whole base set. */
  private static void kernelCosts(Dataset data, Metric metric, float[][] sample) {
    final float[] range = Int8Store.range(sample, data.dimension(), metric);
    final Int8Store store = new Int8Store(data.dimension(), metric, range[0], range[1]);
    final float[][] base = data.base();
    store.ensureCapacity(base.length);
    for (int i = 0; i < base.length; i++) {
      store.set(i, base[i]);
    }
    final float[] query = data.queries()[0].clone();
    if (metric == Metric.COSINE) {
      double s = 0;
      for (float x : query) {
        s += x * x;
      }
      for (int i = 0; i < query.length; i++) {
        query[i] /= (float) Math.sqrt(s);
      }
    }
    final int[] encoded = new int[store.stride()];
    store.encode(query, encoded);
    final int n = base.length;
    double code = Double.MAX_VALUE;
    double rerank = Double.MAX_VALUE;
    double encode = Double.MAX_VALUE;
    for (int run = 0; run < 7; run++) {
      long t = THREADS.getCurrentThreadCpuTime();
      for (int rep = 0; rep < 20; rep++) {
        for (int i = 0; i < n; i++) {
          sink += store.distance(encoded, 0, i);
        }
      }
      code = Math.min(code, (THREADS.getCurrentThreadCpuTime() - t) / (20.0 * n));
      t = THREADS.getCurrentThreadCpuTime();
      for (int rep = 0; rep < 5; rep++) {
        for (int i = 0; i < n; i++) {
          sink += store.floatDistance(query, 0, i);
        }
      }
      rerank = Math.min(rerank, (THREADS.getCurrentThreadCpuTime() - t) / (5.0 * n));
      t = THREADS.getCurrentThreadCpuTime();
      for (int i = 0; i < 20_000; i++) {
        store.encode(query, encoded);
        sink += encoded[0];
      }
      encode = Math.min(encode, (THREADS.getCurrentThreadCpuTime() - t) / 20_000.0);
    }
    System.out.printf("CPU ns: code distance %.1f, rerank (float vs decoded codes) distance %.1f,"
        + " query encode %.1f%n", code, rerank, encode);
  }
}
