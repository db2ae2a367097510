package dev.trawl.index;

import dev.trawl.filter.RequestFilter;
import dev.trawl.hnsw.HnswSearcher;
import dev.trawl.hnsw.OrdinalFilter;
import dev.trawl.testing.Builds;
import dev.trawl.testing.Datasets.Dataset;
import dev.trawl.testing.Datasets;
import dev.trawl.vector.Metric;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Not a test: a clock-free measurement behind docs/filters.md ("Why seen top-100 costs about 3x").
 * It lives beside {@link Searcher} because it drives the searcher's engine directly
 * ({@link Searcher#engine()}, package-private).
 * Prints recall@10 and mean nodes scored per query over an ef sweep for unfiltered search and for the
 * adversarial seen filter (each query's exact top-100 excluded, plus {@code -Dextra=N} random other
 * items), with the beam widened two ways: statically by every item excluded one by one
 * ({@code max(ef, min(k + exclusions, 4 ef))}, the rule before the rejected core) and dynamically by
 * the rejected core ({@link HnswSearcher#search(float[], int, int, int, OrdinalFilter, int)}, the
 * planner's rule). Run after {@code mvn test-compile}:
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes:$(deps) \
 *   [-Dextra=2000] dev.trawl.index.SeenFilterCurves wordnet|siftsmall|fashion
 * </pre>
 *
 * Index: M = 16, efConstruction = 200, seed 7, two build threads; Fashion-MNIST uses its first 20,000
 * images; the first 300 queries (all 100 on siftsmall). Truth is exact over the items the filter keeps.
 */
final class SeenFilterCurves {
  private static final int K = 10;
  private static final int SEEN = 100;
  private static final int[] EFS = {10, 16, 24, 32, 48, 64, 96, 128, 192, 256};

  private SeenFilterCurves() {}

  public static void main(String[] args) throws Exception {
    final String name = args.length > 0 ? args[0] : "wordnet";
    final int extra = Integer.getInteger("extra", 0);
    final Dataset data = switch (name) {
      case "wordnet" -> Datasets.wordnet();
      case "siftsmall" -> Datasets.siftSmall();
      case "fashion" -> {
        final Dataset full = Datasets.fashionMnist();
        yield new Dataset(full.name(), Arrays.copyOf(full.base(), 20_000), full.queries(), null);
      }
      default -> throw new IllegalArgumentException("wordnet, siftsmall or fashion, got " + name);
    };
    final Metric metric = name.equals("wordnet") ? Metric.COSINE : Metric.L2;
    final VectorIndex index = VectorIndex.builder(data.base()[0].length, metric)
        .m(16).efConstruction(200).seed(7).expectedItems(data.base().length).build();
    Builds.addAll(index, data.base(), 2);
    final Searcher searcher = index.newSearcher();
    final HnswSearcher engine = searcher.engine();
    final RequestFilter filter = index.newFilter();
    final int queries = Math.min(300, data.queries().length);

    final long[][] unfilteredTruth = new long[queries][K];
    final long[][] seen = new long[queries][SEEN + extra];
    final long[][] filteredTruth = new long[queries][K];
    final SearchResults exact = new SearchResults(SEEN);
    for (int q = 0; q < queries; q++) {
      searcher.searchExact(data.queries()[q], SEEN, exact);
      for (int i = 0; i < SEEN; i++) {
        seen[q][i] = exact.id(i);
      }
      for (int i = 0; i < K; i++) {
        unfilteredTruth[q][i] = exact.id(i);
      }
      final SplittableRandom random = new SplittableRandom(1_000 + q);
      for (int i = SEEN; i < SEEN + extra; i++) {
        seen[q][i] = random.nextInt(data.base().length);
      }
      filter.allowAll().andNotIds(seen[q], 0, seen[q].length, index);
      searcher.searchExact(data.queries()[q], K, filter, exact);
      for (int i = 0; i < K; i++) {
        filteredTruth[q][i] = exact.id(i);
      }
    }

    final int[] ordinals = new int[K];
    final float[] distances = new float[K];
    System.out.printf("%s, seen top-%d + %d random%ncase ef beam recall@10 visited%n",
        data.name(), SEEN, extra);
    for (String mode : new String[] {"unfiltered", "static", "core"}) {
      for (int ef : EFS) {
        double recall = 0;
        long visited = 0;
        long beams = 0;
        for (int q = 0; q < queries; q++) {
          final float[] query = searcher.prepare(data.queries()[q]);
          final long[] truth;
          if (mode.equals("unfiltered")) {
            engine.search(query, ef, OrdinalFilter.ALL, Integer.MAX_VALUE);
            beams += ef;
            truth = unfilteredTruth[q];
          } else {
            filter.allowAll().andNotIds(seen[q], 0, seen[q].length, index);
            if (mode.equals("static")) {
              final int beam = (int) Math.max(ef, Math.min(K + seen[q].length, 4L * ef));
              engine.search(query, beam, filter::accepts, Integer.MAX_VALUE);
            } else {
              engine.search(query, K, ef, 4 * ef, filter::accepts, Integer.MAX_VALUE);
            }
            beams += engine.lastBeam();
            truth = filteredTruth[q];
          }
          visited += engine.visitedCount();
          final int found = engine.drainNearest(K, ordinals, distances);
          int hits = 0;
          for (int i = 0; i < found; i++) {
            final long id = index.idOf(ordinals[i]);
            for (long t : truth) {
              hits += t == id ? 1 : 0;
            }
          }
          recall += hits / (double) K;
        }
        System.out.printf("%s %d %d %.4f %.0f%n", mode, ef, beams / queries, recall / queries,
            visited / (double) queries);
      }
    }
  }
}
