package dev.trawl.bench;

import dev.trawl.bench.data.Dataset;
import dev.trawl.bench.data.DatasetLoader;
import dev.trawl.bench.data.Recall;
import dev.trawl.index.SearchResults;
import dev.trawl.index.Searcher;
import dev.trawl.index.VectorIndex;
import dev.trawl.vector.Metric;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Trawl search throughput while another thread writes, against search alone on the same index: the
 * queries per second lost to writers.
 *
 * <p>The index (M = 16, efConstruction = 200) is built at trial setup from the first half of the base
 * set. <b>Group {@code alone}</b>: one operation is one top-10 search at {@code ef}. <b>Group
 * {@code mixed}</b>: one searching thread does the same while one writing thread runs; its operation
 * is one {@link VectorIndex#upsert} of the next vector of the second half (first pass adds new ids,
 * later passes replace them, so the graph keeps changing under the reader). Compare
 * {@code alone:search} with {@code mixed:search}. Recall@10 of the searches is checked at setup (smoke)
 * and after the trial is not meaningful (the contents change), so it is not reported.
 *
 * <p>Peers (hnswlib-core, JVector) also support concurrent inserts; TODO: add them here through
 * {@code AnnEngine} once it has an insert hook.
 */
@State(Scope.Group)
@BenchmarkMode(org.openjdk.jmh.annotations.Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ConcurrentSearchInsertBenchmark {
  @Param({"siftsmall"})
  public String dataset;

  @Param({"64"})
  public int ef;

  Dataset data;
  VectorIndex index;
  int half;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    data = DatasetLoader.get(dataset);
    half = data.size() / 2;
    index =
        VectorIndex.builder(
                data.dimension(), data.metric() == Dataset.Metric.L2 ? Metric.L2 : Metric.COSINE)
            .m(16)
            .efConstruction(200)
            .expectedItems(data.size())
            .build();
    final float[][] base = data.base();
    for (int i = 0; i < half; i++) {
      index.add(i, base[i]);
    }
    if (Mode.current().isSmoke()) {
      // sanity: self-queries of indexed items find themselves
      final Searcher searcher = index.newSearcher();
      final SearchResults results = new SearchResults(Dataset.K);
      final int[] found = new int[Dataset.K];
      double hits = 0;
      final int probes = Math.min(200, half);
      for (int i = 0; i < probes; i++) {
        final int n = searcher.search(base[i], Dataset.K, ef, results);
        for (int j = 0; j < n; j++) {
          found[j] = (int) results.id(j);
        }
        hits += Recall.atK(found, n, new int[] {i}, 1);
      }
      if (hits / probes < 0.95) {
        throw new IllegalStateException("self-recall@1 " + hits / probes + " < 0.95 on " + dataset);
      }
    }
  }

  /** Per-thread searcher. */
  @State(Scope.Thread)
  public static class Reader {
    Searcher searcher;
    SearchResults results;
    float[][] queries;
    int next;

    @Setup(Level.Trial)
    public void setUp(ConcurrentSearchInsertBenchmark shared) {
      searcher = shared.index.newSearcher();
      results = new SearchResults(Dataset.K);
      queries = shared.data.queries();
    }

    int search(int ef) {
      final float[] q = queries[next];
      if (++next == queries.length) {
        next = 0;
      }
      return searcher.search(q, Dataset.K, ef, results);
    }
  }

  /** The writer's position in the second half of the base set. */
  @State(Scope.Thread)
  public static class Writer {
    int next = -1;
  }

  /** Search with no writer: the baseline. */
  @Benchmark
  @Group("alone")
  @GroupThreads(1)
  public int searchAlone(Reader reader) {
    return reader.search(ef);
  }

  /** Search while the {@link #upsert} thread writes. */
  @Benchmark
  @Group("mixed")
  @GroupThreads(1)
  public int search(Reader reader) {
    return reader.search(ef);
  }

  /** One add-or-replace of the next vector of the second half. */
  @Benchmark
  @Group("mixed")
  @GroupThreads(1)
  public int upsert(Writer writer) {
    if (writer.next < half || ++writer.next == data.size()) {
      writer.next = half;
    }
    index.upsert(writer.next, data.base()[writer.next]);
    return writer.next;
  }
}
